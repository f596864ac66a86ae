/**
 * Resume (jetgate only: the peers have no replay from a position over WebSocket): clients that
 * missed messages subscribe with `since` and receive them before going live. Measured from the
 * start of the reconnect (upgrade, connect, subscribe) to the last missed message received.
 */
import { fileURLToPath } from 'node:url';
import { clientTokens } from '../lib/auth.js';
import { Child } from '../lib/child.js';
import { sleep } from '../lib/proc.js';
import { nowMicros } from '../lib/stamp.js';
import { LoadPool } from '../loadgen/pool.js';
import type { Position } from '../loadgen/protocols.js';
import type { PublisherRequest, RunReply } from '../loadgen/publisher.js';
import type { System } from '../peers/systems.js';

export interface ResumeResult {
  clients: number;
  missed: number;
  /** Clients that received every missed message. */
  complete: number;
  seconds: number;
  /** Deliveries per second during the resume, all clients together. */
  deliveriesPerSec: number;
}

const PUBLISHER = fileURLToPath(new URL('../loadgen/publisher.js', import.meta.url));

/** Where a channel stands now (a first subscriber's reply), before anything is missed. */
async function positionOf(sys: System, channel: string): Promise<Position> {
  const probe = new LoadPool(1);
  try {
    const c = await probe.connect(sys.name, sys.port, [channel], await clientTokens(sys.name, 1));
    const p = c.positions[0];
    if (!p) throw new Error(`no position for ${channel}: ${c.errors.join('; ')}`);
    return p;
  } finally {
    await probe.close();
  }
}

export async function runResume(sys: System, clients: number, missed: number, size: number, workers: number, timeoutMs: number): Promise<ResumeResult> {
  if (sys.name !== 'jetgate') throw new Error('resume is measured on jetgate only');
  const id = `r${clients}x${missed}`;
  const since = await positionOf(sys, `bench:${id}`);
  const publisher = Child.fork<PublisherRequest, RunReply>(PUBLISHER, 'publisher');
  try {
    await publisher.request({ type: 'connect', url: sys.natsUrl });
    await publisher.request({ type: 'run', subjects: [`bench.${id}`], rate: 20_000, durationMs: (missed / 20_000) * 1000, size });
    await sleep(500); // JetStream has stored them
  } finally {
    publisher.kill();
  }
  const pool = new LoadPool(Math.min(workers, clients));
  const tokens = await clientTokens(sys.name, clients);
  try {
    const t0 = nowMicros();
    const c = await pool.connect(sys.name, sys.port, Array.from({ length: clients }, () => `bench:${id}`), tokens, { since, concurrency: clients });
    if (c.failed) throw new Error(`${c.failed} resuming clients failed: ${c.errors.slice(0, 3).join('; ')}`);
    const done = await pool.awaitEach(missed, timeoutMs);
    const seconds = (done.lastAt - t0) / 1e6;
    return { clients, missed, complete: done.reached, seconds, deliveriesPerSec: (done.reached * missed) / seconds };
  } finally {
    await pool.close();
  }
}
