/** What `make bench` (full) and `make bench-quick` run. */
import type { AbuseScenario } from './scenarios/abuse.js';
import type { FanoutScenario } from './scenarios/fanout.js';

export interface Profile {
  name: 'quick' | 'full' | 'hot';
  fanout: FanoutScenario[];
  /** Connection storm then idle memory, at each of these counts. */
  connections: number[];
  /** Resume runs: clients × missed messages each. */
  resume: Array<{ clients: number; missed: number }>;
  /** Good clients' latency with and without each attack of issue 11 (jetgate). */
  abuse: AbuseScenario[];
  /** Load-generator processes. */
  workers: number;
}

const K = 1_000;

const full: Profile = {
  name: 'full',
  fanout: [
    { id: '1ch×1k 64B', channels: 1, subscribers: 1_000, size: 64, rates: [10 * K, 50 * K, 100 * K, 200 * K, 300 * K], saturation: 2_000 * K, durationMs: 5_000 },
    { id: '1ch×1k 1KB', channels: 1, subscribers: 1_000, size: 1_024, rates: [10 * K, 50 * K, 100 * K, 200 * K], saturation: 1_000 * K, durationMs: 5_000 },
    { id: '1k ch×10 64B', channels: 1_000, subscribers: 10, size: 64, rates: [10 * K, 50 * K, 100 * K, 200 * K], saturation: 1_000 * K, durationMs: 5_000 },
    { id: '1k ch×10 1KB', channels: 1_000, subscribers: 10, size: 1_024, rates: [10 * K, 50 * K, 100 * K], saturation: 500 * K, durationMs: 5_000 },
  ],
  // The sandbox caps open files at 20,000 per process (hard limit): 19k is the most one server holds.
  connections: [10 * K, 19 * K],
  resume: [{ clients: 1, missed: 10 * K }, { clients: 1 * K, missed: 1 * K }],
  // The attacks at the sizes issue 11 reports them (counts within the per-connection limits a
  // client meets today), 20 s each; 200 good clients at 10k deliveries/s.
  abuse: [{
    id: '200 good clients, 20 s phases',
    good: { channels: 10, subscribers: 20, rate: 500, size: 64 },
    probeIntervalMs: 5_000,
    probeTimeoutMs: 5_000,
    prefill: 20 * K,
    phaseMs: 20_000,
    settleMs: 60_000,
    attacks: [
      { kind: 'replay', connections: 4, subscribes: 512 },
      { kind: 'channels', connections: 40, subscribes: 512 },
      { kind: 'presenceList', members: 900, connections: 1, rate: 64 },
      { kind: 'history', connections: 5, rate: 90 },
      { kind: 'slowBody', sockets: 5 * K, byteEveryMs: 5_000 },
      { kind: 'pong', connections: 2 },
      { kind: 'presenceChurn', members: 500, connections: 1, rate: 74 },
      { kind: 'logs', connections: 4, rate: 90 },
      { kind: 'idempotency' },
    ],
  }],
  workers: 2,
};

const quick: Profile = {
  name: 'quick',
  fanout: [
    { id: '1ch×200 64B', channels: 1, subscribers: 200, size: 64, rates: [5 * K, 20 * K], saturation: 0, durationMs: 2_000 },
  ],
  connections: [1 * K],
  resume: [{ clients: 1, missed: 2 * K }, { clients: 100, missed: 200 }],
  abuse: [{
    id: '40 good clients, 3 s phases',
    good: { channels: 4, subscribers: 10, rate: 200, size: 64 },
    probeIntervalMs: 1_000,
    probeTimeoutMs: 2_000,
    prefill: 5 * K,
    phaseMs: 3_000,
    settleMs: 3_000,
    attacks: [
      { kind: 'replay', connections: 2, subscribes: 256 },
      { kind: 'channels', connections: 8, subscribes: 256 },
      { kind: 'presenceList', members: 200, connections: 1, rate: 64 },
      { kind: 'history', connections: 2, rate: 90 },
      { kind: 'slowBody', sockets: 300, byteEveryMs: 1_000 },
      { kind: 'pong', connections: 1 },
      { kind: 'presenceChurn', members: 100, connections: 1, rate: 74 },
      { kind: 'logs', connections: 2, rate: 90 },
      { kind: 'idempotency' },
    ],
  }],
  workers: 2,
};

/** A steady load for profiling the gateway (`make bench-profile`). */
const hot: Profile = {
  name: 'hot',
  fanout: [
    { id: '1ch×1k 64B', channels: 1, subscribers: 1_000, size: 64, rates: [100 * K], saturation: 0, durationMs: 10_000 },
    { id: '1k ch×10 64B', channels: 1_000, subscribers: 10, size: 64, rates: [50 * K], saturation: 0, durationMs: 10_000 },
  ],
  connections: [],
  resume: [],
  abuse: [],
  workers: 2,
};

export const PROFILES = { quick, full, hot } as const;
