/**
 * A TCP load balancer in front of gateway processes: round-robin over its targets; a target that
 * refuses the connection (stopped, draining) is skipped for the next, as a real balancer's health
 * checks would. With one target it is a plain forwarder.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class TcpBalancer {
  /** Ports on 127.0.0.1, changeable at any time. */
  targets: number[];
  private next = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly port: number, targets: number[]) {
    this.targets = targets;
  }

  static async start(...targets: number[]): Promise<TcpBalancer> {
    let lb: TcpBalancer | undefined;
    const server = createServer((client) => {
      // Hold the client's bytes until an upstream is connected.
      client.pause();
      client.on('error', () => client.destroy());
      if (lb) lb.route(client, lb.next++, 0);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    lb = new TcpBalancer(server, (server.address() as { port: number }).port, targets);
    return lb;
  }

  url(path = '/ws'): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  /** Connects `client` to target `first + tried`, trying the following ones while they refuse. */
  private route(client: Socket, first: number, tried: number): void {
    if (tried >= this.targets.length) {
      client.destroy();
      return;
    }
    const port = this.targets[(first + tried) % this.targets.length] as number;
    const upstream = connect(port, '127.0.0.1');
    upstream.once('error', () => {
      upstream.destroy();
      if (!client.destroyed) this.route(client, first, tried + 1);
    });
    upstream.once('connect', () => {
      if (client.destroyed) {
        upstream.destroy();
        return;
      }
      this.sockets.add(client).add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      upstream.removeAllListeners('error');
      client.removeAllListeners('error');
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      client.pipe(upstream).pipe(client);
      client.resume();
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}
