/**
 * Abuse (jetgate only; issue 11): good clients keep receiving while hostile clients attack.
 * Authenticated good clients sit on `bench:` channels fed at a steady rate and send a small
 * history request now and then; delivery latency is measured as in fan-out (stamped payloads,
 * HdrHistogram). Phases of equal length: a baseline, then one per attack, each from an attacker
 * process of its own (bench/loadgen/attacker.ts), then a baseline again (anything the attacks left
 * behind). Per phase: the good clients' latency, longest stall, deliveries, disconnects and request
 * failures; what the attacker got (replies, refusals, closes); what the servers spent (consumers,
 * channels, memory, log lines) and whether consumers and channels went back to the baseline after
 * the attacker left. The idempotency race is a correctness check, not a phase.
 */
import { fileURLToPath } from 'node:url';
import { clientTokens } from '../lib/auth.js';
import { Child } from '../lib/child.js';
import { summarize, type LatencySummary } from '../lib/hist.js';
import { cpuSeconds, rssBytes, sleep } from '../lib/proc.js';
import { nowMicros } from '../lib/stamp.js';
import { Watch, type Peaks } from '../lib/watch.js';
import { ABUSE_NS, ATTACK_TITLES, type AttackKind, type AttackOutcome, type AttackSpec, type AttackerRequest } from '../loadgen/attacks.js';
import { LoadPool } from '../loadgen/pool.js';
import type { PublisherRequest, RunReply } from '../loadgen/publisher.js';
import type { System } from '../peers/systems.js';

export interface AbuseScenario {
  id: string;
  /** Good clients: `channels` × `subscribers`, fed `rate` publications a second in all, of `size` bytes. */
  good: { channels: number; subscribers: number; rate: number; size: number };
  /** Each good client sends a history request this often (ms); the requests are load too: keep them few. */
  probeIntervalMs: number;
  /** A history request unanswered this long (ms) failed ("timeout"). */
  probeTimeoutMs: number;
  /** Messages stored before the phases, so that replays and history reads have a full stream to search. */
  prefill: number;
  phaseMs: number;
  /** After an attack, at most this long waiting for consumers and channels to return to the baseline. */
  settleMs: number;
  /** In order; each is a phase (the idempotency race a check). */
  attacks: AttackSpec[];
}

export type PhaseName = 'baseline' | 'after' | Exclude<AttackKind, 'idempotency'>;

export interface PhaseResult {
  phase: PhaseName;
  title: string;
  expected: number;
  /** Arrived during the phase and its tail (until all did, or none came for 1 s). */
  delivered: number;
  latency: LatencySummary;
  /** Longest time a good client went without a delivery (ms). */
  longestStallMs: number;
  /** Good clients closed during the phase (they are not replaced). */
  goodClosed: number;
  /** The good clients' history requests sent in the phase: answered, or failed (by code; "timeout"). */
  requests: { sent: number; ok: number; failed: Record<string, number>; latency: LatencySummary };
  attacker?: AttackOutcome;
  /** CPU over the phase; log lines and bytes until the servers settled after it (failures are logged late, at their timeouts). */
  servers: Peaks & { gatewayCpuSec: number; natsCpuSec: number; gatewayRssEndMiB: number; gatewayLogLines: number; gatewayLogBytes: number };
  /** After the attacker left: how long until consumers and channels were back to the baseline (or what was left at `settleMs`). */
  recovery?: { back: boolean; seconds: number; consumersLeft?: number; channelsLeft?: number };
  errors: string[];
}

export interface AbuseResult {
  goodClients: number;
  baseline: { consumers?: number; channels?: number };
  phases: PhaseResult[];
  /** The anonymous idempotency race: the attacker's outcome (extra.victimDuplicate, extra.victimStored). */
  idempotency?: AttackOutcome;
}

const PUBLISHER = fileURLToPath(new URL('../loadgen/publisher.js', import.meta.url));
const ATTACKER = fileURLToPath(new URL('../loadgen/attacker.js', import.meta.url));
/** Wildcard variants the prefill spreads over (`bench.wild.s<k%8>.v<k>`): what the replay flood's `wild:*\/v<k>` find. */
const PREFILL_VARIANTS = 2_048;
const MiB = 1024 ** 2;

