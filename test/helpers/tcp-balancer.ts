/** A TCP forwarder with a switchable target: the load balancer in front of gateway processes. */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class TcpBalancer {
  target = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(target: number): Promise<TcpBalancer> {
    let lb: TcpBalancer | undefined;
    const server = createServer((client) => {
      const upstream = connect(lb?.target ?? target, '127.0.0.1');
      lb?.sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        lb?.sockets.delete(client);
        lb?.sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    lb = new TcpBalancer(server, (server.address() as { port: number }).port);
    lb.target = target;
    return lb;
  }

  url(path = '/ws'): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}
