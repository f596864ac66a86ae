/**
 * The gateway's metric instruments. Counters and gauges are observable: they read the plain
 * numbers of `Stats` (and the live sizes below) when a reader collects, so the hot paths pay one
 * increment and nothing else. Only rare events (a replay, a recovery, an API call) record directly.
 * Names are the ones infra/grafana/jetgate.json and docs/operations.md use.
 */
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import { closeReason } from './close-codes.js';
import type { Stats } from './stats.js';

/** Sizes read at collection time. */
export interface Gauges {
  connections(): number;
  subscriptions(): number;
  channels(): number;
  /** Estimated bytes all recent windows hold. */
  windowBytes(): number;
  presenceMembers(): number;
  natsConnected(): boolean;
}

// Replays run from milliseconds (window) to minutes (deep JetStream reads at the client's pace).
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export class Metrics {
  private readonly replayDuration: Histogram;
  private readonly recoveryDuration: Histogram;
  private readonly apiRequests: Counter;

  constructor(meter: Meter, stats: Stats, gauges: Gauges) {
    // The unit is in the name too: the Prometheus exporter adds no unit suffix, the Collector's
    // does unless it is there, so both paths give jetgate_replay_duration_seconds.
    this.replayDuration = meter.createHistogram('jetgate.replay.duration.seconds', {
      unit: 's', description: 'time from a subscribe that replays to the subscription going live', advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.recoveryDuration = meter.createHistogram('jetgate.recovery.duration.seconds', {
      unit: 's', description: 'time a channel took to fill a live-path gap from JetStream', advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.apiRequests = meter.createCounter('jetgate.api.requests', { description: 'server API and control plane requests, by route and status' });

    const counter = (name: string, description: string) => meter.createObservableCounter(name, { description });
    const gauge = (name: string, description: string) => meter.createObservableGauge(name, { description });
    const connections = gauge('jetgate.connections', 'open WebSocket connections');
    const subscriptions = gauge('jetgate.subscriptions', 'client subscriptions on this node');
    const channels = gauge('jetgate.channels', 'active channels on this node (one NATS subscription each)');
    const windowBytes = gauge('jetgate.channels.window.bytes', 'estimated bytes the recent windows of all channels hold (limits.channels.windowBytes)');
    const channelRefusals = counter('jetgate.channels.refused', 'new channels refused, by reason (full, connection_rate, gateway_rate)');
    const channelsEvicted = counter('jetgate.channels.evicted', 'idle channels removed early to make room for a new one');
    const presenceMembers = gauge('jetgate.presence.members', 'presence entries this node keeps alive');
    const presenceRefusals = counter('jetgate.presence.refused', 'presence subscribes and lists refused, by reason (members, per_connection, reads)');
    const presenceReads = counter('jetgate.presence.reads', 'presence lists requested, by source (kv: read from KV, shared: answered by another request\'s read)');
    const natsConnected = gauge('jetgate.nats.connected', '1 while the NATS connection is up');
    const opened = counter('jetgate.connections.opened', 'WebSocket connections accepted');
    const closed = counter('jetgate.connections.closed', 'WebSocket connections closed, by close code (4008: slow consumer)');
    const received = counter('jetgate.publications.received', 'publications received on the live path');
    const receivedBytes = counter('jetgate.publications.received.bytes', 'payload bytes received on the live path');
    const delivered = counter('jetgate.deliveries', 'publications delivered to sockets (live: fan-out, replay: resumes and rewinds)');
    const deliveredBytes = counter('jetgate.deliveries.bytes', 'bytes of publication frames delivered to sockets');
    const dropped = counter('jetgate.publications.dropped', 'live messages not delivered as received, by reason');
    const recoveries = counter('jetgate.recoveries', 'channel gap recoveries from JetStream, by outcome (error: a failed attempt, retried)');
    const resumes = counter('jetgate.resumes', 'subscribes with since, by outcome');
    const reconnects = counter('jetgate.nats.reconnects', 'NATS reconnections');
    const disconnects = counter('jetgate.nats.disconnects', 'NATS connection losses');
    const presenceEvents = counter('jetgate.presence.events', 'presence joins and leaves announced by this node');
    const presenceErrors = counter('jetgate.presence.errors', 'presence KV writes that failed (retried at the next heartbeat)');
    const replayActive = gauge('jetgate.replay.reads.active', 'JetStream reads running (replays, history pages, gap recoveries): one consumer at most each');
    const replayQueued = gauge('jetgate.replay.reads.queued', 'JetStream reads waiting for a turn of the read budget');
    const replayRefused = counter('jetgate.replay.reads.refused', 'JetStream reads refused, by bound: connection (1010) or gateway (1024)');

    const live: Attributes = { mode: 'live' };
    const replay: Attributes = { mode: 'replay' };
    meter.addBatchObservableCallback((o) => {
      o.observe(connections, gauges.connections());
      o.observe(subscriptions, gauges.subscriptions());
      o.observe(channels, gauges.channels());
      o.observe(windowBytes, gauges.windowBytes());
      for (const [reason, n] of Object.entries(stats.channelRefusals)) o.observe(channelRefusals, n, { reason });
      o.observe(channelsEvicted, stats.channelsEvicted);
      for (const [reason, n] of Object.entries(stats.presenceRefusals)) o.observe(presenceRefusals, n, { reason });
      o.observe(presenceReads, stats.presenceReads, { source: 'kv' });
      o.observe(presenceReads, stats.presenceReadsShared, { source: 'shared' });
      o.observe(presenceMembers, gauges.presenceMembers());
      o.observe(natsConnected, gauges.natsConnected() ? 1 : 0);
      o.observe(opened, stats.connectionsOpened);
      for (const [code, n] of stats.closed) o.observe(closed, n, { code, reason: closeReason(Number(code)) });
      o.observe(received, stats.liveReceived);
      o.observe(receivedBytes, stats.liveReceivedBytes);
      o.observe(delivered, stats.liveDelivered, live);
      o.observe(delivered, stats.replayDelivered, replay);
      o.observe(deliveredBytes, stats.liveDeliveredBytes, live);
      o.observe(deliveredBytes, stats.replayDeliveredBytes, replay);
      for (const [reason, n] of Object.entries(stats.dropped)) o.observe(dropped, n, { reason });
      o.observe(recoveries, stats.recoveries, { outcome: 'ok' });
      o.observe(recoveries, stats.recoveryErrors, { outcome: 'error' });
      for (const [outcome, n] of Object.entries(stats.resumes)) o.observe(resumes, n, { outcome });
      o.observe(reconnects, stats.natsReconnects);
      o.observe(disconnects, stats.natsDisconnects);
      o.observe(presenceEvents, stats.presenceJoins, { event: 'join' });
      o.observe(presenceEvents, stats.presenceLeaves, { event: 'leave' });
      o.observe(presenceErrors, stats.presenceErrors);
      const turns = stats.replayTurns;
      o.observe(replayActive, turns.active);
      o.observe(replayQueued, turns.queued);
      o.observe(replayRefused, turns.refusedOwner, { bound: 'connection' });
      o.observe(replayRefused, turns.refusedGateway, { bound: 'gateway' });
    }, [connections, subscriptions, channels, windowBytes, channelRefusals, channelsEvicted, presenceRefusals, presenceReads, presenceMembers, natsConnected, opened, closed, received, receivedBytes,
      delivered, deliveredBytes, dropped, recoveries, resumes, reconnects, disconnects, presenceEvents, presenceErrors,
      replayActive, replayQueued, replayRefused]);
  }

  replayed(seconds: number): void {
    this.replayDuration.record(seconds);
  }

  recovered(seconds: number): void {
    this.recoveryDuration.record(seconds);
  }

  apiRequest(route: string, method: string, status: number): void {
    this.apiRequests.add(1, { route, method, status: String(status) });
  }
}