export async function runAbuse(sys: System, sc: AbuseScenario, workers: number, log: (s: string) => void): Promise<AbuseResult> {
  if (sys.name !== 'jetgate') throw new Error('abuse is measured on jetgate only');
  const pool = new LoadPool(workers);
  const publisher = Child.fork<PublisherRequest, RunReply>(PUBLISHER, 'publisher');
  const watch = await Watch.open(sys);
  try {
    await publisher.request({ type: 'connect', url: sys.natsUrl });
    // A quiet channel first, then a full stream after it.
    await publisher.request({ type: 'run', subjects: [`bench.${ABUSE_NS.open}.quiet`], rate: 1_000, durationMs: 10, size: 64 });
    if (sc.prefill) {
      const subjects = Array.from({ length: PREFILL_VARIANTS }, (_, k) => `bench.${ABUSE_NS.wild}.s${k % 8}.v${k}`);
      await publisher.request({ type: 'run', subjects, rate: 20_000, durationMs: (sc.prefill / 20_000) * 1_000, size: 64 });
    }
    const { channels: nch, subscribers, rate, size } = sc.good;
    const channels = Array.from({ length: nch * subscribers }, (_, i) => `bench:good-${Math.floor(i / subscribers)}`);
    const conn = await pool.connect(sys.name, sys.port, channels, await clientTokens(sys.name, channels.length));
    if (conn.failed) throw new Error(`${conn.failed} good clients failed: ${conn.errors.slice(0, 3).join('; ')}`);
    const subjects = Array.from({ length: nch }, (_, c) => `bench.good-${c}`);
    await publisher.request({ type: 'run', subjects, rate, durationMs: 1_000, size }); // warm-up
    await sleep(500);
    const baseline = { consumers: await watch.consumers(), channels: await watch.channels() };
    const ctx: Ctx = { sys, sc, pool, publisher, watch, subjects, baseline };
    const result: AbuseResult = { goodClients: conn.ok, baseline, phases: [] };
    const say = (p: PhaseResult) => log(`  ${p.phase}: p50 ${p.latency.p50} p99 ${p.latency.p99} max ${p.latency.max} ms, ` +
      `longest stall ${p.longestStallMs} ms, ${p.delivered}/${p.expected} delivered, ${p.goodClosed} good closed, ` +
      `${p.requests.sent - p.requests.ok}/${p.requests.sent} requests failed${p.recovery ? `, back to baseline: ${p.recovery.back ? `${p.recovery.seconds} s` : 'no'}` : ''}`);
    const push = (p: PhaseResult) => {
      result.phases.push(p);
      say(p);
    };
    push(await phase(ctx, 'baseline'));
    for (const spec of sc.attacks) {
      if (spec.kind === 'idempotency') {
        result.idempotency = await attack(sys, spec, async (a) => a.request({ type: 'run', durationMs: 0 }) as Promise<AttackOutcome>);
        log(`  idempotency: ${result.idempotency.notes.join('; ')}`);
      } else {
        push(await phase(ctx, spec.kind, spec));
      }
    }
    push(await phase(ctx, 'after'));
    return result;
  } finally {
    publisher.kill();
    await pool.close();
    await watch.close();
  }
}

interface Ctx {
  sys: System;
  sc: AbuseScenario;
  pool: LoadPool;
  publisher: Child<PublisherRequest, RunReply>;
  watch: Watch;
  subjects: string[];
  baseline: AbuseResult['baseline'];
}

type Attacker = Child<AttackerRequest, AttackOutcome | Record<string, never>>;

/** Forks an attacker process, prepares `spec` (presence members…), runs `f`, kills the process. */
async function attack<T>(sys: System, spec: AttackSpec, f: (a: Attacker) => Promise<T>): Promise<T> {
  const a: Attacker = Child.fork(ATTACKER, `attacker-${spec.kind}`);
  try {
    await a.request({ type: 'prepare', spec, target: { host: '127.0.0.1', port: sys.port, controlPort: sys.controlPort } });
    return await f(a);
  } finally {
    a.kill();
  }
}

async function phase(ctx: Ctx, name: PhaseName, spec?: AttackSpec): Promise<PhaseResult> {
  const title = spec ? ATTACK_TITLES[spec.kind] : name === 'baseline' ? 'baseline: no attack' : 'baseline again, after every attack';
  const measure = (attacker?: Attacker) => measurePhase(ctx, name, title, attacker);
  if (!spec) return measure();
  try {
    return await attack(ctx.sys, spec, measure);
  } catch (e) {
    // The attack could not be prepared (its process died…): the other phases still run.
    return { ...failedPhase(name, title), errors: [`attack failed: ${(e as Error).message}`] };
  }
}

