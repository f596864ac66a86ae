/**
 * The messages between a tab's client and the SharedWorker that owns the tabs' one WebSocket
 * (shared mode). Plain objects that survive structured cloning: errors travel as their fields and
 * are rebuilt on the other side (a cloned Error loses `kind`, `code` and `temporary`).
 */
import type { ClientEvents, ClientState } from '../options.js';
import { JetgateError, type ErrorKind } from '../errors.js';
import type { ClientInfo, ConnectInfo, Position, Publication, UnsubscribedInfo } from '../messages.js';
import type { StartOptions } from '../position.js';

/** What a tab tells the worker's client about itself; functions cannot cross a port. */
export interface WorkerClientOptions {
  url: string;
  format: 'proto' | 'json';
  name?: string;
  /** A fixed token; absent when the tab has getToken (the worker then asks a tab for each token). */
  token?: string;
  renewable: boolean;
  backoff?: { initialMs?: number; maxMs?: number };
  requestTimeoutMs?: number;
}

/** The client calls a tab may make through the worker. */
export type CallOp = 'publish' | 'rpc' | 'presence' | 'history';

export interface WireError {
  kind: ErrorKind;
  message: string;
  code: number;
  temporary: boolean;
}

export type ToWorker =
  /** First message on a port. `lock`: a Web Lock the tab holds while it lives (see tab.ts). */
  | { t: 'hello'; options: WorkerClientOptions; lock?: string }
  | { t: 'connect' }
  | { t: 'sub'; sid: number; channel: string; start: StartOptions }
  | { t: 'unsub'; sid: number }
  | { t: 'call'; rid: number; op: CallOp; args: unknown[] }
  | { t: 'token'; tid: number; token?: string; error?: WireError }
  | { t: 'beat' }
  | { t: 'bye' };

export type ClientEvent = { [K in keyof ClientEvents]: { t: 'event'; event: K; value: K extends 'error' ? WireError : ClientEvents[K] } }[keyof ClientEvents];

export type ToTab =
  /** Answer to hello: the shared connection's state now. */
  | { t: 'sync'; state: ClientState; info?: ConnectInfo }
  | ClientEvent
  | { t: 'subscribed'; sid: number; reply: { recovered: boolean; position: Position } }
  | { t: 'pub'; sid: number; pub: Publication }
  | { t: 'presence'; sid: number; kind: 'join' | 'leave'; client: ClientInfo }
  | { t: 'unsubscribed'; sid: number; info: UnsubscribedInfo }
  | { t: 'suberror'; sid: number; err: WireError; ended: boolean }
  | { t: 'reply'; rid: number; value?: unknown; err?: WireError }
  | { t: 'token?'; tid: number };

/** The part of a MessagePort both sides use (a fake in unit tests). */
export interface PortLike {
  postMessage(msg: unknown): void;
  onmessage: ((ev: { data: unknown }) => void) | null;
  close(): void;
}

export function toWire(e: unknown): WireError {
  if (e instanceof JetgateError) return { kind: e.kind, message: e.message, code: e.code, temporary: e.temporary };
  return { kind: 'token', message: e instanceof Error ? e.message : String(e), code: 0, temporary: true };
}

export function fromWire(w: WireError): JetgateError {
  return new JetgateError(w.kind, w.message, w.code, w.temporary);
}
