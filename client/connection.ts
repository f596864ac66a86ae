/**
 * One WebSocket to the gateway: opens it with the subprotocol, batches outgoing envelopes, decodes
 * incoming frames, and notices when the gateway has gone quiet. Knows nothing of the protocol's
 * flows; the client drives it.
 */
import { SUBPROTOCOL, decodeServer, joinFrames, type Encoded, type Format, type ServerMessage } from '../proto/codec.js';
import { ClientCloseCode, JetgateError } from './errors.js';
import { Timer } from './timer.js';

/**
 * What the SDK needs of a WebSocket: the browser's, or the `ws` package's on Node. Event
 * parameters are `any` because the two declare different event classes for the same shape.
 */
export interface WebSocketLike {
  binaryType: string;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: any) => void) | null;
  onclose: ((ev: any) => void) | null;
  onerror: ((ev: any) => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drops the socket without the closing handshake (a dead peer never answers it). */
  terminate?(): void;
}

export type WebSocketCtor = new (url: string, protocols: string[]) => WebSocketLike;

export interface ConnectionEvents {
  open(): void;
  message(msg: ServerMessage): void;
  /** The gateway or the network closed the connection. */
  closed(code: number, reason: string): void;
  /** This side gave up on the connection (quiet too long, undecodable frame) and closed it with `code`. */
  failed(code: number, err: JetgateError): void;
}

/** Most envelopes a client may batch into one WebSocket message (docs/protocol.md). */
const MAX_BATCH = 100;

const ignore = (): void => {};

export class Connection {
  private readonly ws: WebSocketLike;
  private outbox: Encoded[] = [];
  private ended = false;
  private readonly watchdog = new Timer();
  private quietMs = 0;
  private lastHeard = 0;

  /** Opens the socket; fails it if nothing arrives within `quietMs` (covers opening and Connect). */
  constructor(ctor: WebSocketCtor, url: string, private readonly format: Format, private readonly events: ConnectionEvents, quietMs: number) {
    this.ws = new ctor(url, [SUBPROTOCOL[format]]);
    this.ws.binaryType = 'arraybuffer';
    this.ws.onopen = () => this.events.open();
    this.ws.onmessage = (ev: { data: unknown }) => this.receive(ev.data);
    let failure = '';
    this.ws.onclose = (ev: { code: number; reason: string }) => {
      this.end();
      this.events.closed(ev.code, ev.reason || failure);
    };
    // An error event is always followed by close, which carries the code; in Node (the ws package)
    // it also says why ("connect ECONNREFUSED …"), which becomes the reason of a close without one.
    this.ws.onerror = (ev: { message?: unknown }) => {
      if (typeof ev?.message === 'string') failure = ev.message;
    };
    this.watch(quietMs);
  }

  /** Fails the connection when nothing arrives for `quietMs` (0: never). */
  watch(quietMs: number): void {
    this.quietMs = quietMs;
    this.lastHeard = performance.now();
    if (quietMs > 0) this.watchdog.start(quietMs, this.checkQuiet);
    else this.watchdog.stop();
  }

  /** Queues an encoded envelope; all queued in one task go out together in one WebSocket message. */
  send(frame: Encoded): void {
    if (this.ended) return;
    this.outbox.push(frame);
    if (this.outbox.length === 1) queueMicrotask(this.flush);
  }

  /** Closes from this side; no event follows. `dead`: the peer is not answering, skip the handshake. */
  close(code: number, reason: string, dead = false): void {
    if (this.ended) return;
    this.end();
    if (dead && this.ws.terminate) this.ws.terminate();
    else this.ws.close(code, reason);
  }

  private readonly flush = (): void => {
    const frames = this.outbox;
    this.outbox = [];
    if (this.ended) return;
    for (let i = 0; i < frames.length; i += MAX_BATCH) this.ws.send(joinFrames(this.format, frames.slice(i, i + MAX_BATCH)));
  };

  private receive(data: unknown): void {
    if (this.quietMs > 0) this.lastHeard = performance.now();
    let msgs: ServerMessage[];
    try {
      msgs = decodeServer(this.format, frameOf(data));
    } catch (e) {
      const err = new JetgateError('protocol', `undecodable frame from the gateway: ${(e as Error).message}`, 0, true, { cause: e });
      this.fail(ClientCloseCode.ProtocolError, 'undecodable frame', err);
      return;
    }
    for (const msg of msgs) {
      if (this.ended) return; // a handler closed the connection: the rest is moot
      this.events.message(msg);
    }
  }

  private readonly checkQuiet = (): void => {
    const quiet = performance.now() - this.lastHeard;
    if (quiet < this.quietMs) this.watchdog.start(this.quietMs - quiet, this.checkQuiet);
    else this.fail(ClientCloseCode.NoActivity, 'no activity', new JetgateError('timeout', `nothing from the gateway for ${Math.round(quiet)} ms`, 0, true), true);
  };

  private fail(code: number, reason: string, err: JetgateError, dead = false): void {
    this.close(code, reason, dead);
    this.events.failed(code, err);
  }

  private end(): void {
    this.ended = true;
    this.watchdog.stop();
    this.ws.onopen = this.ws.onmessage = this.ws.onclose = null;
    // Keep an error listener: the `ws` package throws an error nobody listens to (e.g. when a
    // socket still opening is closed), which would crash the process.
    this.ws.onerror = ignore;
  }
}

function frameOf(data: unknown): Uint8Array | string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new Error('unsupported message data (binaryType must be "arraybuffer")');
}
