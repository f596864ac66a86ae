/**
 * JetgateClient against a scripted fake gateway (a `ws` server speaking the codec), in both
 * subprotocols: handshake, subscribe and resume, requests, close codes, token refresh, and that a
 * Node process exits by itself after close().
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  decodeClient, encodeServer, formatOfSubprotocol, joinFrames,
  type ClientMessage, type Format, type ServerMessage,
} from '../../proto/codec.js';
import { CloseCode, ErrorCode, UnsubscribeCode } from '../../proto/codes.js';
import {
  ClientCloseCode, JetgateClient, JetgateError,
  type ClientOptions, type ClientState, type DisconnectInfo, type Publication, type SubscribedInfo,
} from '../../client/index.js';

// ---------------------------------------------------------------------------------------------
// Fake gateway

class FakeConn {
  readonly format: Format;
  pongs = 0;
  readonly closed: Promise<number>;
  private readonly inbox: ClientMessage[] = [];
  private waiter: (() => void) | undefined;

  constructor(readonly ws: WebSocket) {
    this.format = formatOfSubprotocol(ws.protocol) ?? 'json';
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buf = data as Buffer;
      for (const m of decodeClient(this.format, isBinary ? new Uint8Array(buf) : buf.toString())) {
        if (m.pong) this.pongs++;
        else this.inbox.push(m);
      }
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  }

  /** The next message the client sent (pongs are counted apart). */
  async next(timeoutMs = 3000): Promise<ClientMessage> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      if (Date.now() > deadline) throw new Error('no message from the client');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 20);
      });
    }
    return this.inbox.shift() as ClientMessage;
  }

  /** Nothing more arrives within `ms`. */
  async silent(ms: number): Promise<boolean> {
    await sleep(ms);
    return this.inbox.length === 0;
  }

  /** Sends all messages in one WebSocket message. */
  send(...msgs: ServerMessage[]): void {
    this.ws.send(joinFrames(this.format, msgs.map((m) => encodeServer(this.format, m))), { binary: this.format === 'proto' });
  }

  /** Reads Connect and accepts it. */
  async accept(result: ServerMessage['connect'] = {}): Promise<ClientMessage> {
    const m = await this.next();
    if (!m.connect) throw new Error(`expected connect, got ${JSON.stringify(m)}`);
    this.send({ id: m.id, connect: { clientId: 'c1', node: 'n1', pingInterval: 25, ...result } });
    return m;
  }
}

class FakeGateway {
  private readonly arrived: FakeConn[] = [];
  private readonly wss: WebSocketServer;
  readonly ready: Promise<void>;

