/**
 * An attacker process of the abuse benchmark: runs one attack of attacks.ts against the gateway
 * from its own process, so that the attack's CPU is not the measuring clients' (they live in the
 * load-generator workers). Anonymous connections on the binary subprotocol, as any browser could
 * open; a connection the gateway closes is replaced at once, as a determined attacker would. It
 * tallies what the gateway answered: replies, error codes, close codes, pushes.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { SUBPROTOCOL, encodeClient, joinFrames, type ClientMessage, type ServerMessage } from '../../proto/codec.js';
import { sleep } from '../lib/proc.js';
import { Schedule } from '../lib/schedule.js';
import { nowMicros } from '../lib/stamp.js';
import { OP_BIN, WsClient, encodeFrame } from '../lib/ws-client.js';
import { ABUSE_NS, bump, emptyOutcome, type AttackOutcome, type AttackSpec, type AttackerRequest, type Target } from './attacks.js';
import { readEnvelopes } from './protocols.js';

type Body = Omit<ClientMessage, 'id'>;

const REPLY_TIMEOUT_MS = 10_000;
/** How long the replay flood holds a round of subscriptions: their replays run meanwhile. */
const REPLAY_HOLD_MS = 1_000;
/** A `sinceTime` past the largest date JavaScript can represent (8.64e15 ms). */
const UNREPRESENTABLE_TIME = 9e15;

/** One anonymous connection: requests matched to replies by id, everything the gateway says tallied. */
class AttackConn {
  private nextId = 1;
  private readonly waiting = new Map<number, (m: ServerMessage | undefined) => void>();
  private readonly at = { off: 0 };
  closed = false;
  /** join/leave pushes. */
  onPresence: () => void = () => undefined;

  private constructor(readonly ws: WsClient, private readonly out: AttackOutcome) {}

  static async open(t: Target, out: AttackOutcome): Promise<AttackConn> {
    out.connections++;
    let conn: AttackConn | undefined;
    const ws = await WsClient.open({ host: t.host, port: t.port, path: '/ws', protocol: SUBPROTOCOL.proto }, {
      message: (data) => conn?.onMessage(data),
      close: (reason) => conn?.onClose(reason),
    }).catch((e: Error) => {
      out.connectFailed++;
      throw e;
    });
    conn = new AttackConn(ws, out);
    const r = await conn.request({ connect: { name: 'attacker' } });
    if (!r?.connect) {
      ws.destroy();
      out.connectFailed++;
      throw new Error('connect refused');
    }
    return conn;
  }

  /** Sends a request; `onReply` gets its reply (undefined: the connection closed first). */
  send(body: Body, onReply?: (m: ServerMessage | undefined) => void): void {
    const id = this.nextId++;
    if (onReply) this.waiting.set(id, onReply);
    this.out.sent++;
    this.ws.send(encodeClient('proto', { id, ...body }));
  }

  /** A request and its reply (undefined: no reply within the timeout, or the connection closed). */
  request(body: Body, timeoutMs = REPLY_TIMEOUT_MS): Promise<ServerMessage | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      this.send(body, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }

  private onMessage(data: Buffer): void {
    readEnvelopes(data, this.at, () => void this.out.received++, (m) => this.dispatch(m));
  }

  private dispatch(m: ServerMessage): void {
    if (m.id) {
      if (m.error) bump(this.out.refused, m.error.code ?? 0);
      else this.out.ok++;
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      w?.(m);
    } else if (m.ping) this.ws.send(encodeClient('proto', { pong: {} }));
    else if (m.unsubscribed) bump(this.out.unsubscribed, m.unsubscribed.code ?? 0);
    else if (m.join || m.leave) {
      this.out.received++;
      this.onPresence();
    }
  }

