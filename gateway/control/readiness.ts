/**
 * Readiness: may a load balancer send this node clients? Pure: the gateway supplies the facts
 * (gateway/gateway.ts `readinessFacts`), which a fuller readiness state can later replace.
 */

export interface ReadinessFacts {
  /** The NATS connection is up (not closed, not between a disconnect and a reconnect). */
  natsConnected: boolean;
  /** Streams the namespaces need, and whether each was found. */
  streams: ReadonlyArray<{ name: string; present: boolean }>;
  /** The WebSocket listener accepts connections. */
  listening: boolean;
}

export interface Readiness {
  ready: boolean;
  checks: { nats: boolean; streams: boolean; listening: boolean };
  /** Streams that were not found. */
  missingStreams: string[];
}

export function readiness(f: ReadinessFacts): Readiness {
  const missingStreams = f.streams.filter((s) => !s.present).map((s) => s.name);
  const checks = { nats: f.natsConnected, streams: missingStreams.length === 0, listening: f.listening };
  return { ready: checks.nats && checks.streams && checks.listening, checks, missingStreams };
}
