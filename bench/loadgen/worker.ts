/**
 * A load-generator process: holds thousands of benchmark connections, records the latency of each
 * delivery, and answers the orchestrator's requests over IPC (see messages.ts).
 */
import { cpuUsage } from 'node:process';
import { encode, newHistogram, record, type Histogram } from '../lib/hist.js';
import { nowMicros } from '../lib/stamp.js';
import { WsClient } from '../lib/ws-client.js';
import type { AwaitReply, CollectReply, ConnectReply, Envelope, Reply, Request } from './messages.js';
import { PROTOCOLS, type Position } from './protocols.js';

interface Conn {
  ws: WsClient;
  deliveries: number;
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

function noteError(e: string): void {
  if (errors.length < MAX_ERRORS) errors.push(e);
}

function countReached(n: number): number {
  let r = 0;
  for (const c of conns) if (c.deliveries >= n) r++;
  return r;
}

async function openOne(req: Extract<Request, { type: 'connect' }>, index: number, setup: Histogram, positions: Position[]): Promise<void> {
  const proto = PROTOCOLS[req.system];
  const channel = req.channels[index] as string;
  const token = req.tokens[index] as string;
  const started = nowMicros();
  let confirm: (() => void) | undefined;
  let reject: ((e: Error) => void) | undefined;
  const subscribed = new Promise<void>((res, rej) => {
    confirm = res;
    reject = rej;
  });
  const conn: Conn = { ws: undefined as unknown as WsClient, deliveries: 0 };
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

function collect(): CollectReply {
  const cpu = cpuUsage(cpuBase);
  return {
    deliveries, latency: encode(latency), unstamped, closed, errors: errors.splice(0),
    cpuSec: (cpu.user + cpu.system) / 1e6,
  };
}

function reset(): void {
  latency.destroy();
  latency = newHistogram();
  deliveries = unstamped = closed = 0;
  errors = [];
  for (const c of conns) c.deliveries = 0;
  cpuBase = cpuUsage();
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
    case 'collect': return collect();
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
