/**
 * Whether this gateway can serve new clients correctly, and why not: NATS connected, the streams
 * it uses reachable in JetStream, the WebSocket listener open, not draining. Health endpoints
 * (`/readyz`) and the worker supervisor read it; nothing here does I/O.
 */

export interface ReadinessState {
  /** All of the below: NATS and streams up, listening, not draining. */
  ready: boolean;
  nats: boolean;
  streams: boolean;
  listening: boolean;
  draining: boolean;
}

type Parts = Omit<ReadinessState, 'ready'>;

function withReady(p: Parts): ReadinessState {
  return { ready: p.nats && p.streams && p.listening && !p.draining, ...p };
}

export class Readiness {
  private parts: Parts = { nats: false, streams: false, listening: false, draining: false };
  private readonly listeners = new Set<(state: ReadinessState) => void>();

  get(): ReadinessState {
    return withReady(this.parts);
  }

  update(change: Partial<Parts>): void {
    const next = { ...this.parts, ...change };
    if ((Object.keys(next) as Array<keyof Parts>).every((k) => next[k] === this.parts[k])) return;
    this.parts = next;
    const state = this.get();
    for (const l of this.listeners) l(state);
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  onChange(listener: (state: ReadinessState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * A node's readiness from its workers' (processes sharing one port): ready when every worker that
 * listens is ready, since the kernel hands a new connection to any of them. Workers that are
 * (re)starting or draining do not listen, get no connections and do not count; the node drains
 * when the supervisor does.
 */
export function combineReadiness(workers: readonly ReadinessState[], draining: boolean): ReadinessState {
  const serving = workers.filter((w) => w.listening);
  const all = (k: 'nats' | 'streams') => serving.length > 0 && serving.every((w) => w[k]);
  return withReady({ nats: all('nats'), streams: all('streams'), listening: serving.length > 0, draining });
}
