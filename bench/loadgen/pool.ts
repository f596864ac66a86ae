/** The orchestrator's side of the load generator: several worker processes, results merged. */
import { fileURLToPath } from 'node:url';
import { Child } from '../lib/child.js';
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

  async collect(): Promise<Collected> {
    const replies = await this.all<CollectReply>({ type: 'collect' });
    return {
      deliveries: replies.reduce((s, r) => s + r.deliveries, 0),
      latency: merge(replies.map((r) => r.latency)),
      unstamped: replies.reduce((s, r) => s + r.unstamped, 0),
      closed: replies.reduce((s, r) => s + r.closed, 0),
      errors: replies.flatMap((r) => r.errors),
      cpuSec: replies.map((r) => r.cpuSec),
    };
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
