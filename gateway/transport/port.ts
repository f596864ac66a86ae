/**
 * Who may listen on a node's WebSocket port. uWebSockets.js binds with SO_REUSEPORT so that the
 * workers of one node share the port; that would also let a second gateway (or any other server
 * with SO_REUSEPORT) take a share of the connections without a word. So a node first checks that
 * no one listens on the port with a probe bind that does not share, and refuses at once when one
 * does. The probe (Node's own socket, with SO_REUSEADDR) is not held back by connections a previous
 * process left in TIME_WAIT: uWS's own bind is, and WsServer retries that for listenRetrySec.
 */
import { createServer, type AddressInfo } from 'node:net';
import { JetgateError } from '../errors.js';

/**
 * Resolves with the port the node may listen on (a free one picked by the kernel for port 0);
 * rejects with PORT_IN_USE when another process listens there.
 */
export function claimPort(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EADDRINUSE') return reject(new JetgateError('LISTEN_FAILED', `cannot listen on ${host}:${port}: ${e.message}`));
      reject(new JetgateError('PORT_IN_USE', `cannot listen on ${host}:${port}: another process is listening there ` +
        '(another jetgate node, or another server); stop it or choose another port (websocket.port, --port)'));
    });
    probe.listen({ host, port, exclusive: true }, () => {
      const picked = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(picked));
    });
  });
}
