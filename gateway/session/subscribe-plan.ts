/**
 * Decides where a new subscription starts: `since` (resume), `rewind`, `sinceTime`, `latest` or
 * live, and whether a resume can be honoured (`recovered`). Reads JetStream only when the channel's
 * window does not already answer, and then within a turn of the gateway's read budget (which the
 * replay that follows keeps).
 */
import type { Channel } from '../hub/channel.js';
import type { HistoryReader } from '../history/reader.js';
import type { Streams } from '../nats/streams.js';
import type { ReadTurns } from '../replay/reads.js';
import type { ReplayFrom } from './subscription.js';
import { ErrorCode, MAX_UNIX_MS } from '../../proto/codes.js';
import { ClientError } from '../errors.js';

export interface SubscribeOptions {
  since?: { seq?: number | null; epoch?: string | null } | null;
  rewind?: number | null;
  sinceTime?: number | null;
  latest?: boolean | null;
}

export interface Plan {
  recovered: boolean;
  /** null: live from the channel's current position. */
  from: ReplayFrom | null;
}

/** Rejects option combinations and values the protocol does not allow. */
export function checkSubscribeOptions(opts: SubscribeOptions): void {
  const chosen = [opts.since != null, !!opts.rewind, !!opts.sinceTime, !!opts.latest].filter(Boolean).length;
  if (chosen > 1) throw new ClientError(ErrorCode.BadRequest, 'use at most one of since, rewind, sinceTime, latest');
  const seq = opts.since?.seq;
  if (opts.since != null && seq !== undefined && !(Number.isSafeInteger(seq) && (seq as number) >= 0)) {
    throw new ClientError(ErrorCode.BadRequest, 'since.seq must be a non-negative integer');
  }
  const t = opts.sinceTime;
  if (t !== undefined && t !== null && !(Number.isSafeInteger(t) && t >= 0 && t <= MAX_UNIX_MS)) {
    throw new ClientError(ErrorCode.BadRequest, `sinceTime must be a unix time in milliseconds, at most ${MAX_UNIX_MS}`);
  }
}

/** What planning reads JetStream with. */
export interface PlanReads {
  streams: Streams;
  reader: HistoryReader;
  turns: ReadTurns;
}

export async function planSubscribe(ch: Channel, opts: SubscribeOptions, r: PlanReads): Promise<Plan> {
  const flushed = ch.flushedSeq;
  if (opts.since) {
    const epoch = r.streams.epoch(ch.stream);
    if (opts.since.epoch && opts.since.epoch !== epoch) return { recovered: false, from: null };
    const from = (opts.since.seq ?? 0) + 1;
    if (from > flushed || ch.window.covers(from)) return { recovered: true, from: { seq: from } };
    await r.turns.hold();
    const first = (await r.streams.info(ch.stream))?.state.first_seq ?? 0;
    return from >= first ? { recovered: true, from: { seq: from } } : { recovered: false, from: null };
  }
  if (opts.rewind) return { recovered: true, from: { seq: await rewindStart(ch, opts.rewind, r) } };
  if (opts.sinceTime) return { recovered: true, from: { start: { time: opts.sinceTime } } };
  if (opts.latest) {
    if (ch.ref.wildcard) return { recovered: true, from: { start: { lastPerSubject: true } } };
    // A plain channel's position is its last publication (read when it started, live since).
    return { recovered: true, from: flushed > 0 ? { seq: flushed } : null };
  }
  return { recovered: true, from: null };
}

async function rewindStart(ch: Channel, n: number, r: PlanReads): Promise<number> {
  const flushed = ch.flushedSeq;
  const held = ch.window.range(0, flushed);
  if (held.length >= n) return (held[held.length - n] as { seq: number }).seq;
  await r.turns.hold();
  const state = (await r.streams.info(ch.stream))?.state;
  // Everything since the channel started is held and it is fewer than n: the rest is older.
  return (await r.reader.tailStart(ch.stream, ch.ref.subject, n, state?.first_seq || 1, flushed, state?.last_seq ?? flushed)).seq;
}
