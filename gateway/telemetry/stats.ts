/**
 * The gateway's counters: plain numbers the hot paths bump (no allocation, no attribute hashing),
 * read by the metric instruments only when metrics are collected (gateway/telemetry/metrics.ts).
 * Pure: no OpenTelemetry here.
 */
import { closeCodeLabel } from './close-codes.js';

/** Counters the replay scheduler (gateway/replay/scheduler.ts) keeps current, read by the metrics. */
export interface TurnCounters {
  active: number;
  queued: number;
  refusedOwner: number;
  refusedGateway: number;
}

export const newTurnCounters = (): TurnCounters => ({ active: 0, queued: 0, refusedOwner: 0, refusedGateway: 0 });

export type DropReason = 'duplicate' | 'held_overflow' | 'not_in_stream';
export type ResumeOutcome = 'recovered' | 'not_recovered' | 'failed';
/** Why a new channel was refused: the budget was full, or its connection's or the process's rate. */
export type ChannelRefusal = 'full' | 'connection_rate' | 'gateway_rate';
/** Why a presence subscribe or list was refused: the process's members or reads budget, the connection's share. */
export type PresenceRefusal = 'members' | 'per_connection' | 'reads';

export class Stats {
  /** Publications received on the live path (republished by JetStream). */
  liveReceived = 0;
  liveReceivedBytes = 0;
  /** Publication deliveries to sockets by the live fan-out (publications × subscribers). */
  liveDelivered = 0;
  /** Bytes handed to sockets by the live fan-out (JSON frames counted in characters). */
  liveDeliveredBytes = 0;
  /** Publications (and their bytes) sent to single sockets while replaying (resume, rewind, catch-up). */
  replayDelivered = 0;
  replayDeliveredBytes = 0;
  readonly dropped: Record<DropReason, number> = { duplicate: 0, held_overflow: 0, not_in_stream: 0 };
  /** Gap recoveries of channels from JetStream: completed, and attempts that failed (retried). */
  recoveries = 0;
  recoveryErrors = 0;
  readonly resumes: Record<ResumeOutcome, number> = { recovered: 0, not_recovered: 0, failed: 0 };
  connectionsOpened = 0;
  /** Closed connections by close-code label (a closed set: documented codes, else "other"). */
  readonly closed = new Map<string, number>();
  natsReconnects = 0;
  natsDisconnects = 0;
  presenceJoins = 0;
  presenceLeaves = 0;
  /** KV writes of presence entries that failed (the entry is rewritten at the next heartbeat). */
  presenceErrors = 0;
  /** JetStream reads running and waiting for a turn, and refused turns (gateway/replay/scheduler.ts keeps them). */
  readonly replayTurns: TurnCounters = newTurnCounters();
  readonly channelRefusals: Record<ChannelRefusal, number> = { full: 0, connection_rate: 0, gateway_rate: 0 };
  /** Idle channels removed early to make room for a new one. */
  channelsEvicted = 0;
  readonly presenceRefusals: Record<PresenceRefusal, number> = { members: 0, per_connection: 0, reads: 0 };
  /** Presence lists read from KV, and requests answered by a read already under way or just done. */
  presenceReads = 0;
  presenceReadsShared = 0;

  connectionClosed(code: number): void {
    const label = closeCodeLabel(code);
    this.closed.set(label, (this.closed.get(label) ?? 0) + 1);
  }
}
