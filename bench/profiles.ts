/** What `make bench` (full) and `make bench-quick` run. */
import type { FanoutScenario } from './scenarios/fanout.js';

export interface Profile {
  name: 'quick' | 'full' | 'hot';
  fanout: FanoutScenario[];
  /** Connection storm then idle memory, at each of these counts. */
  connections: number[];
  /** Resume runs: clients × missed messages each. */
  resume: Array<{ clients: number; missed: number }>;
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
  workers: 2,
};

const quick: Profile = {
  name: 'quick',
  fanout: [
    { id: '1ch×200 64B', channels: 1, subscribers: 200, size: 64, rates: [5 * K, 20 * K], saturation: 0, durationMs: 2_000 },
  ],
  connections: [1 * K],
  resume: [{ clients: 1, missed: 2 * K }, { clients: 100, missed: 200 }],
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
  workers: 2,
};

export const PROFILES = { quick, full, hot } as const;
