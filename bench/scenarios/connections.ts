/**
 * Connection storm and idle connections: N clients connect at once (upgrade, authenticate, then
 * subscribe), the time until the last is subscribed; then, idle, the server's resident memory per
 * connection. Every client authenticates (bench/lib/auth.ts): jetgate, Socket.IO and uWebSockets.js
 * verify a distinct HS256 JWT per client (signed before the clock starts); nats-server checks a
 * static WebSocket token.
 */
import { clientTokens } from '../lib/auth.js';
import { summarize, type LatencySummary } from '../lib/hist.js';
import { rssBytes, cpuSeconds, sleep } from '../lib/proc.js';
import { LoadPool } from '../loadgen/pool.js';
import { channelName } from '../loadgen/protocols.js';
import { nowMicros } from '../lib/stamp.js';
import type { System } from '../peers/systems.js';

export interface ConnectionsResult {
  connections: number;
  ok: number;
  failed: number;
  /** Until the last client was subscribed. */
  seconds: number;
  connectsPerSec: number;
  /** Connect-to-subscribed time per client. */
  setup: LatencySummary;
  /** WebSocket server CPU during the storm, µs per connection. */
  cpuUsPerConnection: number;
  /** Resident memory growth of the WebSocket server per idle connection (and of its nats-server). */
  rssBytesPerConnection: number;
  natsRssBytesPerConnection: number;
  errors: string[];
}

/** Idle connections subscribe to one of this many channels. */
const IDLE_CHANNELS = 100;
const SETTLE_MS = 2_000;

export async function runConnections(sys: System, n: number, workers: number, concurrency: number): Promise<ConnectionsResult> {
  const pool = new LoadPool(workers);
  try {
    await pool.reset(); // every worker process is up before the clock starts
    const channels = Array.from({ length: n }, (_, i) => channelName(sys.name, `c${i % IDLE_CHANNELS}`));
    const tokens = await clientTokens(sys.name, n); // signing is not measured
    const rss0 = [rssBytes(sys.server.pid), rssBytes(sys.nats.pid)];
    const cpu0 = cpuSeconds(sys.server.pid);
    const t0 = nowMicros();
    const c = await pool.connect(sys.name, sys.port, channels, tokens, { concurrency });
    const seconds = (nowMicros() - t0) / 1e6;
    const cpu = cpuSeconds(sys.server.pid) - cpu0;
    await sleep(SETTLE_MS);
    const rss1 = [rssBytes(sys.server.pid), rssBytes(sys.nats.pid)];
    const setup = summarize(c.setup);
    c.setup.destroy();
    return {
      connections: n, ok: c.ok, failed: c.failed, seconds,
      connectsPerSec: c.ok / seconds,
      setup,
      cpuUsPerConnection: c.ok ? (cpu * 1e6) / c.ok : NaN,
      rssBytesPerConnection: c.ok ? (rss1[0]! - rss0[0]!) / c.ok : NaN,
      natsRssBytesPerConnection: sys.nats === sys.server || !c.ok ? 0 : (rss1[1]! - rss0[1]!) / c.ok,
      errors: c.errors.slice(0, 5),
    };
  } finally {
    await pool.close();
  }
}
