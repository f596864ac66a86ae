/**
 * A lean WebSocket client over node:net for the load generator: the upgrade, unmasked server
 * frames parsed in place (no copy unless a frame spans TCP reads), masked client frames. It skips
 * what a benchmark client does not need (extensions, UTF-8 validation, events), so that one process
 * receives several hundred thousand messages a second.
 */
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface WsOptions {
  host: string;
  port: number;
  path: string;
  protocol?: string;
  /** Source address (any of 127.0.0.0/8 on loopback): spreads ephemeral ports past 28k per pair. */
  localAddress?: string;
  timeoutMs?: number;
}

export interface WsHandlers {
  message(data: Buffer, binary: boolean): void;
  close(reason: string): void;
}

const OP_CONT = 0, OP_TEXT = 1, OP_CLOSE = 8, OP_PING = 9, OP_PONG = 10;
export const OP_BIN = 2;

/** One masked client frame. */
export function encodeFrame(op: number, payload: Uint8Array): Buffer {
  const len = payload.length;
  const hdr = len < 126 ? 6 : len < 65536 ? 8 : 14;
  const out = Buffer.allocUnsafe(hdr + len);
  out[0] = 0x80 | op;
  if (len < 126) out[1] = 0x80 | len;
  else if (len < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = randomBytes(4);
  mask.copy(out, hdr - 4);
  for (let i = 0; i < len; i++) out[hdr + i] = (payload[i] as number) ^ (mask[i & 3] as number);
  return out;
}

export class WsClient {
  private buf: Buffer | undefined;
  private fragments: Buffer[] = [];
  private fragOp = 0;
  private closed = false;

  private constructor(private readonly sock: Socket, private readonly on: WsHandlers) {}

  /** Opens the connection; resolves once the upgrade succeeded. */
  static open(opts: WsOptions, on: WsHandlers): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host: opts.host, port: opts.port, localAddress: opts.localAddress, noDelay: true });
      const timer = setTimeout(() => fail(new Error('upgrade timed out')), opts.timeoutMs ?? 30_000);
      let head: Buffer = Buffer.alloc(0);
      const fail = (e: Error) => {
        clearTimeout(timer);
        sock.destroy();
        reject(e);
      };
      sock.once('error', fail);
      sock.once('connect', () => {
        const key = randomBytes(16).toString('base64');
        sock.write(`GET ${opts.path} HTTP/1.1\r\nHost: ${opts.host}:${opts.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${opts.protocol ? `Sec-WebSocket-Protocol: ${opts.protocol}\r\n` : ''}\r\n`);
      });
      const onHead = (chunk: Buffer) => {
        head = head.length ? Buffer.concat([head, chunk]) : chunk;
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const status = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
        if (!/^HTTP\/1\.1 101/.test(status)) return fail(new Error(`upgrade refused: ${status}`));
        clearTimeout(timer);
        sock.off('data', onHead);
        sock.off('error', fail);
        const ws = new WsClient(sock, on);
        sock.on('data', (d: Buffer) => ws.onData(d));
        sock.on('error', (e) => ws.end(`error: ${e.message}`));
        sock.on('close', () => ws.end('socket closed'));
        resolve(ws);
        const rest = head.subarray(end + 4);
        if (rest.length) ws.onData(rest);
      };
      sock.on('data', onHead);
    });
  }

  private onData(chunk: Buffer): void {
    let b = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    this.buf = undefined;
    let off = 0;
    while (b.length - off >= 2) {
      const b0 = b[off] as number;
      const b1 = b[off + 1] as number;
      let len = b1 & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (b.length - off < 4) break;
        len = b.readUInt16BE(off + 2);
        hdr = 4;
      } else if (len === 127) {
        if (b.length - off < 10) break;
        len = Number(b.readBigUInt64BE(off + 2));
        hdr = 10;
      }
      if (b.length - off < hdr + len) break;
      this.frame(b0 & 0x0f, (b0 & 0x80) !== 0, b.subarray(off + hdr, off + hdr + len));
      off += hdr + len;
    }
    if (off < b.length) this.buf = b.subarray(off);
  }

  private frame(op: number, fin: boolean, payload: Buffer): void {
    switch (op) {
      case OP_TEXT:
      case OP_BIN:
        if (fin) return this.on.message(payload, op === OP_BIN);
        this.fragOp = op;
        this.fragments = [Buffer.from(payload)];
        return;
      case OP_CONT:
        this.fragments.push(Buffer.from(payload));
        if (fin) {
          const whole = Buffer.concat(this.fragments);
          this.fragments = [];
          this.on.message(whole, this.fragOp === OP_BIN);
        }
        return;
      case OP_PING:
        return this.write(OP_PONG, payload);
      case OP_CLOSE:
        this.write(OP_CLOSE, payload.subarray(0, 2));
        return this.end(`closed by server${payload.length >= 2 ? ` (${payload.readUInt16BE(0)})` : ''}`);
      default:
    }
  }

  send(data: string | Uint8Array): void {
    this.write(typeof data === 'string' ? OP_TEXT : OP_BIN, typeof data === 'string' ? Buffer.from(data) : data);
  }

  private write(op: number, payload: Uint8Array): void {
    if (this.closed) return;
    this.sock.write(encodeFrame(op, payload));
  }

  /** Writes frames already encoded with `encodeFrame` (a flood sends the same bytes again and again). */
  writeFrames(frames: Uint8Array): void {
    if (!this.closed) this.sock.write(frames);
  }

  /** Bytes written but not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.sock.writableLength;
  }

  close(): void {
    if (this.closed) return;
    this.write(OP_CLOSE, Buffer.from([0x03, 0xe8]));
    this.sock.end();
    this.end('closed by client');
  }

  /** Drops the TCP connection without a close frame. */
  destroy(): void {
    this.sock.destroy();
    this.end('destroyed');
  }

  private end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.on.close(reason);
  }
}
