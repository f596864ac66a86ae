/**
 * What a benchmark client says to each system, and where the payload sits in what it receives.
 * Every system carries the same payload bytes; a client subscribes to one channel and reports each
 * delivery's stamp. Parsing reads only what locating the payload needs: the load generator's cost
 * per delivery must stay well below the servers'.
 */
import { SUBPROTOCOL, decodeServer, encodeClient, type ServerMessage } from '../../proto/codec.js';
import type { WsClient, WsOptions } from '../lib/ws-client.js';
import { readStamp } from '../lib/stamp.js';

export type SystemName = 'jetgate' | 'nats' | 'socketio' | 'uws';

export interface Position {
  seq: number;
  epoch: string;
}

/** What a client session reports to its load-generator process. */
export interface Sink {
  /** One delivery: the stamp its payload carried, and its sequence where the system has one. */
  delivery(stamp: number, seq: number): void;
  /** The subscription is confirmed (position: jetgate's subscribe reply). */
  subscribed(position?: Position): void;
  /** The reply to probe `id`: 0, or the error code it got. */
  reply(id: number, code: number): void;
  error(message: string): void;
}

export interface SubscribeOptions {
  /** jetgate only: resume after this position. */
  since?: Position;
}

/** What a client presents to authenticate (bench/lib/auth.ts): a JWT, or nats-server's static token. */
export type Token = string;

export interface ClientProtocol {
  target(token: Token): Pick<WsOptions, 'path' | 'protocol'>;
  /** Starts the protocol on an open socket, authenticating with `token`; returns the handler of its messages. */
  start(ws: WsClient, channel: string, token: Token, sink: Sink, opts: SubscribeOptions): (data: Buffer, binary: boolean) => void;
  /** Where the system has requests (jetgate): sends one cheap request on the channel, answered through `Sink.reply`. */
  probe?(ws: WsClient, channel: string, id: number): void;
}

// ---------------------------------------------------------------------------------------------
// jetgate, binary subprotocol: length-delimited ServerMessage envelopes.

function readVarint(b: Buffer, at: { off: number }): number {
  let v = 0;
  let mul = 1;
  for (;;) {
    const x = b[at.off++] as number;
    v += (x & 0x7f) * mul;
    if (x < 0x80) return v;
    mul *= 128;
  }
}

/** Skips a field of wire type `wt` at `at.off`. */
function skipField(b: Buffer, wt: number, at: { off: number }): void {
  if (wt === 0) readVarint(b, at);
  else if (wt === 2) {
    const n = readVarint(b, at); // not `at.off += readVarint(…)`: that adds to the offset read before the call
    at.off += n;
  }
  else if (wt === 1) at.off += 8;
  else if (wt === 5) at.off += 4;
  else throw new Error(`unsupported wire type ${wt}`);
}

const PUB_TAG = (11 << 3) | 2; // ServerMessage field 11 (pub), length-delimited

/**
 * Walks the length-delimited envelopes of one binary jetgate message. Publications, nearly all of
 * what arrives, are not decoded: `pub` gets the message with `at.off` at the Publication's first
 * field and the offset where it ends (an envelope that is a single field 11: its id 0 is omitted).
 * Anything else is decoded and given to `other`.
 */
export function readEnvelopes(data: Buffer, at: { off: number }, pub: (data: Buffer, at: { off: number }, pubEnd: number) => void,
  other: (m: ServerMessage) => void): void {
  at.off = 0;
  while (at.off < data.length) {
    const start = at.off;
    const len = readVarint(data, at);
    const end = at.off + len;
    if (data[at.off] === PUB_TAG) {
      at.off++;
      const pubEnd = readVarint(data, at) + at.off;
      pub(data, at, pubEnd);
    } else {
      for (const m of decodeServer('proto', data.subarray(start, end))) other(m);
    }
    at.off = end;
  }
}

/** Request ids from here on are probes (ids 1 and 2 are a client's connect and subscribe). */
export const PROBE_FIRST_ID = 3;

