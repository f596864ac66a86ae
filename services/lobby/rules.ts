/**
 * The lobby's rules, pure: each action takes the lobby as it is and returns it changed plus the
 * events to publish, or throws a RuleError. The service (main.ts) does the I/O around them.
 */
import { lobby as pb } from '../../proto/gen/examples.js';

export const Phase = pb.v1.Phase;

export interface Player {
  id: string;
  name: string;
  ready: boolean;
  joinedMs: number;
  host: boolean;
}

export interface Lobby {
  id: string;
  name: string;
  players: Player[];
  phase: pb.v1.Phase;
  maxPlayers: number;
  createdMs: number;
  startsAtMs: number;
  version: number;
}

/** An event for the lobby's channel: its generated type and the message. */
export type LobbyEvent =
  | { type: typeof pb.v1.PlayerJoined; message: pb.v1.PlayerJoined.$Properties }
  | { type: typeof pb.v1.PlayerLeft; message: pb.v1.PlayerLeft.$Properties }
  | { type: typeof pb.v1.PlayerReady; message: pb.v1.PlayerReady.$Properties }
  | { type: typeof pb.v1.ChatMessage; message: pb.v1.ChatMessage.$Properties }
  | { type: typeof pb.v1.MatchStarting; message: pb.v1.MatchStarting.$Properties }
  | { type: typeof pb.v1.LobbyState; message: pb.v1.LobbyState.$Properties };

export interface Outcome {
  /** The lobby after the action; null when its last player left (the lobby is gone). */
  lobby: Lobby | null;
  /** Events in the order they happened; a LobbyState snapshot closes every change. Empty: nothing changed. */
  events: LobbyEvent[];
}

/** Stable codes; `status` is the NATS service error code the service answers with. */
export type RuleCode = 'bad_request' | 'not_found' | 'full' | 'started' | 'not_member';
const STATUS: Record<RuleCode, number> = { bad_request: 400, not_member: 403, not_found: 404, full: 409, started: 409 };

export class RuleError extends Error {
  override name = 'RuleError';
  constructor(readonly code: RuleCode, message: string) {
    super(message);
  }
  get status(): number {
    return STATUS[this.code];
  }
}

export const LIMITS = { name: 24, lobbyName: 40, chat: 280, minPlayers: 2, maxPlayers: 8, defaultPlayers: 4, countdownMs: 5_000 } as const;

// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u001f\u007f]/;

/** Trimmed text of 1..max characters without control characters. */
export function cleanText(raw: string | null | undefined, max: number, what: string): string {
  const text = (raw ?? '').trim().replace(/\s+/g, ' ');
  if (!text) throw new RuleError('bad_request', `${what} is empty`);
  if ([...text].length > max) throw new RuleError('bad_request', `${what} is longer than ${max} characters`);
  if (CONTROL.test(text)) throw new RuleError('bad_request', `${what} holds control characters`);
  return text;
}

function snapshot(l: Lobby): LobbyEvent {
  return { type: pb.v1.LobbyState, message: { ...l, players: l.players.map((p) => ({ ...p })) } };
}

function changed(l: Lobby, events: LobbyEvent[]): Outcome {
  const next = { ...l, version: l.version + 1 };
  return { lobby: next, events: [...events, snapshot(next)] };
}

function member(l: Lobby, playerId: string): Player {
  const p = l.players.find((x) => x.id === playerId);
  if (!p) throw new RuleError('not_member', 'you are not in this lobby');
  return p;
}