  private onClose(reason: string): void {
    this.closed = true;
    const code = /closed by server \((\d+)\)/.exec(reason)?.[1];
    if (code) bump(this.out.closed, code);
    else if (reason !== 'destroyed' && reason !== 'closed by client') bump(this.out.closed, 'dropped');
    for (const w of this.waiting.values()) w(undefined);
    this.waiting.clear();
  }
}

/** Runs `f(i)` for i = 0, 1, … at `rate` a second (open loop: what falls due is sent at once) while `alive()`. */
async function paced(rate: number, alive: () => boolean, f: (i: number) => unknown): Promise<void> {
  const s = new Schedule(rate, nowMicros(), Number.MAX_SAFE_INTEGER);
  while (alive()) {
    for (let n = s.due(nowMicros(), 1_000); n > 0 && alive(); n--) await f(s.next());
    await sleep(Math.max(1, Math.min(50, s.waitFor(nowMicros()) / 1_000)));
  }
}

/** Runs `body` on `n` connections until `deadline`; a connection the gateway closes is replaced. */
async function lanes(t: Target, out: AttackOutcome, n: number, deadline: number, body: (c: AttackConn, lane: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: n }, async (_, lane) => {
    while (Date.now() < deadline) {
      let c: AttackConn;
      try {
        c = await AttackConn.open(t, out);
      } catch {
        await sleep(100);
        continue;
      }
      await body(c, lane);
      c.ws.destroy();
    }
  }));
}

/** `n` connections subscribed to `channel`, counting the presence pushes they receive. */
async function openMembers(t: Target, n: number, channel: string, members: Members): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(50, n) }, async () => {
    while (next < n) {
      next++;
      try {
        const c = await AttackConn.open(t, members.out);
        c.onPresence = () => void members.pushes++;
        members.conns.push(c);
        const r = await c.request({ subscribe: { channel } });
        if (!r?.subscribe) members.out.notes.push(`member refused: ${r?.error?.code ?? 'no reply'}`);
      } catch {
        // counted in members.out.connectFailed
      }
    }
  }));
}

interface Members {
  out: AttackOutcome;
  conns: AttackConn[];
  pushes: number;
}

/**
 * Subscribes `count` fresh channels at once, waits for the replies, holds them `holdMs` (replays
 * follow their reply), unsubscribes them: again until the deadline.
 */
async function subscribeRounds(c: AttackConn, count: number, alive: () => boolean, channel: () => string, opts: Body['subscribe'] = {}, holdMs = 0): Promise<void> {
  while (alive() && !c.closed) {
    const names = Array.from({ length: count }, channel);
    const replies = await Promise.all(names.map((name) => c.request({ subscribe: { ...opts, channel: name } })));
    for (const end = Date.now() + holdMs; alive() && !c.closed && Date.now() < end;) await sleep(50);
    if (!alive() || c.closed) return;
    await Promise.all(names.filter((_, i) => replies[i]?.subscribe).map((name) => c.request({ unsubscribe: { channel: name } })));
  }
}

let target: Target | undefined;
let spec: AttackSpec | undefined;
let members: Members | undefined;

async function prepare(s: AttackSpec, t: Target): Promise<void> {
  spec = s;
  target = t;
  if (s.kind === 'presenceList' || s.kind === 'presenceChurn') {
    members = { out: emptyOutcome(), conns: [], pushes: 0 };
    await openMembers(t, s.members, s.kind === 'presenceList' ? `${ABUSE_NS.open}:crowd` : `${ABUSE_NS.open}:lobby`, members);
  }
}