  constructor() {
    this.wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (p) => p.values().next().value ?? false });
    this.wss.on('connection', (ws) => this.arrived.push(new FakeConn(ws)));
    this.ready = new Promise((resolve) => this.wss.on('listening', resolve));
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as { port: number }).port}/ws`;
  }

  get connections(): number {
    return this.wss.clients.size;
  }

  async nextConn(timeoutMs = 3000): Promise<FakeConn> {
    await until(() => this.arrived.length > 0, timeoutMs, 'no connection');
    return this.arrived.shift() as FakeConn;
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise((resolve) => this.wss.close(resolve));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function setup(t: { teardown(fn: () => unknown): void }, format: Format, extra: Partial<ClientOptions> = {}) {
  const gw = new FakeGateway();
  await gw.ready;
  const client = new JetgateClient({
    url: gw.url, format, WebSocket, token: 'tok', name: 'test/1', backoff: { initialMs: 10, maxMs: 40 }, ...extra,
  });
  const states: ClientState[] = [];
  const errors: JetgateError[] = [];
  const disconnects: DisconnectInfo[] = [];
  client.on('state', (s) => states.push(s));
  client.on('error', (e) => errors.push(e));
  client.on('disconnected', (d) => disconnects.push(d));
  t.teardown(async () => {
    client.close();
    await gw.close();
  });
  return { gw, client, states, errors, disconnects };
}

const payload = (format: Format, n: number): Pick<ServerMessage['pub'] & object, 'data' | 'json'> =>
  format === 'proto' ? { data: Uint8Array.of(n) } : { json: { n } };
const valueOf = (p: Publication): number => (p.data ? (p.data[0] as number) : (p.json as { n: number }).n);

// ---------------------------------------------------------------------------------------------

for (const format of ['proto', 'json'] as const) {
  t.test(`${format}: connect, subscribe, in-order delivery without duplicates, resume after a drop`, async (t) => {
    const { gw, client, states } = await setup(t, format);
    const pubs: Publication[] = [];
    const subscribed: SubscribedInfo[] = [];
    const sub = client.subscribe('lobby:42', { onPublication: (p) => pubs.push(p), onSubscribed: (s) => subscribed.push(s) });
    t.equal(sub.state, 'subscribing');

    const ready = client.connect();
    const c1 = await gw.nextConn();
    t.equal(c1.format, format, 'subprotocol negotiated');
    const hello = await c1.accept();
    t.same(hello.connect, { token: 'tok', name: 'test/1' });
    t.ok((hello.id ?? 0) > 0, 'Connect carries a request id');
    t.match(await ready, { clientId: 'c1', node: 'n1', pingInterval: 25, expiresAt: 0 });

    const s1 = await c1.next();
    t.same(s1.subscribe, { channel: 'lobby:42' }, 'queued subscription sent after Connect, live');
    c1.send(
      { id: s1.id, subscribe: { channel: 'lobby:42', recovered: true, position: { seq: 10, epoch: 'e1' } } },
      { pub: { channel: 'lobby:42', seq: 11, time: 1000, ...payload(format, 11) } },
      { pub: { channel: 'lobby:42', seq: 12, ...payload(format, 12) } },
      { pub: { channel: 'lobby:42', seq: 11, ...payload(format, 99) } },
      { pub: { channel: 'other', seq: 50, ...payload(format, 99) } },
    );
    await until(() => pubs.length === 2);
    t.same(pubs.map(valueOf), [11, 12], 'duplicate and foreign publications dropped');
    t.match(pubs[0], { channel: 'lobby:42', seq: 11, time: 1000, type: '', headers: {} });
    t.same(subscribed, [{ channel: 'lobby:42', recovered: false, position: { seq: 10, epoch: 'e1' } }], 'a first subscribe is not a recovery');
    t.equal(sub.state, 'subscribed');
    t.same(sub.position, { seq: 12, epoch: 'e1' });

    c1.ws.terminate(); // 1006 on the client
    const c2 = await gw.nextConn();
    await c2.accept();
    const s2 = await c2.next();
    t.same(s2.subscribe, { channel: 'lobby:42', since: { seq: 12, epoch: 'e1' } }, 'resumed from the last publication');
    c2.send(
      { id: s2.id, subscribe: { channel: 'lobby:42', recovered: true, position: { seq: 13, epoch: 'e1' } } },
      { pub: { channel: 'lobby:42', seq: 12, ...payload(format, 99) } },
      { pub: { channel: 'lobby:42', seq: 13, ...payload(format, 13) } },
    );
    await until(() => pubs.length === 3);
    t.same(pubs.map(valueOf), [11, 12, 13]);
    t.equal(subscribed[1]?.recovered, true);
    t.same(states, ['connecting', 'connected', 'disconnected', 'connecting', 'connected']);

    sub.unsubscribe();
    t.same((await c2.next()).unsubscribe, { channel: 'lobby:42' });
    t.equal(sub.state, 'unsubscribed');
    t.doesNotThrow(() => client.subscribe('lobby:42'), 'the channel can be subscribed again');
  });

  t.test(`${format}: requests, and publish retried once with the same idempotency key`, async (t) => {
    // Generous: the same deadline bounds opening + Connect, which a loaded CI box may slow down.
    const { gw, client } = await setup(t, format, { requestTimeoutMs: 1000 });
    void client.connect();
    const c1 = await gw.nextConn();
    await c1.accept();

    const published = client.publish('chat:1', format === 'proto' ? { data: Uint8Array.of(1, 2) } : { json: { text: 'hi' } });
    const p1 = await c1.next();
    const key = p1.publish?.idempotencyKey ?? '';
    t.match(key, /^[0-9a-f]{32}$/, 'a key is generated');
    const rpc = client.rpc('chat:ping', { json: { q: 1 } });
    const r1 = await c1.next();
    t.match(r1.rpc, { method: 'chat:ping', json: { q: 1 } });
    const rpcFailed = rpc.then(() => undefined, (e: unknown) => e);
    c1.ws.terminate();

    const c2 = await gw.nextConn();
    await c2.accept();
    const p2 = await c2.next();
    t.equal(p2.publish?.idempotencyKey, key, 'the retry reuses the key');
    t.equal(p2.publish?.channel, 'chat:1');
    c2.send({ id: p2.id, publish: { channel: 'chat:1', seq: 5, duplicate: true } });
    t.same(await published, { channel: 'chat:1', seq: 5, duplicate: true });
    t.match(await rpcFailed, { kind: 'disconnected', temporary: true }, 'an rpc is not retried');
    t.ok(await c2.silent(50), 'nothing else was resent');

    const own = client.publish('chat:1', { json: 1 }, { idempotencyKey: 'k-1' });
    const p3 = await c2.next();
    t.equal(p3.publish?.idempotencyKey, 'k-1');
    c2.send({ id: p3.id, error: { code: ErrorCode.PublishNotAllowed, message: 'read only', temporary: false } });
    const err = await own.catch((e: unknown) => e);
    t.ok(err instanceof JetgateError);
    t.match(err, { kind: 'server', code: ErrorCode.PublishNotAllowed, temporary: false, message: 'read only' });

    const presence = client.presence('chat:1');
    const q = await c2.next();
    c2.send({ id: q.id, presence: { channel: 'chat:1', clients: [{ user: 'u1', clientId: 'x', info: { role: 'admin' } }, { clientId: 'y' }] } });
    t.same(await presence, { channel: 'chat:1', clients: [{ user: 'u1', clientId: 'x', info: { role: 'admin' } }, { user: '', clientId: 'y' }] });

    const history = client.history('chat:1', { fromSeq: 3, limit: 2 });
    const h = await c2.next();
    t.same(h.history, { channel: 'chat:1', fromSeq: 3, limit: 2 });
    c2.send({ id: h.id, history: { channel: 'chat:1', publications: [{ channel: 'chat:1', seq: 3, ...payload(format, 3) }], position: { seq: 9, epoch: 'e' }, nextSeq: 4 } });
    const page = await history;
    t.equal(page.nextSeq, 4);
    t.same(page.position, { seq: 9, epoch: 'e' });
    t.equal(valueOf(page.publications[0] as Publication), 3);

    const rpc2 = client.rpc('chat:echo', { data: Uint8Array.of(7) }, { timeoutMs: 100 });
    const r2 = await c2.next();
    t.equal(r2.rpc?.timeoutMs, 100, 'the rpc deadline goes to the gateway');
    c2.send({ id: r2.id, rpc: { type: 'Echo', json: [1, 'a'] } });
    t.same(await rpc2, { type: 'Echo', json: [1, 'a'] });

    const started = Date.now();
    const lost = await client.presence('chat:1').catch((e: unknown) => e);
    t.match(lost, { kind: 'timeout', temporary: true }, 'unanswered: typed timeout');
    t.ok(Date.now() - started >= 950, 'after requestTimeoutMs');
  });
}

t.test('ping answered with pong; a gateway silent after the socket opens is dropped and retried', async (t) => {
  const { gw, client, disconnects, errors } = await setup(t, 'json', { requestTimeoutMs: 150 });
  void client.connect();
  const c1 = await gw.nextConn();
  await c1.next(); // Connect, never answered
  await gw.nextConn(); // ...so the client gives up and comes back
  t.equal(disconnects[0]?.code, ClientCloseCode.NoActivity);
  t.match(errors[0], { kind: 'timeout' });
  t.equal(await c1.closed, 1006, 'the dead socket is dropped without a handshake');

  const { client: c, gw: gw2 } = await setup(t, 'proto');
  void c.connect();
  const conn = await gw2.nextConn();
  await conn.accept();
  conn.send({ ping: {} }, { ping: {} });
  await until(() => conn.pongs === 2, 1000, 'pongs');
  t.equal(conn.pongs, 2);
});

t.test('Disconnect with reconnectAfterMs: the reconnect waits at least that long', async (t) => {
  const { gw, client, disconnects } = await setup(t, 'proto');
  void client.connect();
  const c1 = await gw.nextConn();
  await c1.accept();
  c1.send({ disconnect: { code: CloseCode.Shutdown, reason: 'draining', reconnect: true, reconnectAfterMs: 300 } });
  const closedAt = Date.now();
  c1.ws.close(CloseCode.Shutdown, '');
  const c2 = await gw.nextConn();
  t.ok(Date.now() - closedAt >= 280, `waited ${Date.now() - closedAt} ms`);
  t.equal(disconnects[0]?.code, CloseCode.Shutdown);
  t.equal(disconnects[0]?.reason, 'draining', 'reason taken from Disconnect when the close has none');
  t.ok((disconnects[0]?.reconnectInMs ?? 0) >= 300);
  await c2.accept();
  await until(() => client.state === 'connected');
});

t.test('close codes: 4002 ends the client; 4003 reconnects with a fresh token', async (t) => {
  const { gw, client, states, errors } = await setup(t, 'json');
  void client.connect();
  const c1 = await gw.nextConn();
  await c1.accept();
  const pending = client.presence('x').catch((e: unknown) => e);
  await c1.next();
  c1.ws.close(CloseCode.Unauthorized, 'token revoked');
  await until(() => client.state === 'closed');
  t.match(errors.at(-1), { kind: 'closed', code: CloseCode.Unauthorized, message: 'token revoked', temporary: false });
  t.match(await pending, { kind: 'disconnected', temporary: false });
  t.equal(states.at(-1), 'closed');
  t.throws(() => client.subscribe('a'), JetgateError);
  t.match(await client.publish('a', { json: 1 }).catch((e: unknown) => e), { kind: 'closed' });
  await sleep(100);
  t.equal(gw.connections, 0, 'no reconnect');

  let n = 0;
  const { gw: gw2, client: c2 } = await setup(t, 'json', { getToken: async () => `tok-${++n}` });
  void c2.connect();
  const a = await gw2.nextConn();
  t.equal((await a.accept()).connect?.token, 'tok-1');
  a.ws.close(CloseCode.TokenExpired, 'expired');
  const b = await gw2.nextConn();
  t.equal((await b.accept()).connect?.token, 'tok-2', 'getToken asked again');
});

t.test('Connect refused: permanent error closes, temporary one retries', async (t) => {
  const { gw, client } = await setup(t, 'proto');
  const ready = client.connect();
  const c1 = await gw.nextConn();
  const m = await c1.next();
  c1.send({ id: m.id, error: { code: ErrorCode.BadToken, message: 'bad token', temporary: false } });
  const err = await ready.catch((e: unknown) => e);
  t.match(err, { kind: 'server', code: ErrorCode.BadToken }, 'connect() rejects with the refusal');
  t.equal(client.state, 'closed');

  const { gw: gw2, client: c2, disconnects } = await setup(t, 'proto');
  const ready2 = c2.connect();
  const a = await gw2.nextConn();
  const m2 = await a.next();
  a.send({ id: m2.id, error: { code: ErrorCode.Unavailable, message: 'busy', temporary: true } });
  const b = await gw2.nextConn();
  await b.accept();
  t.match(await ready2, { clientId: 'c1' });
  t.equal(disconnects[0]?.code, ClientCloseCode.ConnectRefused);
});

t.test('Unsubscribed pushes and subscribe errors', async (t) => {
  const { gw, client } = await setup(t, 'json');
  const events: string[] = [];
  const errs: JetgateError[] = [];
  const watch = (name: string) => client.subscribe(name, {
    onSubscribed: (s) => events.push(`${name} subscribed recovered=${s.recovered}`),
    onUnsubscribed: (u) => events.push(`${name} unsubscribed ${u.code} resubscribe=${u.resubscribe}`),
    onError: (e) => errs.push(e),
  });
  const reset = watch('a:reset');
  const replay = watch('a:replay');
  const lost = watch('a:lost');
  const denied = watch('a:denied');
  const flaky = watch('a:flaky');
  void client.connect();
  const c = await gw.nextConn();
  await c.accept();
  const ids = new Map<string, number>();
  for (let i = 0; i < 5; i++) {
    const m = await c.next();
    ids.set(m.subscribe?.channel ?? '', m.id ?? 0);
  }
  const ok = (channel: string, seq: number, id = ids.get(channel)): ServerMessage =>
    ({ id, subscribe: { channel, recovered: true, position: { seq, epoch: 'e1' } } });
  c.send(
    ok('a:reset', 5), ok('a:replay', 5), ok('a:lost', 5),
    { id: ids.get('a:denied'), error: { code: ErrorCode.PermissionDenied, message: 'no', temporary: false } },
    { id: ids.get('a:flaky'), error: { code: ErrorCode.Unavailable, message: 'later', temporary: true } },
    { pub: { channel: 'a:replay', seq: 6, json: 6 } },
  );
  await until(() => denied.state === 'unsubscribed');
  t.match(errs.find((e) => e.code === ErrorCode.PermissionDenied), { kind: 'server' });
  const retried = await c.next();
  t.same(retried.subscribe, { channel: 'a:flaky' }, 'temporary error: subscribe retried');
  c.send(ok('a:flaky', 1, retried.id ?? 0));
  await until(() => flaky.state === 'subscribed');

  c.send(
    { unsubscribed: { channel: 'a:reset', code: UnsubscribeCode.StreamReset, reason: 'stream recreated', resubscribe: true } },
    { unsubscribed: { channel: 'a:replay', code: UnsubscribeCode.ReplayFailed, reason: 'js down', resubscribe: true } },
    { unsubscribed: { channel: 'a:lost', code: UnsubscribeCode.PermissionLost, reason: 'gone', resubscribe: false } },
  );
  const again = [await c.next(), await c.next()].map((m) => m.subscribe);
  t.same(
    again.sort((x, y) => String(x?.channel).localeCompare(String(y?.channel))),
    [{ channel: 'a:replay', since: { seq: 6, epoch: 'e1' } }, { channel: 'a:reset' }],
    'stream reset: afresh; failed replay: resume from the position',
  );
  await until(() => lost.state === 'unsubscribed');
  t.match(errs.at(-1), { kind: 'unsubscribed', code: UnsubscribeCode.PermissionLost, message: 'gone' });
  t.equal(reset.state, 'subscribing');
  t.equal(replay.state, 'subscribing');
  t.ok(events.includes(`a:reset unsubscribed ${UnsubscribeCode.StreamReset} resubscribe=true`));
  t.ok(events.includes(`a:lost unsubscribed ${UnsubscribeCode.PermissionLost} resubscribe=false`));
  t.doesNotThrow(() => client.subscribe('a:lost'), 'an ended subscription frees its channel');
});

t.test('subscribe timeout drops the connection; token refresh before expiry', async (t) => {
  const { gw, client, disconnects } = await setup(t, 'json', { requestTimeoutMs: 1000 });
  client.subscribe('slow:1');
  void client.connect();
  const c1 = await gw.nextConn();
  await c1.accept();
  await c1.next(); // Subscribe, never answered
  const c2 = await gw.nextConn();
  t.equal(disconnects[0]?.code, ClientCloseCode.SubscribeTimeout);
  await c2.accept();
  t.same((await c2.next()).subscribe, { channel: 'slow:1' }, 'subscribed again on the new connection');

  let n = 0;
  const { gw: gw2, client: rc, errors } = await setup(t, 'proto', { getToken: async () => `tok-${++n}` });
  void rc.connect();
  const a = await gw2.nextConn();
  await a.accept({ expiresAt: Date.now() + 6_500 });
  const started = Date.now();
  const r = await a.next(3000);
  t.same(r.refresh, { token: 'tok-2' }, 'a fresh token from getToken');
  t.ok(Date.now() - started >= 1000, 'refreshed 5 s before expiry, not at once');
  a.send({ id: r.id, refresh: { expiresAt: Date.now() + 3_600_000 } });
  t.ok(await a.silent(300), 'next refresh is far away');
  t.same(errors, []);
});

t.test('a Node process using the SDK exits by itself after close()', async (t) => {
  const index = fileURLToPath(new URL('../../client/index.js', import.meta.url));
  const script = `
    import { WebSocket, WebSocketServer } from 'ws';
    import { JetgateClient } from ${JSON.stringify(index)};
    import { encodeServer, decodeClient } from ${JSON.stringify(fileURLToPath(new URL('../../proto/codec.js', import.meta.url)))};
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (p) => p.values().next().value });
    await new Promise((r) => wss.on('listening', r));
    wss.on('connection', (ws) => ws.on('message', (data) => {
      for (const m of decodeClient('json', data.toString())) {
        if (m.connect) ws.send(encodeServer('json', { id: m.id, connect: { clientId: 'c', pingInterval: 25, expiresAt: Date.now() + 3600000 } }));
      }
    }));
    const client = new JetgateClient({ url: 'ws://127.0.0.1:' + wss.address().port, format: 'json', WebSocket, getToken: async () => 't' });
    client.subscribe('a:1');
    await client.connect();
    const pending = client.presence('a:1').catch((e) => e.kind);
    // A second client left waiting to reconnect to a port nobody listens on.
    const orphan = new JetgateClient({ url: 'ws://127.0.0.1:1', WebSocket, backoff: { initialMs: 60000, maxMs: 60000 } });
    orphan.connect().catch(() => {});
    await new Promise((r) => orphan.on('disconnected', r));
    client.close();
    orphan.close();
    console.log(await pending);
    wss.close();
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../../../', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.on('exit', (c) => {
      clearTimeout(kill);
      resolve(c);
    });
  });
  t.equal(code, 0, `exited by itself (output: ${out.trim()})`);
  t.equal(out.trim(), 'closed', 'the pending request failed with kind closed');
  t.ok(Date.now() - started < 4000);
});