export function create(id: string, lobbyName: string | null | undefined, maxPlayers: number | null | undefined, player: { id: string; name: string }, now: number): Outcome {
  const max = maxPlayers || LIMITS.defaultPlayers;
  if (max < LIMITS.minPlayers || max > LIMITS.maxPlayers) throw new RuleError('bad_request', `a lobby holds ${LIMITS.minPlayers} to ${LIMITS.maxPlayers} players`);
  const name = cleanText(player.name, LIMITS.name, 'your name');
  const host: Player = { id: player.id, name, ready: false, joinedMs: now, host: true };
  const lobby: Lobby = {
    id, name: cleanText(lobbyName, LIMITS.lobbyName, 'the lobby name'), players: [host], phase: Phase.PHASE_WAITING,
    maxPlayers: max, createdMs: now, startsAtMs: 0, version: 0,
  };
  return changed(lobby, [{ type: pb.v1.PlayerJoined, message: { lobbyId: id, player: { ...host } } }]);
}

/** Joining a lobby one is already in changes nothing (a reloaded page joins again). */
export function join(l: Lobby, player: { id: string; name: string }, now: number): Outcome {
  if (l.players.some((p) => p.id === player.id)) return { lobby: l, events: [] };
  const name = cleanText(player.name, LIMITS.name, 'your name');
  if (l.phase === Phase.PHASE_STARTING) throw new RuleError('started', 'the match is starting; this lobby is closed');
  if (l.players.length >= l.maxPlayers) throw new RuleError('full', `the lobby is full (${l.maxPlayers} players)`);
  if (l.players.some((p) => p.name.toLowerCase() === name.toLowerCase())) throw new RuleError('bad_request', `someone called ${name} is already here`);
  const p: Player = { id: player.id, name, ready: false, joinedMs: now, host: false };
  return changed({ ...l, players: [...l.players, p] }, [{ type: pb.v1.PlayerJoined, message: { lobbyId: l.id, player: { ...p } } }]);
}

export function leave(l: Lobby, playerId: string): Outcome {
  const p = member(l, playerId);
  const rest = l.players.filter((x) => x.id !== playerId);
  const left: LobbyEvent = { type: pb.v1.PlayerLeft, message: { lobbyId: l.id, playerId, name: p.name, reason: 'left' } };
  if (rest.length === 0) return { lobby: null, events: [left] };
  // The longest-waiting player inherits the host; a countdown stops when someone leaves.
  const players = p.host ? rest.map((x, i) => ({ ...x, host: i === 0 })) : rest;
  return changed({ ...l, players, phase: Phase.PHASE_WAITING, startsAtMs: 0 }, [left]);
}

/** Everyone ready (at least two players) starts the countdown. */
export function setReady(l: Lobby, playerId: string, ready: boolean, now: number): Outcome {
  const p = member(l, playerId);
  if (l.phase === Phase.PHASE_STARTING && !ready) throw new RuleError('started', 'the match is already starting');
  if (p.ready === ready) return { lobby: l, events: [] };
  const players = l.players.map((x) => (x.id === playerId ? { ...x, ready } : x));
  const events: LobbyEvent[] = [{ type: pb.v1.PlayerReady, message: { lobbyId: l.id, playerId, name: p.name, ready } }];
  let next: Lobby = { ...l, players };
  if (players.length >= LIMITS.minPlayers && players.every((x) => x.ready)) {
    next = { ...next, phase: Phase.PHASE_STARTING, startsAtMs: now + LIMITS.countdownMs };
    events.push({ type: pb.v1.MatchStarting, message: { lobbyId: l.id, startsAtMs: next.startsAtMs, players: players.map((x) => ({ ...x })) } });
  }
  return changed(next, events);
}

/**
 * Whether "Open lobbies" lists a lobby: one still waiting for its players. A started match takes
 * nobody new, so it leaves the list; a full lobby stays (a seat frees up when someone leaves).
 */
export function isListed(l: Lobby): boolean {
  return l.phase !== Phase.PHASE_STARTING;
}

/** Chat does not change the lobby, so no snapshot follows it. */
export function chat(l: Lobby, playerId: string, text: string | null | undefined, now: number): Outcome {
  const p = member(l, playerId);
  const clean = cleanText(text, LIMITS.chat, 'the message');
  return { lobby: l, events: [{ type: pb.v1.ChatMessage, message: { lobbyId: l.id, playerId, name: p.name, text: clean, sentMs: now } }] };
}
