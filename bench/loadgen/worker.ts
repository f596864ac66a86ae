/**
 * A load-generator process: holds thousands of benchmark connections, records the latency of each
 * delivery, and answers the orchestrator's requests over IPC (see messages.ts).
 */
import { cpuUsage } from 'node:process';
import { encode, newHistogram, record, type Histogram } from '../lib/hist.js';
import { nowMicros } from '../lib/stamp.js';
import { WsClient } from '../lib/ws-client.js';
import type { AwaitReply, CollectReply, ConnectReply, Envelope, Reply, Request } from './messages.js';
import { PROBE_FIRST_ID, PROTOCOLS, type ClientProtocol, type Position } from './protocols.js';

interface Conn {
  ws: WsClient;
  channel: string;
  deliveries: number;
  /** When its latest delivery arrived, or the last reset (µs). */
  lastAt: number;
}

const MAX_ERRORS = 20;
const conns: Conn[] = [];
let latency: Histogram = newHistogram();
let deliveries = 0;
let unstamped = 0;
let closed = 0;
let errors: string[] = [];
let cpuBase = cpuUsage();
/** Receipt time of the WebSocket message being handled: one clock read for all its deliveries. */
let now = 0;
let awaiting: { n: number; resolve: () => void } | undefined;
/** When the latest delivery arrived (µs). */
let lastDeliveryAt = 0;
/** Longest gap between deliveries to one connection since the last reset (µs). */
let maxGap = 0;
let proto: ClientProtocol | undefined;
const probes = { timer: undefined as NodeJS.Timeout | undefined, timeoutMs: 0, nextId: PROBE_FIRST_ID, pending: new Map<number, number>(), sent: 0, ok: 0,
  failed: {} as Record<string, number>, latency: newHistogram() };

function noteError(e: string): void {
  if (errors.length < MAX_ERRORS) errors.push(e);
}

function countReached(n: number): number {
  let r = 0;
  for (const c of conns) if (c.deliveries >= n) r++;
  return r;
}

async function openOne(req: Extract<Request, { type: 'connect' }>, index: number, setup: Histogram, positions: Position[]): Promise<void> {
  proto = PROTOCOLS[req.system];
  const channel = req.channels[index] as string;
  const token = req.tokens[index] as string;
  const started = nowMicros();
  let confirm: (() => void) | undefined;
  let reject: ((e: Error) => void) | undefined;
  const subscribed = new Promise<void>((res, rej) => {
    confirm = res;
    reject = rej;
  });
  const conn: Conn = { ws: undefined as unknown as WsClient, channel, deliveries: 0, lastAt: started };
  let onMessage: ((data: Buffer, binary: boolean) => void) | undefined;
  const early: Array<[Buffer, boolean]> = [];
  conn.ws = await WsClient.open({
    host: req.host,
    port: req.port,
    localAddress: req.addresses[index % req.addresses.length],
    ...proto.target(token),
  }, {
    message: (data, binary) => {
      now = nowMicros();
      if (onMessage) onMessage(data, binary);
      else early.push([Buffer.from(data), binary]); // came with the upgrade response
    },
    close: (reason) => {
      closed++;
      reject?.(new Error(reason));
      if (closed <= 3) noteError(`connection closed: ${reason}`);
    },
  });
  onMessage = proto.start(conn.ws, channel, token, {
    delivery: (stamp) => {
      if (now - conn.lastAt > maxGap) maxGap = now - conn.lastAt;
      conn.lastAt = now;
      conn.deliveries++;
      deliveries++;
      lastDeliveryAt = now;
      if (Number.isNaN(stamp)) unstamped++;
      else record(latency, now - stamp);
      if (awaiting && conn.deliveries === awaiting.n && countReached(awaiting.n) === conns.length) awaiting.resolve();
    },
    subscribed: (position) => {
      if (position) positions.push(position);
      record(setup, nowMicros() - started);
      confirm?.();
    },
    reply: (id, code) => {
      const sentAt = probes.pending.get(id);
      if (sentAt === undefined) return; // timed out, or sent before a reset
      probes.pending.delete(id);
      if (code === 0) {
        probes.ok++;
        record(probes.latency, now - sentAt);
      } else probes.failed[code] = (probes.failed[code] ?? 0) + 1;
    },
    error: noteError,
  }, req.since ? { since: req.since } : {});
  for (const [data, binary] of early) onMessage(data, binary);
  conns.push(conn);
  await subscribed;
  reject = undefined;
}

