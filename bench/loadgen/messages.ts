/** Requests the orchestrator sends a load-generator process, and their replies. */
import type { Position, SystemName } from './protocols.js';

export type Request =
  | {
    type: 'connect';
    system: SystemName;
    host: string;
    port: number;
    /** One entry per connection: the channel it subscribes to. */
    channels: string[];
    /** One entry per connection: the token it authenticates with (bench/lib/auth.ts). */
    tokens: string[];
    /** Source addresses, used in turn. */
    addresses: string[];
    /** Connections being set up at once. */
    concurrency: number;
    since?: Position;
  }
  | { type: 'reset' }
  /** `until` (µs, monotonic): when the last publication was due, so that a client silent since counts as stalled. */
  | { type: 'collect'; until?: number }
  /** Every `intervalMs` each connection sends a probe request (`ClientProtocol.probe`); 0 stops. */
  | { type: 'probe'; intervalMs: number; timeoutMs: number }
  | { type: 'await'; perConnection: number; timeoutMs: number }
  | { type: 'close' };

export interface ConnectReply {
  ok: number;
  failed: number;
  /** Connect-to-subscribed times, encoded histogram (µs). */
  setup: string;
  positions: Position[];
  errors: string[];
}

export interface CollectReply {
  deliveries: number;
  /** Latency histogram (µs), encoded. */
  latency: string;
  /** Deliveries whose payload held no stamp (should stay 0). */
  unstamped: number;
  /** Connections closed since the last reset. */
  closed: number;
  errors: string[];
  /** This process's CPU time since the last reset, seconds. */
  cpuSec: number;
  /** Longest time a connection went without a delivery since the last reset (µs). */
  maxGapUs: number;
  probes: ProbeCounts;
}

/** Probe requests since the last reset. */
export interface ProbeCounts {
  sent: number;
  ok: number;
  /** Failed probes by error code ("timeout": no reply in time). */
  failed: Record<string, number>;
  /** Sent less than the timeout ago and not answered yet. */
  pending: number;
  /** Request-to-reply times of the answered ones, encoded histogram (µs). */
  latency: string;
}

export interface AwaitReply {
  /** Connections that reached the count. */
  reached: number;
  /** When the latest delivery arrived (µs, monotonic clock). */
  lastAt: number;
}

export type Reply = ConnectReply | CollectReply | AwaitReply | Record<string, never>;

export interface Envelope<T> {
  id: number;
  body: T;
  error?: string;
}
