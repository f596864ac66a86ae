/**
 * Fan-out at fixed offered rates, then saturation: C channels × S subscribers each, payloads of a
 * given size. Offered load is counted in deliveries per second (messages published × S).
 */
import { clientTokens } from '../lib/auth.js';
import { Child } from '../lib/child.js';
import { summarize, type LatencySummary } from '../lib/hist.js';
import { cpuSeconds, sleep } from '../lib/proc.js';
import { LoadPool } from '../loadgen/pool.js';
import { channelName } from '../loadgen/protocols.js';
import type { PublisherRequest, RunReply } from '../loadgen/publisher.js';
import type { System } from '../peers/systems.js';
import { fileURLToPath } from 'node:url';

export interface FanoutScenario {
  id: string;
  channels: number;
  subscribers: number;
  size: number;
  /** Offered deliveries/s, in increasing order. */
  rates: number[];
  /** Offered deliveries/s far above what any system sustains; 0: no saturation step. */
  saturation: number;
  durationMs: number;
}

export interface RatePoint {
  /** Offered deliveries/s; `saturation` marks the saturation step. */
  offered: number;
  saturation: boolean;
  expected: number;
  delivered: number;
  /** Deliveries/s achieved over the publishing window. */
  throughput: number;
  latency: LatencySummary;
  /** CPU seconds over the window: the WebSocket server process, and the nats-server behind it. */
  cpuServerSec: number;
  cpuNatsSec: number;
  /** Microseconds of CPU per delivery: the WebSocket server; with its nats-server. */
  usPerDelivery: number;
  usPerDeliveryWithNats: number;
  /** Each load-generator process's CPU use over the window, as a fraction of one core. */
  loadgenCores: number[];
  publisherLagMs: number;
  closed: number;
  sustained: boolean;
  errors: string[];
}

const PUBLISHER = fileURLToPath(new URL('../loadgen/publisher.js', import.meta.url));
/** A rate counts as sustained when nearly every delivery arrived, in time. */
const SUSTAINED_RATIO = 0.99;
const SUSTAINED_P99_MS = 1_000;

export function subjects(sc: FanoutScenario): string[] {
  return Array.from({ length: sc.channels }, (_, i) => `bench.c${i}`);
}

/** The channel of each connection: S consecutive connections per channel. */
export function connectionChannels(sys: System['name'], sc: FanoutScenario): string[] {
  return Array.from({ length: sc.channels * sc.subscribers }, (_, i) => channelName(sys, `c${Math.floor(i / sc.subscribers)}`));
}

export async function runFanout(sys: System, sc: FanoutScenario, workers: number, log: (s: string) => void): Promise<RatePoint[]> {
  const pool = new LoadPool(workers);
  const publisher = Child.fork<PublisherRequest, RunReply>(PUBLISHER, 'publisher');
  try {
    const channels = connectionChannels(sys.name, sc);
    const conn = await pool.connect(sys.name, sys.port, channels, await clientTokens(sys.name, channels.length));
    if (conn.failed) throw new Error(`${conn.failed} connections failed: ${conn.errors.slice(0, 3).join('; ')}`);
    await publisher.request({ type: 'connect', url: sys.natsUrl });
    const subs = subjects(sc);
    // Warm-up: JIT, channel start-up, first allocations.
    await publisher.request({ type: 'run', subjects: subs, rate: Math.max(1, sc.rates[0]! / sc.subscribers), durationMs: Math.min(1_000, sc.durationMs), size: sc.size });
    await sleep(300);
    const points: RatePoint[] = [];
    const report = (p: RatePoint) => log(`  ${sys.name} ${sc.id} ${p.saturation ? 'saturation' : `${p.offered}/s`}: ${Math.round(p.throughput)}/s ` +
      `p50 ${p.latency.p50} p99 ${p.latency.p99} ms, ${p.usPerDelivery.toFixed(2)} µs CPU/delivery (${p.usPerDeliveryWithNats.toFixed(2)} with NATS)` +
      `${p.saturation || p.sustained ? '' : ' — not sustained'}${p.closed ? `, ${p.closed} connections closed` : ''}`);
    // Fixed rates up to the first one not sustained (higher ones would only queue more), then saturation.
    for (const rate of sc.rates) {
      const p = await measure(sys, sc, pool, publisher, subs, rate, false);
      points.push(p);
      report(p);
      if (!p.sustained) break;
    }
    if (sc.saturation) {
      if (!points.at(-1)?.sustained) await sleep(2_000); // let the backlog of the last rate drain
      const p = await measure(sys, sc, pool, publisher, subs, sc.saturation, true);
      points.push(p);
      report(p);
    }
    return points;
  } finally {
    publisher.kill();
    await pool.close();
  }
}

async function measure(sys: System, sc: FanoutScenario, pool: LoadPool, publisher: Child<PublisherRequest, RunReply>,
  subs: string[], offered: number, saturation: boolean): Promise<RatePoint> {
  await pool.reset();
  const cpu0 = [cpuSeconds(sys.server.pid), cpuSeconds(sys.nats.pid)];
  const t0 = Date.now();
  const run = await publisher.request({ type: 'run', subjects: subs, rate: offered / sc.subscribers, durationMs: sc.durationMs, size: sc.size });
  const publishSec = (Date.now() - t0) / 1000;
  const expected = run.sent * sc.subscribers;
  // At saturation, what was delivered while publishing is the throughput (the backlog is left
  // behind); otherwise the tail arrives first.
  const got = saturation ? await pool.collect() : await pool.collectTail(expected);
  const cpu1 = [cpuSeconds(sys.server.pid), cpuSeconds(sys.nats.pid)];
  const windowSec = (Date.now() - t0) / 1000;
  const cpuServerSec = cpu1[0]! - cpu0[0]!;
  const cpuNatsSec = sys.nats === sys.server ? 0 : cpu1[1]! - cpu0[1]!;
  const latency = summarize(got.latency);
  got.latency.destroy();
  const delivered = got.deliveries;
  const per = (s: number) => (delivered ? (s * 1e6) / delivered : NaN);
  return {
    offered, saturation, expected, delivered,
    throughput: delivered / publishSec,
    latency,
    cpuServerSec, cpuNatsSec,
    usPerDelivery: per(cpuServerSec),
    usPerDeliveryWithNats: per(cpuServerSec + cpuNatsSec),
    loadgenCores: got.cpuSec.map((s) => Math.round((s / windowSec) * 100) / 100),
    publisherLagMs: run.maxLagMs,
    closed: got.closed,
    sustained: !saturation && delivered >= expected * SUSTAINED_RATIO && latency.p99 < SUSTAINED_P99_MS && got.closed === 0,
    errors: [...got.errors, ...(got.unstamped ? [`${got.unstamped} deliveries without a stamp`] : [])],
  };
}