async function connectAll(req: Extract<Request, { type: 'connect' }>): Promise<ConnectReply> {
  const setup = newHistogram();
  const positions: Position[] = [];
  let next = 0;
  let ok = 0;
  let failed = 0;
  const lane = async () => {
    while (next < req.channels.length) {
      const i = next++;
      try {
        await openOne(req, i, setup, positions);
        ok++;
      } catch (e) {
        failed++;
        noteError(`connect ${i}: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, req.concurrency) }, lane));
  return { ok, failed, setup: encode(setup), positions, errors: errors.splice(0) };
}

/** Probes unanswered after `timeoutMs` count as failed ("timeout"). */
function expireProbes(): void {
  const t = nowMicros();
  for (const [id, sentAt] of probes.pending) {
    if (t - sentAt < probes.timeoutMs * 1000) continue;
    probes.pending.delete(id);
    probes.failed.timeout = (probes.failed.timeout ?? 0) + 1;
  }
}

function collect(until = 0): CollectReply {
  expireProbes();
  const cpu = cpuUsage(cpuBase);
  let gap = maxGap;
  for (const c of conns) gap = Math.max(gap, until - c.lastAt);
  return {
    deliveries, latency: encode(latency), unstamped, closed, errors: errors.splice(0),
    cpuSec: (cpu.user + cpu.system) / 1e6,
    maxGapUs: gap,
    probes: { sent: probes.sent, ok: probes.ok, failed: { ...probes.failed }, pending: probes.pending.size, latency: encode(probes.latency) },
  };
}

function reset(): void {
  latency.destroy();
  latency = newHistogram();
  deliveries = unstamped = closed = 0;
  errors = [];
  const t = nowMicros();
  for (const c of conns) {
    c.deliveries = 0;
    c.lastAt = t;
  }
  maxGap = 0;
  probes.pending.clear();
  probes.sent = probes.ok = 0;
  probes.failed = {};
  probes.latency.destroy();
  probes.latency = newHistogram();
  cpuBase = cpuUsage();
}

/** Sends a probe on every connection once per `intervalMs`; a probe unanswered after `timeoutMs` failed. */
function probe(intervalMs: number, timeoutMs: number): void {
  clearInterval(probes.timer);
  probes.timer = undefined;
  if (!intervalMs) return;
  const send = proto?.probe;
  if (!send) throw new Error('this system has no requests to probe with');
  probes.timeoutMs = timeoutMs;
  // One connection at a time, in turn, so that the probes are spread over the interval rather
  // than a burst of one per connection.
  let turn = 0;
  probes.timer = setInterval(() => {
    expireProbes();
    const c = conns[turn++ % conns.length];
    if (!c) return;
    const id = probes.nextId++;
    probes.pending.set(id, nowMicros());
    probes.sent++;
    send(c.ws, c.channel, id);
  }, Math.max(1, intervalMs / Math.max(1, conns.length)));
}

function awaitEach(n: number, timeoutMs: number): Promise<AwaitReply> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      awaiting = undefined;
      resolve({ reached: countReached(n), lastAt: lastDeliveryAt });
    };
    const timer = setTimeout(done, timeoutMs);
    awaiting = { n, resolve: done };
    if (countReached(n) === conns.length) done();
  });
}

async function handle(req: Request): Promise<Reply> {
  switch (req.type) {
    case 'connect': return connectAll(req);
    case 'reset':
      reset();
      return {};
    case 'collect': return collect(req.until);
    case 'probe':
      probe(req.intervalMs, req.timeoutMs);
      return {};
    case 'await': return awaitEach(req.perConnection, req.timeoutMs);
    case 'close':
      for (const c of conns) c.ws.destroy();
      setImmediate(() => process.exit(0));
      return {};
  }
}

process.on('message', (msg: Envelope<Request>) => {
  handle(msg.body).then(
    (body) => process.send?.({ id: msg.id, body } satisfies Envelope<Reply>),
    (e: Error) => process.send?.({ id: msg.id, body: {}, error: e.message } satisfies Envelope<Reply>),
  );
});
process.on('disconnect', () => process.exit(0));
