/**
 * The one place the gateway talks to the NATS client library (nats.js v2), so that a later move to
 * v3 (@nats-io/*) touches this folder only.
 */
import { connect, headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection, type JetStreamClient, type JetStreamManager } from 'nats';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { JetgateError } from '../errors.js';
import { readHeaders } from './headers.js';

export type { Msg, MsgHdrs, NatsConnection, Subscription, JetStreamClient, JetStreamManager, JsMsg, StoredMsg } from 'nats';
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

export async function connectNats(config: Config, log: Logger, events: NatsEvents): Promise<Nats> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: config.nats.servers,
      name: `${config.nats.name}:${config.nodeId}`,
      user: config.nats.user,
      pass: config.nats.pass,
      token: config.nats.token,
      // The default gives up after 10 attempts; a gateway must keep trying for as long as it runs.
      maxReconnectAttempts: -1,
      reconnectTimeWait: config.nats.reconnectWaitMs,
      waitOnFirstConnect: false,
    });
  } catch (e) {
    throw new JetgateError('NATS_UNAVAILABLE', `cannot connect to NATS at ${config.nats.servers.join(', ')}: ${(e as Error).message}`);
  }
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        log.warn({ server: s.data }, 'NATS disconnected');
        events.disconnected();
      } else if (s.type === 'reconnect') {
        log.info({ server: s.data }, 'NATS reconnected');
        events.reconnected();
      } else if (s.type === 'error') log.error({ err: String(s.data) }, 'NATS error');
    }
  })();
  const opts = { timeout: config.nats.requestTimeoutMs };
  // No API check here: JetStream may not answer yet (a cluster forming); stream declaration waits for it.
  return { nc, js: nc.jetstream(opts), jsm: await nc.jetstreamManager({ ...opts, checkAPI: false }) };
}

/**
 * The raw header block of a received message, read from nats.js v2's message object so the live
 * path can parse the few headers it needs (headers.ts) instead of nats.js decoding all of them.
 * undefined when the message has none or the client library keeps it elsewhere: then use
 * `msg.headers`.
 */
export function rawHeaders(msg: Msg): Uint8Array | undefined {
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
