/**
 * A TCP proxy between a NATS client and nats-server that understands just enough of the NATS
 * protocol to drop chosen messages on their way to the client: the at-most-once losses of core
 * NATS (which RePublish uses), made deterministic for tests.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type DropRule = (subject: string, headers: string) => boolean;

export class LossyProxy {
  dropped = 0;
  drop: DropRule = () => false;
  private readonly sockets = new Set<Socket>();
  private refusing = false;

  private constructor(private readonly server: Server, readonly port: number) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async start(upstreamPort: number): Promise<LossyProxy> {
    let proxy: LossyProxy | undefined;
    const server = createServer((client) => proxy?.handle(client, upstreamPort));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    proxy = new LossyProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  private handle(client: Socket, upstreamPort: number): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(upstreamPort, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    client.pipe(upstream);
    let buf = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const out: Buffer[] = [];
      for (;;) {
        const eol = buf.indexOf('\r\n');
        if (eol < 0) break;
        const line = buf.subarray(0, eol).toString('latin1');
        const parts = line.split(' ');
        const op = parts[0]?.toUpperCase();
        if (op === 'MSG' || op === 'HMSG') {
          const total = Number(parts[parts.length - 1]);
          const end = eol + 2 + total + 2;
          if (buf.length < end) break;
          const hdrLen = op === 'HMSG' ? Number(parts[parts.length - 2]) : 0;
          const headers = buf.subarray(eol + 2, eol + 2 + hdrLen).toString('latin1');
          if (this.drop(parts[1] ?? '', headers)) this.dropped++;
          else out.push(buf.subarray(0, end));
          buf = buf.subarray(end);
        } else {
          out.push(buf.subarray(0, eol + 2));
          buf = buf.subarray(eol + 2);
        }
      }
      if (out.length) client.write(Buffer.concat(out));
    });
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', closeBoth).on('error', closeBoth);
    upstream.on('close', closeBoth).on('error', closeBoth);
  }

  /** Cuts every connection through the proxy (clients see a dropped TCP connection). */
  cut(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** Refuses new connections until `open()`; existing ones are cut. */
  refuse(): void {
    this.refusing = true;
    this.cut();
  }

  open(): void {
    this.refusing = false;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** The stream sequence a republished message carries, from its raw header block. */
export function sequenceOf(headers: string): number {
  const m = /\r\nNats-Sequence:\s*(\d+)/i.exec(headers);
  return m ? Number(m[1]) : 0;
}
