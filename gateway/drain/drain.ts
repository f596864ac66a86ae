/** Carries out the disconnect part of a drain plan against live connections. */
import { disconnectsDue } from './schedule.js';

/** Granularity of the spread: a few disconnects per tick rather than a timer per connection. */
const TICK_MS = 50;

/**
 * Calls `disconnect` for each target in order, spread over `spreadMs` (see disconnectsDue);
 * resolves after the last one.
 */
export async function spreadDisconnects<T>(targets: readonly T[], spreadMs: number, disconnect: (target: T) => void): Promise<void> {
  const started = performance.now();
  let done = 0;
  for (;;) {
    const due = disconnectsDue(targets.length, spreadMs, performance.now() - started);
    for (; done < due; done++) disconnect(targets[done] as T);
    if (done >= targets.length) return;
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
}