async function run(durationMs: number): Promise<AttackOutcome> {
  if (!spec || !target) throw new Error('not prepared');
  const s = spec;
  const t = target;
  const out = emptyOutcome();
  const deadline = Date.now() + durationMs;
  const before = () => Date.now() < deadline;
  if (members) members.pushes = 0;
  let counter = 0;
  switch (s.kind) {
    case 'replay':
      await lanes(t, out, s.connections, deadline, (c) => subscribeRounds(c, s.subscribes, before, () => `${ABUSE_NS.wild}:*/v${counter++}`, { sinceTime: 1 }, REPLAY_HOLD_MS));
      break;
    case 'channels':
      await lanes(t, out, s.connections, deadline, (c) => subscribeRounds(c, s.subscribes, before, () => `${ABUSE_NS.open}:flood-${counter++}`));
      break;
    case 'presenceList':
      await lanes(t, out, s.connections, deadline, (c) => paced(s.rate, () => before() && !c.closed, () => c.send({ presence: { channel: `${ABUSE_NS.open}:crowd` } }, () => undefined)));
      break;
    case 'history':
      await lanes(t, out, s.connections, deadline, (c) => historyMix(c, s.rate, before));
      break;
    case 'slowBody':
      await slowBodies(t, out, s.sockets, s.byteEveryMs, deadline);
      break;
    case 'pong':
      await lanes(t, out, s.connections, deadline, (c) => pongFlood(c, out, before));
      break;
    case 'presenceChurn':
      await lanes(t, out, s.connections, deadline, (c) => paced(s.rate, () => before() && !c.closed,
        (i) => c.request({ [i % 2 ? 'unsubscribe' : 'subscribe']: { channel: `${ABUSE_NS.open}:lobby` } })));
      break;
    case 'logs':
      await lanes(t, out, s.connections, deadline, (c, lane) => paced(s.rate, () => before() && !c.closed, (i) => c.send({
        subscribe: i % 3 === 0 ? { channel: `${ABUSE_NS.open}:log-${lane}-${Math.floor(i / 3) % 64}`, sinceTime: UNREPRESENTABLE_TIME }
          : { channel: i % 3 === 1 ? 'nowhere:x' : 'bench:x' },
      }, () => undefined)));
      break;
    case 'idempotency':
      await idempotencyRace(t, out);
      break;
  }
  if (members) {
    out.extra.members = members.conns.length;
    out.extra.memberPushes = members.pushes;
    out.extra.membersClosed = Object.values(members.out.closed).reduce((a, b) => a + b, 0);
    for (const c of members.conns) c.ws.destroy();
  }
  return out;
}

/** History pages (both directions), a rewind and `latest` on a quiet channel of a full stream, in turn, at `rate` a second. */
function historyMix(c: AttackConn, rate: number, alive: () => boolean): Promise<void> {
  const quiet = `${ABUSE_NS.open}:quiet`;
  const subscribing = new Set<string>();
  const subscribeThenLeave = (sub: NonNullable<Body['subscribe']>) => {
    subscribing.add(sub.channel ?? '');
    c.send({ subscribe: sub }, (r) => {
      if (!r?.subscribe) return void subscribing.delete(sub.channel ?? '');
      c.send({ unsubscribe: { channel: sub.channel ?? '' } }, () => void subscribing.delete(sub.channel ?? ''));
    });
  };
  return paced(rate, () => alive() && !c.closed, (i) => {
    const op = i % 4;
    if (op === 2 && !subscribing.has(quiet)) subscribeThenLeave({ channel: quiet, rewind: 1_000 });
    else if (op === 3 && !subscribing.has(`${ABUSE_NS.wild}:>`)) subscribeThenLeave({ channel: `${ABUSE_NS.wild}:>`, latest: true });
    else c.send({ history: { channel: quiet, limit: 1_000, reverse: op % 2 === 1 } }, () => undefined);
  });
}

/** Frames of 100 pongs, 16 frames per write, as fast as the socket drains. */
async function pongFlood(c: AttackConn, out: AttackOutcome, alive: () => boolean): Promise<void> {
  const pongs = joinFrames('proto', Array.from({ length: 100 }, () => encodeClient('proto', { pong: {} })));
  const frames = Buffer.concat(Array.from({ length: 16 }, () => encodeFrame(OP_BIN, pongs)));
  while (alive() && !c.closed) {
    if (c.ws.bufferedBytes < 256 * 1024) {
      c.ws.writeFrames(frames);
      out.sent += 1_600;
    }
    await new Promise((r) => setImmediate(r));
  }
}

