/**
 * The attacks of the abuse benchmark (issue 11, items 2–10), as the orchestrator asks an attacker
 * process (attacker.ts) to run them, and what the attacker reports back. Every attack is bounded:
 * a count of connections or sockets, a rate, and the duration of its phase.
 */

/** Namespaces of the bench gateway that anonymous attackers use (bench/peers/systems.ts configures them). */
export const ABUSE_NS = {
  /** Anonymous subscribe, history, presence, publish and RPC; presence on. */
  open: 'open',
  /** Anonymous reading, wildcards allowed. */
  wild: 'wild',
} as const;

export type AttackSpec =
  /** Each connection subscribes `subscribes` wildcard variants with `sinceTime: 1` (a replay each), holds them 1 s, unsubscribes them, again with new ones. */
  | { kind: 'replay'; connections: number; subscribes: number }
  /** Each connection subscribes `subscribes` channels never used before (the first subscriber of each), unsubscribes them, again. */
  | { kind: 'channels'; connections: number; subscribes: number }
  /** `members` connections sit on one presence channel; `connections` ask for its list `rate` times a second each. */
  | { kind: 'presenceList'; members: number; connections: number; rate: number }
  /** History pages, rewinds and `latest` on a quiet channel of a full stream, `rate` a second per connection. */
  | { kind: 'history'; connections: number; rate: number }
  /** Control-plane sockets: `POST /api/v1/publish` with a large Content-Length, then one byte every `byteEveryMs`. */
  | { kind: 'slowBody'; sockets: number; byteEveryMs: number }
  /** Each connection sends frames of 100 `pong` envelopes as fast as its socket takes them. */
  | { kind: 'pong'; connections: number }
  /** `members` connections sit on one presence channel; `connections` subscribe and unsubscribe it, `rate` messages a second each. */
  | { kind: 'presenceChurn'; members: number; connections: number; rate: number }
  /** Subscribes that fail (a `sinceTime` no clock can show, unknown namespaces, no permission), `rate` a second per connection. */
  | { kind: 'logs'; connections: number; rate: number }
  /** Correctness, not load: one anonymous connection publishes first with another's idempotency key. */
  | { kind: 'idempotency' };

export type AttackKind = AttackSpec['kind'];

/** What each phase is called in the report. */
export const ATTACK_TITLES: Readonly<Record<AttackKind, string>> = {
  replay: 'replay flood (sinceTime on wildcard variants)',
  channels: 'new-channel flood',
  presenceList: 'presence-list amplification',
  history: 'history / rewind / latest amplification',
  slowBody: 'control-plane slow bodies',
  pong: 'pong flood',
  presenceChurn: 'presence churn',
  logs: 'log flood (failing subscribes)',
  idempotency: 'anonymous idempotency race',
};

/** What the report calls each `AttackOutcome.extra` count. */
export const EXTRA_LABELS: Readonly<Record<string, string>> = {
  members: 'presence members',
  memberPushes: 'join/leave pushes to members',
  membersClosed: 'members closed',
  held: 'sockets still held at the end',
  victimDuplicate: 'victim told duplicate',
  victimStored: 'victim stored',
};

/** Where the attacker aims. */
export interface Target {
  host: string;
  /** WebSocket port. */
  port: number;
  /** Control-plane port. */
  controlPort: number;
}

export type AttackerRequest =
  /** Opens what must exist before the attack starts (presence members); resolves when they are in place. */
  | { type: 'prepare'; spec: AttackSpec; target: Target }
  /** Runs the prepared attack for `durationMs`, then closes everything it opened. */
  | { type: 'run'; durationMs: number };

export interface AttackOutcome {
  /** Connections (or sockets) opened, reconnects included, and those that could not be opened. */
  connections: number;
  connectFailed: number;
  /** Messages sent (envelopes; bytes for slow bodies). */
  sent: number;
  /** Requests answered with their reply. */
  ok: number;
  /** Error replies by code. */
  refused: Record<string, number>;
  /** `unsubscribed` pushes by code. */
  unsubscribed: Record<string, number>;
  /** Connections the gateway closed, by close code ("dropped": without a close frame). */
  closed: Record<string, number>;
  /** Pushes the attacker's connections received (publications, join/leave). */
  received: number;
  /** Attack-specific counts (e.g. presence members' pushes, slow-body sockets still held). */
  extra: Record<string, number>;
  notes: string[];
}

export function emptyOutcome(): AttackOutcome {
  return { connections: 0, connectFailed: 0, sent: 0, ok: 0, refused: {}, unsubscribed: {}, closed: {}, received: 0, extra: {}, notes: [] };
}

export function bump(counts: Record<string, number>, key: string | number, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}
