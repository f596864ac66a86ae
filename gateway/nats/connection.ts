/**
 * The one place the gateway talks to the NATS client library (nats.js v3, @nats-io/*): the rest of
 * the gateway uses the connection and the types this folder exports, so a change of client library
 * touches this folder only.
 */
import { headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { JetgateError } from '../errors.js';
import { readHeaders } from './headers.js';

export type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/nats-core';
export type { JetStreamClient, JetStreamManager, JsMsg, StoredMsg, ConsumerConfig } from '@nats-io/jetstream';
// What the history reader sets on its replay consumers.
export { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
export { nanos } from '@nats-io/nats-core';
export { natsHeaders };

export interface Nats {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/** What the gateway hears of its NATS connection. */
export interface NatsEvents {
  disconnected(): void;
  /** Connected again (maybe to another server of the cluster): subscriptions are restored by nats.js. */
  reconnected(): void;
}

/** Connects to the configured servers; throws JetgateError('NATS_UNAVAILABLE') when none answers. */
async function dial(nats: Config['nats'], opts: Partial<NodeConnectionOptions>): Promise<NatsConnection> {
  try {
    return await connect({ servers: nats.servers, user: nats.user, pass: nats.pass, token: nats.token, ...opts });
  } catch (e) {
    throw new JetgateError('NATS_UNAVAILABLE', `cannot connect to NATS at ${nats.servers.join(', ')}: ${(e as Error).message}`);
  }
}

async function withJetStream(nc: NatsConnection, timeout: number): Promise<Nats> {
  // No API check here: JetStream may not answer yet (a cluster forming); stream declaration waits for it.
  return { nc, js: jetstream(nc, { timeout }), jsm: await jetstreamManager(nc, { timeout, checkAPI: false }) };
}

export async function connectNats(config: Config, log: Logger, events: NatsEvents): Promise<Nats> {
  const nc = await dial(config.nats, {
    name: `${config.nats.name}:${config.nodeId}`,
    // The default gives up after 10 attempts; a gateway must keep trying for as long as it runs.
    maxReconnectAttempts: -1,
    reconnectTimeWait: config.nats.reconnectWaitMs,
    waitOnFirstConnect: false,
  });
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        log.warn({ server: s.server }, 'NATS disconnected');
        events.disconnected();
      } else if (s.type === 'reconnect') {
        log.info({ server: s.server }, 'NATS reconnected');
        events.reconnected();
      } else if (s.type === 'error') log.error({ err: String(s.error) }, 'NATS error');
    }
  })();
  return withJetStream(nc, config.nats.requestTimeoutMs);
}

/** A connection for one command (the CLI): no reconnecting, closed by the caller. */
export async function connectOnce(config: Config): Promise<Nats> {
  return withJetStream(await dial(config.nats, { name: config.nats.name }), config.nats.requestTimeoutMs);
}

/**
 * The raw header block of a received message, read from nats.js's message object so the live
 * path can parse the few headers it needs (headers.ts) instead of nats.js decoding all of them.
 * undefined when the message has none or the client library keeps it elsewhere: then use
 * `msg.headers`.
 */
function rawHeaders(msg: Msg): Uint8Array | undefined {
  const m = msg as unknown as { _msg?: { hdr?: unknown }; _rdata?: unknown };
  const hdr = m._msg?.hdr;
  return typeof hdr === 'number' && hdr > 0 && m._rdata instanceof Uint8Array ? m._rdata.subarray(0, hdr) : undefined;
}

/** The first value of each named header (nats.js semantics), from the raw block when available. */
export function headerValues(msg: Msg, names: readonly string[]): string[] {
  const raw = rawHeaders(msg);
  if (raw) return readHeaders(raw, names);
  const h = msg.headers;
  return names.map((n) => h?.get(n) ?? '');
}

export function headerValue(h: MsgHdrs | undefined, key: string): string | undefined {
  if (!h) return undefined;
  const v = h.get(key);
  return v === '' ? undefined : v;
}