const jetgate: ClientProtocol = {
  target: () => ({ path: '/ws', protocol: SUBPROTOCOL.proto }),
  probe(ws, channel, id) {
    // The oldest publication: one short-lived consumer (a reverse read searches with many).
    ws.send(encodeClient('proto', { id, history: { channel, limit: 1 } }));
  },
  start(ws, channel, token, sink, opts) {
    // A refused token: error 1021 to the connect, then close 4002.
    ws.send(encodeClient('proto', { id: 1, connect: { name: 'bench', token } }));
    const at = { off: 0 };
    const pub = (data: Buffer, at: { off: number }, pubEnd: number) => {
      let seq = 0;
      let stamp = NaN;
      while (at.off < pubEnd) {
        const t = readVarint(data, at);
        const field = t >>> 3;
        if (field === 2) seq = readVarint(data, at);
        else if (field === 3) {
          const n = readVarint(data, at);
          stamp = readStamp(data, at.off);
          at.off += n;
        } else skipField(data, t & 7, at);
      }
      sink.delivery(stamp, seq);
    };
    const other = (m: ServerMessage) => {
      if (m.id && m.id >= PROBE_FIRST_ID) sink.reply(m.id, m.error?.code ?? 0);
      else if (m.id === 1 && m.connect) {
        ws.send(encodeClient('proto', { id: 2, subscribe: { channel, ...(opts.since ? { since: opts.since } : {}) } }));
      } else if (m.id === 2 && m.subscribe) {
        const p = m.subscribe.position;
        sink.subscribed({ seq: Number(p?.seq ?? 0), epoch: p?.epoch ?? '' });
      } else if (m.ping) ws.send(encodeClient('proto', { pong: {} }));
      else if (m.error) {
        sink.error(`jetgate error ${m.error.code}: ${m.error.message}`);
        // A refused subscribe (e.g. 1009 to an anonymous connection) leaves this client nothing to do.
        if (m.id === 2) ws.close();
      }
      else if (m.disconnect) sink.error(`jetgate disconnect ${m.disconnect.code}: ${m.disconnect.reason}`);
      else if (m.unsubscribed) sink.error(`jetgate unsubscribed ${m.unsubscribed.code}: ${m.unsubscribed.reason}`);
    };
    return (data) => readEnvelopes(data, at, pub, other);
  },
};

// ---------------------------------------------------------------------------------------------
// nats-server's WebSocket listener: the NATS text protocol, which may split across WS messages.

const CRLF = Buffer.from('\r\n');

const nats: ClientProtocol = {
  target: () => ({ path: '/' }),
  start(ws, channel, token, sink) {
    // A refused token: -ERR 'Authorization Violation', then the server closes the connection.
    ws.send(`CONNECT {"verbose":false,"pedantic":false,"protocol":1,"headers":false,"name":"bench","auth_token":${JSON.stringify(token)}}\r\n` +
      `SUB bench.${channel} 1\r\nPING\r\n`);
    let pending: Buffer | undefined;
    let confirmed = false;
    return (data) => {
      const b = pending ? Buffer.concat([pending, data]) : data;
      pending = undefined;
      let off = 0;
      while (off < b.length) {
        const eol = b.indexOf(CRLF, off);
        if (eol < 0) break;
        const c0 = b[off] as number;
        if (c0 === 0x4d /* M */) {
          // MSG <subject> <sid> [reply] <size>
          let sp = eol - 1;
          while (b[sp] !== 0x20) sp--;
          const size = Number(b.toString('latin1', sp + 1, eol));
          if (b.length < eol + 2 + size + 2) break;
          sink.delivery(readStamp(b, eol + 2), 0);
          off = eol + 2 + size + 2;
          continue;
        }
        const line = b.toString('latin1', off, eol);
        if (line === 'PING') ws.send('PONG\r\n');
        else if (line === 'PONG' && !confirmed) {
          confirmed = true;
          sink.subscribed();
        } else if (line.startsWith('-ERR')) sink.error(`nats: ${line}`);
        off = eol + 2;
      }
      if (off < b.length) pending = Buffer.from(b.subarray(off));
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Socket.IO 4 (Engine.IO 4 over WebSocket only): events as text packets `42["m","<payload>"]`.

const SIO_EVENT = Buffer.from('42["m","');

const socketio: ClientProtocol = {
  target: () => ({ path: '/socket.io/?EIO=4&transport=websocket' }),
  start(ws, channel, token, sink) {
    const auth = JSON.stringify({ token });
    return (data) => {
      if (data.length > SIO_EVENT.length && data.compare(SIO_EVENT, 0, SIO_EVENT.length, 0, SIO_EVENT.length) === 0) {
        sink.delivery(readStamp(data, SIO_EVENT.length), 0);
        return;
      }
      const text = data.toString();
      if (text.startsWith('0{')) ws.send(`40${auth}`); // Engine.IO open -> Socket.IO connect to "/" with auth {token}
      else if (text.startsWith('40')) ws.send(`421["sub","${channel}"]`); // with ack id 1
      else if (text.startsWith('431')) sink.subscribed();
      else if (text === '2') ws.send('3'); // Engine.IO ping -> pong
      else if (text.startsWith('44')) {
        // Connect refused (the auth middleware): Socket.IO leaves the transport open for a retry.
        sink.error(`socket.io: ${text}`);
        ws.close();
      }
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Raw uWebSockets.js: the token in the upgrade's query (refused: 401, no upgrade); a text message
// subscribes to a topic; payloads arrive as they are.

const uws: ClientProtocol = {
  target: (token) => ({ path: `/?token=${encodeURIComponent(token)}` }),
  start(ws, channel, _token, sink) {
    ws.send(channel);
    return (data, binary) => {
      if (binary) sink.delivery(readStamp(data, 0), 0);
      else if (data.toString() === 'ok') sink.subscribed();
    };
  },
};

export const PROTOCOLS: Readonly<Record<SystemName, ClientProtocol>> = { jetgate, nats, socketio, uws };

/** The channel name a system's client subscribes to for benchmark channel `c`. */
export function channelName(system: SystemName, c: string): string {
  return system === 'jetgate' ? `bench:${c}` : c;
}
