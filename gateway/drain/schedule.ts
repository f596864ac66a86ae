/**
 * When a draining gateway tells each of its connections to reconnect elsewhere (pure). Telling them
 * all at once would send every client to the other nodes in the same instant (and through their
 * NATS and JetStream replays at once); spreading the disconnects evenly over most of the window
 * keeps the herd to a trickle, and the clients still connected keep receiving meanwhile.
 */

/** Part of the window kept after the last disconnect for flushing sockets and closing NATS. */
const RESERVE_FRACTION = 0.25;
const MAX_RESERVE_MS = 1_000;

export interface DrainPlan {
  /** Disconnects are spread over [0, spreadMs). */
  spreadMs: number;
  /** From the end of the spread: time for the last close frames to go out. */
  flushMs: number;
  /** Everything, NATS closed included, is done by then (= the window). */
  deadlineMs: number;
}

export function drainPlan(windowMs: number): DrainPlan {
  const reserve = Math.min(MAX_RESERVE_MS, windowMs * RESERVE_FRACTION);
  return { spreadMs: windowMs - reserve, flushMs: reserve / 2, deadlineMs: windowMs };
}

/**
 * How many of `total` connections should have been disconnected `elapsedMs` into the spread: the
 * first at once, the last just before `spreadMs`, evenly in between.
 */
export function disconnectsDue(total: number, spreadMs: number, elapsedMs: number): number {
  if (total <= 0) return 0;
  if (elapsedMs >= spreadMs || spreadMs <= 0) return total;
  return Math.min(total, Math.floor((elapsedMs / spreadMs) * total) + 1);
}