/** Control-plane sockets that send a request head announcing a large body, then one byte every `everyMs`. */
async function slowBodies(t: Target, out: AttackOutcome, n: number, everyMs: number, deadline: number): Promise<void> {
  const head = `POST /api/v1/publish HTTP/1.1\r\nHost: ${t.host}:${t.controlPort}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{`;
  const open = new Set<Socket>();
  let ending = false;
  const one = () => new Promise<void>((resolve) => {
    out.connections++;
    const sock = tcpConnect({ host: t.host, port: t.controlPort });
    const giveUp = setTimeout(() => sock.destroy(), 5_000); // a full accept queue answers nothing
    sock.once('connect', () => {
      clearTimeout(giveUp);
      open.add(sock);
      sock.write(head);
      out.sent += head.length;
      resolve();
    });
    sock.once('data', (d: Buffer) => bump(out.refused, `HTTP ${/^HTTP\/1\.[01] (\d+)/.exec(d.toString('latin1'))?.[1] ?? '?'}`));
    sock.on('error', () => undefined);
    sock.once('close', () => {
      if (!open.delete(sock)) {
        out.connectFailed++;
        resolve();
      } else if (!ending) bump(out.closed, 'server');
    });
  });
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(100, n) }, async () => {
    while (next < n && Date.now() < deadline) {
      next++;
      await one();
    }
  }));
  const drip = setInterval(() => {
    for (const s of open) {
      s.write('"');
      out.sent++;
    }
  }, everyMs);
  await sleep(Math.max(0, deadline - Date.now()));
  clearInterval(drip);
  ending = true;
  out.extra.held = open.size;
  out.notes.push(`${open.size} of ${out.connections - out.connectFailed} sockets still held by the control plane when the attacker left`);
  for (const s of open) s.destroy();
}

/** An attacker publishes first with the idempotency key a victim then uses, on the same channel. */
async function idempotencyRace(t: Target, out: AttackOutcome): Promise<void> {
  const [attacker, victim] = await Promise.all([AttackConn.open(t, out), AttackConn.open(t, out)]);
  const channel = `${ABUSE_NS.open}:idem-${Date.now()}`;
  const publish = (c: AttackConn, text: string) => c.request({ publish: { channel, data: Buffer.from(text), idempotencyKey: 'order-1' } });
  const a = await publish(attacker, 'attacker');
  const v = await publish(victim, 'victim');
  const h = await victim.request({ history: { channel, limit: 10 } });
  const stored = (h?.history?.publications ?? []).map((p) => Buffer.from(p.data ?? []).toString());
  out.extra.victimDuplicate = v?.publish?.duplicate ? 1 : 0;
  out.extra.victimStored = stored.includes('victim') ? 1 : 0;
  out.notes.push(`attacker's publish: ${a?.publish ? `seq ${a.publish.seq}` : `error ${a?.error?.code ?? 'no reply'}`}; ` +
    `victim's: ${v?.publish ? `seq ${v.publish.seq}${v.publish.duplicate ? ', duplicate: true' : ''}` : `error ${v?.error?.code ?? 'no reply'}`}; ` +
    `stored: ${stored.length ? stored.join(', ') : 'nothing'}`);
  attacker.ws.destroy();
  victim.ws.destroy();
}

async function handle(req: AttackerRequest): Promise<unknown> {
  if (req.type === 'prepare') {
    await prepare(req.spec, req.target);
    return {};
  }
  return run(req.durationMs);
}

process.on('message', (msg: { id: number; body: AttackerRequest }) => {
  handle(msg.body).then(
    (body) => process.send?.({ id: msg.id, body }),
    (e: Error) => process.send?.({ id: msg.id, body: {}, error: e.message }),
  );
});
process.on('disconnect', () => process.exit(0));
