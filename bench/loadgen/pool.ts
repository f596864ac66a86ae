/** The orchestrator's side of the load generator: several worker processes, results merged. */
import { fileURLToPath } from 'node:url';
import { Child } from '../lib/child.js';
import { sleep } from '../lib/proc.js';
import { merge, type Histogram } from '../lib/hist.js';
import type { AwaitReply, CollectReply, ConnectReply, Reply, Request } from './messages.js';
import type { Position, SystemName } from './protocols.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));
/** Source addresses on loopback: each has its own ~28k ephemeral ports. */
const ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);

export interface Collected {
  deliveries: number;
  latency: Histogram;
  unstamped: number;
  closed: number;
  errors: string[];
  /** CPU seconds of each load-generator process over the window. */
  cpuSec: number[];
  /** Longest time one connection went without a delivery (µs). */
  maxGapUs: number;
  probes: Probes;
}

/** Probe requests of all connections (see `LoadPool.probe`). */
export interface Probes {
  sent: number;
  ok: number;
  /** By error code; "timeout": no reply in time. */
  failed: Record<string, number>;
  /** Not answered yet, and not timed out. */
  pending: number;
  latency: Histogram;
}

export interface Connected {
  ok: number;
  failed: number;
  setup: Histogram;
  positions: Position[];
  errors: string[];
}

export class LoadPool {
  private readonly workers: Child<Request, Reply>[];

  constructor(size: number) {
    this.workers = Array.from({ length: size }, (_, i) => Child.fork<Request, Reply>(WORKER, `loadgen-${i}`));
  }

  private all<R extends Reply>(req: Request | ((i: number) => Request)): Promise<R[]> {
    return Promise.all(this.workers.map((w, i) => w.request<R>(typeof req === 'function' ? req(i) : req)));
  }

  /**
   * Opens one connection per entry of `channels`, dealt round-robin to the workers; connection k
   * authenticates with `tokens[k]` (signed beforehand: bench/lib/auth.ts).
   */
  async connect(system: SystemName, port: number, channels: string[], tokens: string[], opts: { concurrency?: number; since?: Position } = {}): Promise<Connected> {
    if (tokens.length !== channels.length) throw new Error(`${channels.length} connections but ${tokens.length} tokens`);
    const n = this.workers.length;
    const replies = await this.all<ConnectReply>((i) => ({
      type: 'connect', system, host: '127.0.0.1', port,
      channels: channels.filter((_, k) => k % n === i),
      tokens: tokens.filter((_, k) => k % n === i),
      addresses: ADDRESSES,
      concurrency: opts.concurrency ?? 100,
      ...(opts.since ? { since: opts.since } : {}),
    }));
    return {
      ok: replies.reduce((s, r) => s + r.ok, 0),
      failed: replies.reduce((s, r) => s + r.failed, 0),
      setup: merge(replies.map((r) => r.setup)),
      positions: replies.flatMap((r) => r.positions),
      errors: replies.flatMap((r) => r.errors),
    };
  }

  async reset(): Promise<void> {
    await this.all({ type: 'reset' });
  }

  /** Starts (intervalMs > 0) or stops probe requests on every connection: what a client asks while it receives. */
  async probe(intervalMs: number, timeoutMs: number): Promise<void> {
    await this.all({ type: 'probe', intervalMs, timeoutMs });
  }

  /** `until`: when the last publication was due (µs), so that a client silent since then counts as stalled. */
  async collect(until?: number): Promise<Collected> {
    const replies = await this.all<CollectReply>({ type: 'collect', ...(until ? { until } : {}) });
    const failed: Record<string, number> = {};
    for (const r of replies) for (const [code, n] of Object.entries(r.probes.failed)) failed[code] = (failed[code] ?? 0) + n;
    return {
      deliveries: replies.reduce((s, r) => s + r.deliveries, 0),
      latency: merge(replies.map((r) => r.latency)),
      unstamped: replies.reduce((s, r) => s + r.unstamped, 0),
      closed: replies.reduce((s, r) => s + r.closed, 0),
      errors: replies.flatMap((r) => r.errors),
      cpuSec: replies.map((r) => r.cpuSec),
      maxGapUs: Math.max(0, ...replies.map((r) => r.maxGapUs)),
      probes: {
        sent: replies.reduce((s, r) => s + r.probes.sent, 0),
        ok: replies.reduce((s, r) => s + r.probes.ok, 0),
        failed,
        pending: replies.reduce((s, r) => s + r.probes.pending, 0),
        latency: merge(replies.map((r) => r.probes.latency)),
      },
    };
  }

  /**
   * Collects once `expected` deliveries arrived since the last reset, or when nothing more came for
   * `quietMs` (after 10 s at most): the tail of a run, after its publisher finished.
   */
  async collectTail(expected: number, until?: number, quietMs = 250): Promise<Collected> {
    let got = await this.collect(until);
    for (let last = got.deliveries, lastAt = Date.now(), end = lastAt + 10_000; got.deliveries < expected && Date.now() < end;) {
      await sleep(250);
      got = await this.collect(until);
      if (got.deliveries !== last) [last, lastAt] = [got.deliveries, Date.now()];
      else if (Date.now() - lastAt >= quietMs) break;
    }
    return got;
  }

  /** Waits until every connection has `count` deliveries since the last reset. */
  async awaitEach(count: number, timeoutMs: number): Promise<{ reached: number; lastAt: number }> {
    const replies = await this.all<AwaitReply>({ type: 'await', perConnection: count, timeoutMs });
    return { reached: replies.reduce((s, r) => s + r.reached, 0), lastAt: Math.max(...replies.map((r) => r.lastAt)) };
  }

  async close(): Promise<void> {
    await this.all({ type: 'close' }).catch(() => undefined);
    for (const w of this.workers) w.kill();
  }
}
