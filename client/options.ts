/**
 * The client's public option and event types, apart from the client itself so that the parts built
 * on them (the shared mode's tab and worker sides) need not import the client.
 */
import type { Format } from '../proto/codec.js';
import type { BackoffOptions } from './backoff.js';
import type { WebSocketCtor } from './connection.js';
import type { JetgateError } from './errors.js';
import type { ConnectInfo, DisconnectInfo } from './messages.js';

export type ClientState = 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface ClientEvents {
  state: ClientState;
  /** Connected (again); subscriptions are being resumed. */
  connected: ConnectInfo;
  /** The connection ended; says whether and when the client reconnects. */
  disconnected: DisconnectInfo;
  /** Something failed outside any request: a refused connect, a token callback, a closing error. */
  error: JetgateError;
}

export interface ClientOptions {
  /** The gateway's WebSocket URL (ws:// or wss://). */
  url: string;
  /** Subprotocol: 'proto' (binary, the default) or 'json'. */
  format?: Format;
  /** A fixed token (JWT). */
  token?: string;
  /** Supplies a token on every (re)connect and before the current one expires; wins over `token`. */
  getToken?: () => Promise<string> | string;
  /** Client name and version, for the gateway's logs. */
  name?: string;
  /** WebSocket implementation; defaults to globalThis.WebSocket. On Node 20 pass the `ws` package's. */
  WebSocket?: WebSocketCtor;
  /** Reconnect and resubscribe delays. */
  backoff?: BackoffOptions;
  /** Client-side deadline of requests (ms); default 10 000. */
  requestTimeoutMs?: number;
  /**
   * Shared mode (browsers): the tabs of this origin share one WebSocket, owned by a SharedWorker
   * running `shared.worker`. Where SharedWorker is missing or fails to start, the tab connects on
   * its own. See docs/shared-mode.md.
   */
  shared?: SharedOptions;
}

export interface CallOptions {
  /** Overrides `requestTimeoutMs` for this call. */
  timeoutMs?: number;
}

export interface PublishOptions extends CallOptions {
  /** Same key, same channel: stored once. Generated when absent (and kept for the SDK's retry). */
  idempotencyKey?: string;
  /** Headers stored with the publication (the gateway drops reserved ones: Jetgate-*, Nats-*). */
  headers?: Record<string, string>;
}

export interface RpcOptions {
  /** Deadline for the handler, enforced by the gateway; the client waits a little longer. */
  timeoutMs?: number;
  /** Headers passed on to the service, e.g. traceparent (the gateway drops Jetgate-*, Nats-*). */
  headers?: Record<string, string>;
}

export interface HistoryOptions extends CallOptions {
  /** First sequence wanted (0: the oldest held). */
  fromSeq?: number;
  /** At most this many (the gateway caps it). */
  limit?: number;
  /** Newest first, ending at fromSeq. */
  reverse?: boolean;
}

export interface SharedOptions {
  /** URL of the worker script (the SDK's jetgate-worker.min.js, served by the app on its origin). */
  worker: string;
  /** Tabs share a connection only with the same key (and URL and format): e.g. the signed-in user. */
  key?: string;
  /** Wait for the worker's first answer before the tab connects on its own instead (default 5 000 ms). */
  startTimeoutMs?: number;
}