function failedPhase(phase: PhaseName, title: string): PhaseResult {
  const none = { count: 0, p50: NaN, p99: NaN, p999: NaN, max: NaN };
  return {
    phase, title, expected: 0, delivered: 0, latency: none, longestStallMs: NaN, goodClosed: 0,
    requests: { sent: 0, ok: 0, failed: {}, latency: none },
    servers: { gatewayRssPeakMiB: 0, natsRssPeakMiB: 0, consumersPeak: 0, channelsPeak: 0, consumerReadFailures: 0, metricsReadFailures: 0,
      gatewayCpuSec: 0, natsCpuSec: 0, gatewayRssEndMiB: 0, gatewayLogLines: 0, gatewayLogBytes: 0 },
    errors: [],
  };
}

async function measurePhase(ctx: Ctx, phase: PhaseName, title: string, attacker?: Attacker): Promise<PhaseResult> {
  const { sys, sc, pool, publisher, watch } = ctx;
  await pool.reset();
  await pool.probe(sc.probeIntervalMs, sc.probeTimeoutMs);
  const printed0 = sys.server.printed();
  const cpu0 = [cpuSeconds(sys.server.pid), cpuSeconds(sys.nats.pid)];
  watch.start();
  const t0 = nowMicros();
  const attackErrors: string[] = [];
  const [run, outcome] = await Promise.all([
    publisher.request({ type: 'run', subjects: ctx.subjects, rate: sc.good.rate, durationMs: sc.phaseMs, size: sc.good.size }),
    (attacker?.request({ type: 'run', durationMs: sc.phaseMs }) as Promise<AttackOutcome> | undefined)?.catch((e: Error) => {
      attackErrors.push(`attack failed: ${e.message}`);
      return undefined;
    }),
  ]);
  await pool.probe(0, sc.probeTimeoutMs);
  const expected = run.sent * sc.good.subscribers;
  const until = t0 + sc.phaseMs * 1_000;
  // The tail of the deliveries (a gateway an attack stalled may resume: nothing for 1 s ends it),
  // then every request of the phase answered or timed out.
  let got = await pool.collectTail(expected, until, 1_000);
  for (const end = Date.now() + sc.probeTimeoutMs + 1_000; got.probes.pending > 0 && Date.now() < end;) {
    await sleep(250);
    got = await pool.collect(until);
  }
  const peaks = await watch.stop();
  const cpu1 = [cpuSeconds(sys.server.pid), cpuSeconds(sys.nats.pid)];
  const result: PhaseResult = {
    phase, title, expected, delivered: got.deliveries,
    latency: summarize(got.latency),
    longestStallMs: Math.round(got.maxGapUs / 1_000),
    goodClosed: got.closed,
    requests: { sent: got.probes.sent, ok: got.probes.ok, failed: got.probes.failed, latency: summarize(got.probes.latency) },
    ...(outcome ? { attacker: outcome } : {}),
    servers: {
      ...peaks,
      gatewayCpuSec: Math.round((cpu1[0]! - cpu0[0]!) * 100) / 100,
      natsCpuSec: Math.round((cpu1[1]! - cpu0[1]!) * 100) / 100,
      gatewayRssEndMiB: Math.round(rssBytes(sys.server.pid) / MiB),
      gatewayLogLines: 0,
      gatewayLogBytes: 0,
    },
    errors: [...attackErrors, ...got.errors, ...(got.unstamped ? [`${got.unstamped} deliveries without a stamp`] : [])],
  };
  if (attacker) result.recovery = await settle(ctx);
  const printed1 = sys.server.printed();
  result.servers.gatewayLogLines = printed1.lines - printed0.lines;
  result.servers.gatewayLogBytes = printed1.bytes - printed0.bytes;
  return result;
}

/** Waits (at most `settleMs`) until JetStream consumers and gateway channels are back to the baseline. */
async function settle(ctx: Ctx): Promise<NonNullable<PhaseResult['recovery']>> {
  const t0 = Date.now();
  for (;;) {
    const [consumers, channels] = await Promise.all([ctx.watch.consumers(), ctx.watch.channels()]);
    const back = consumers !== undefined && channels !== undefined
      && consumers <= (ctx.baseline.consumers ?? 0) && channels <= (ctx.baseline.channels ?? 0);
    const seconds = Math.round((Date.now() - t0) / 100) / 10;
    if (back || Date.now() - t0 >= ctx.sc.settleMs) {
      return { back, seconds, ...(consumers !== undefined ? { consumersLeft: consumers } : {}), ...(channels !== undefined ? { channelsLeft: channels } : {}) };
    }
    await sleep(500);
  }
}
