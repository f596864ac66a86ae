/**
 * Peer (ceiling of jetgate's WebSocket layer): raw uWebSockets.js fed by one core NATS subscription;
 * the upgrade handler verifies the client's JWT (`?token=`, HS256, jose) and refuses with 401
 * before upgrading; a client's text message names the topic it subscribes to; each NATS message is
 * one app.publish of the payload as it is, with no protocol, ordering or history.
 * Usage: node uws-server.js <nats-url> <port>
 */
import { connect } from '@nats-io/transport-node';
import { uWS } from '../../gateway/transport/uws.js';
import { verifyBenchToken } from '../lib/auth.js';

const [natsUrl, port] = process.argv.slice(2);
const app = uWS.App();
app.ws<{ user: string }>('/*', {
  maxPayloadLength: 1024,
  maxBackpressure: 16 * 1024 * 1024,
  idleTimeout: 0,
  upgrade: (res, req, context) => {
    // req lives only until this handler returns: read what the upgrade needs before verifying.
    const token = req.getQuery('token') ?? '';
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    verifyBenchToken(token).then(
      (claims) => {
        if (!aborted) res.cork(() => res.upgrade({ user: claims.sub ?? '' }, key, protocol, extensions, context));
      },
      () => {
        if (!aborted) res.cork(() => res.writeStatus('401 Unauthorized').end());
      },
    );
  },
  message: (ws, message) => {
    ws.subscribe(Buffer.from(message).toString());
    ws.send('ok');
  },
});
const nc = await connect({ servers: natsUrl as string, name: 'bench-uws' });
const PREFIX = 'bench.'.length;
nc.subscribe('bench.>', { callback: (_err, msg) => void app.publish(msg.subject.slice(PREFIX), msg.data, true) });
await nc.flush();
app.listen('127.0.0.1', Number(port), (token) => {
  if (!token) {
    console.error(`cannot listen on ${port}`);
    process.exit(1);
  }
  console.log(`uws ready on ${port}`);
});
process.on('SIGTERM', () => process.exit(0));
