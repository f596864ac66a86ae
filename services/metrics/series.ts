/**
 * Realistic-looking host metrics, pure and seeded: each host has its own baseline, a slow daily
 * swing, noise, and now and then an incident (a burst of load with high latency and errors) that
 * fades out. Requests drive CPU and latency, as on a real fleet.
 */
import type { dashboard } from '../../proto/gen/examples.js';

/** A generated message's fields, all set (what a producer fills in). */
export type Filled<T> = { [K in Exclude<keyof T, '$unknowns'>]-?: NonNullable<T[K]> };

export type Sample = Filled<dashboard.v1.HostSample.$Properties>;

export interface HostSpec {
  host: string;
  region: string;
  /** Typical requests per second. */
  baseRps: number;
  /** Memory in use at rest, percent. */
  baseMemory: number;
}

export const DEFAULT_HOSTS: readonly HostSpec[] = [
  { host: 'api-1', region: 'eu-west', baseRps: 420, baseMemory: 52 },
  { host: 'api-2', region: 'eu-west', baseRps: 380, baseMemory: 48 },
  { host: 'api-3', region: 'us-east', baseRps: 510, baseMemory: 57 },
  { host: 'worker-1', region: 'us-east', baseRps: 90, baseMemory: 68 },
  { host: 'db-1', region: 'eu-west', baseRps: 1200, baseMemory: 74 },
  { host: 'edge-1', region: 'ap-south', baseRps: 860, baseMemory: 35 },
];

/** mulberry32: a small seeded PRNG, so tests and demos can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface HostState {
  spec: HostSpec;
  load: number;      // smoothed load factor around 1
  memory: number;
  incident: number;  // 0: none; decays from 1 to 0
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

export class Fleet {
  private readonly hosts: HostState[];

  /** @param incidentChance per host and sample, the chance an incident starts */
  constructor(specs: readonly HostSpec[] = DEFAULT_HOSTS, private readonly random: () => number = Math.random, private readonly incidentChance = 0.004) {
    this.hosts = specs.map((spec) => ({ spec, load: 1, memory: spec.baseMemory, incident: 0 }));
  }

  /** One sample per host at `now` (unix ms). */
  sample(now: number): Sample[] {
    const daily = 1 + 0.25 * Math.sin((2 * Math.PI * (now % 86_400_000)) / 86_400_000);
    return this.hosts.map((h) => {
      const r = this.random;
      if (h.incident === 0 && r() < this.incidentChance) h.incident = 1;
      else h.incident = h.incident > 0.02 ? h.incident * 0.93 : 0;
      // Mean-reverting random walk: load wanders but comes back.
      h.load = clamp(h.load + (1 - h.load) * 0.08 + (r() - 0.5) * 0.12, 0.4, 1.8);
      h.memory = clamp(h.memory + (h.spec.baseMemory - h.memory) * 0.02 + (r() - 0.5) * 0.8 + h.incident * 0.6, 5, 99);
      const rps = h.spec.baseRps * h.load * daily * (1 + 1.2 * h.incident);
      const cpu = clamp((rps / h.spec.baseRps) * 38 + (r() - 0.5) * 6 + h.incident * 45, 1, 100);
      const latency = 40 + 18 * h.load + (cpu > 70 ? (cpu - 70) * 9 : 0) + h.incident * 420 + r() * 12;
      const errors = clamp(0.002 + h.incident * 0.06 * r() + (cpu > 90 ? 0.02 : 0), 0, 1);
      return {
        host: h.spec.host, region: h.spec.region, timeMs: now,
        cpuPercent: round(cpu, 1), memoryPercent: round(h.memory, 1), requestsPerSecond: round(rps, 0),
        p95LatencyMs: round(latency, 0), errorRate: round(errors, 4),
      };
    });
  }
}
