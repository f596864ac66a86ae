/**
 * A bare protocol client over the `ws` package for tests that need exact control of the wire
 * (malformed frames, a client that stops reading). Application tests use the SDK instead.
 */
import WebSocket from 'ws';
import {
  SUBPROTOCOL, decodeServer, encodeClient, type ClientMessage, type Format, type Publication, type ServerMessage,
} from '../../proto/codec.js';

export class RawClient {
  readonly received: ServerMessage[] = [];
  readonly pubs: Publication[] = [];
  closeCode: number | undefined;
  /** Answer the gateway's pings (a client that does not is closed with 4004). */
  autoPong = true;
  private nextId = 1;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket, readonly format: Format) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      for (const m of decodeServer(format, isBinary ? new Uint8Array(data) : data.toString('utf8'))) {
        this.received.push(m);
        if (m.pub) this.pubs.push(m.pub);
        if (m.ping && this.autoPong) this.send({ pong: {} });
      }
      this.wake();
    });
    ws.on('close', (code: number) => {
      this.closeCode = code;
      this.wake();
    });
  }

  static open(url: string, format: Format = 'proto', protocols: string[] = [SUBPROTOCOL[format]], options: WebSocket.ClientOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(url, protocols, options);
    const c = new RawClient(ws, format);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  static async connect(url: string, format: Format = 'proto', token = ''): Promise<RawClient> {
    const c = await RawClient.open(url, format);
    const r = await c.request({ connect: { name: 'test', token } });
    if (!r.connect) throw new Error(`connect failed: ${JSON.stringify(r)}`);
    return c;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `check` holds, re-checked on every frame. */
  async until<T>(what: string, check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(200, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  send(msg: ClientMessage): void {
    this.ws.send(encodeClient(this.format, msg));
  }

  sendRaw(data: Buffer | string): void {
    this.ws.send(data);
  }

  /** Sends a request with a fresh id and resolves with the reply (any body, error included). */
  async request(msg: ClientMessage): Promise<ServerMessage> {
    const id = this.nextId++;
    this.send({ ...msg, id });
    return this.until(`reply to ${id}`, () => this.received.find((m) => m.id === id));
  }

  pubsOf(channel: string): Publication[] {
    return this.pubs.filter((p) => p.channel === channel);
  }

  /** Stops reading from the socket (TCP backpressure builds up at the gateway). */
  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((r) => {
      this.ws.once('close', () => r());
      this.ws.close();
    });
  }

  terminate(): void {
    this.ws.terminate();
  }
}
