/**
 * Shared mode's pure parts with fakes: the worker's Hub (subscriptions counted across tabs, each
 * tab's exact sequence from its own position, dead tabs, tokens) driven through fake MessagePorts
 * and a fake client, the history backfill, and a tab's JetgateClient over a fake SharedWorker
 * (its API, and the fallback when the worker does not answer).
 */
import t from 'tap';
import { JetgateClient, UnsubscribeCode, type ClientState, type HistoryPage, type Position, type Publication, type WebSocketCtor } from '../../client/index.js';
import { backfill } from '../../client/shared/backfill.js';
import { Hub, type SharedClient } from '../../client/shared/hub.js';
import type { PortLike, ToTab, ToWorker } from '../../client/shared/wire.js';
import type { SubscribeOptions } from '../../client/subscription.js';
import { sleep, waitFor } from '../helpers/ports.js';

const EPOCH = 'e1';
const pub = (seq: number, extra: Partial<Publication> = {}): Publication => ({ channel: 'c', seq, time: seq * 1000, type: '', subject: '', headers: {}, ...extra });

/** A channel's stored publications, read as the gateway's history does. */
function historyOf(store: Publication[], epoch = EPOCH) {
  return async (o: { fromSeq?: number; limit?: number; reverse?: boolean }): Promise<HistoryPage> => {
    const limit = o.limit ?? 100;
    const from = o.fromSeq ?? 0;
    const position = { seq: store[store.length - 1]?.seq ?? 0, epoch };
    if (o.reverse) {
      const older = store.filter((p) => !from || p.seq <= from).reverse();
      return { channel: 'c', publications: older.slice(0, limit), position, nextSeq: older[limit]?.seq ?? 0 };
    }
    const newer = store.filter((p) => p.seq >= from);
    return { channel: 'c', publications: newer.slice(0, limit), position, nextSeq: newer[limit]?.seq ?? 0 };
  };
}

class FakeSub {
  state = 'subscribing';
  position: Position | undefined;
  unsubscribed = false;
  constructor(readonly channel: string, readonly o: SubscribeOptions) {}
  unsubscribe(): void {
    this.unsubscribed = true;
    this.state = 'unsubscribed';
  }
  reply(recovered: boolean, seq: number): void {
    this.state = 'subscribed';
    if (!this.position || !recovered) this.position = { seq, epoch: EPOCH };
    this.o.onSubscribed?.({ channel: this.channel, recovered, position: { seq, epoch: EPOCH } });
  }
  push(p: Publication): void {
    this.position = { seq: p.seq, epoch: EPOCH };
    this.o.onPublication?.(p);
  }
}

/** The worker's one client, as the Hub sees it. */
class FakeClient {
  state: ClientState = 'disconnected';
  readonly subs: FakeSub[] = [];
  closed = false;
  store: Publication[] = [];
  historyDelay: Promise<void> = Promise.resolve();
  tokens: Array<() => Promise<string>> = [];
  private readonly listeners = new Map<string, Array<(v: unknown) => void>>();
  constructor(getToken?: () => Promise<string>) {
    if (getToken) this.tokens.push(getToken);
  }
  on(event: string, l: (v: unknown) => void): () => void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), l]);
    return () => {};
  }
  emit(event: string, v: unknown): void {
    for (const l of this.listeners.get(event) ?? []) l(v);
  }
  connect(): Promise<unknown> {
    this.state = 'connected';
    this.emit('state', 'connected');
    return Promise.resolve({});
  }
  close(): void {
    this.closed = true;
  }
  subscribe(channel: string, o: SubscribeOptions): FakeSub {
    const sub = new FakeSub(channel, o);
    this.subs.push(sub);
    return sub;
  }
  async history(_channel: string, o: { fromSeq?: number; limit?: number; reverse?: boolean }): Promise<HistoryPage> {
    await this.historyDelay;
    return historyOf(this.store)(o);
  }
  publish(channel: string): Promise<unknown> {
    return channel === 'bad' ? Promise.reject(new Error('nope')) : Promise.resolve({ channel, seq: 7, duplicate: false });
  }
  rpc(): Promise<unknown> {
    return Promise.resolve({ type: '' });
  }
  presence(): Promise<unknown> {
    return Promise.resolve({ channel: 'c', clients: [] });
  }
}

/** A tab as the Hub sees it: a fake port; what the Hub posts is collected. */
class FakeTab {
  readonly got: ToTab[] = [];
  closed = false;
  readonly port: PortLike = { onmessage: null, postMessage: (m) => this.got.push(m as ToTab), close: () => (this.closed = true) };
  send(m: ToWorker): void {
    this.port.onmessage?.({ data: m });
  }
  seqs(sid = 1): number[] {
    return this.got.flatMap((m) => (m.t === 'pub' && m.sid === sid ? [m.pub.seq] : []));
  }
  replies(sid = 1) {
    return this.got.flatMap((m) => (m.t === 'subscribed' && m.sid === sid ? [m.reply] : []));
  }
}

function setup(o: { bufferSize?: number; tabTimeoutMs?: number } = {}) {
  const clients: FakeClient[] = [];
  const hub = new Hub({ ...o, newClient: (_opts, getToken) => (clients.push(new FakeClient(getToken)), clients[clients.length - 1] as unknown as SharedClient) });
  const tab = (renewable = false): FakeTab => {
    const ft = new FakeTab();
    hub.attach(ft.port);
    ft.send({ t: 'hello', options: { url: 'ws://x/ws', format: 'json', renewable } });
    return ft;
  };
  return { hub, tab, client: () => clients[0]! };
}

const flush = () => new Promise<void>((r) => setTimeout(r, 0));

t.test('a channel is subscribed once while any tab wants it, and unsubscribed when the last one leaves', async (t) => {
  const { hub, tab, client } = setup();
  const a = tab();
  const b = tab();
  t.same(a.got[0], { t: 'sync', state: 'disconnected' }, 'a tab hears the shared state on hello');
  a.send({ t: 'sub', sid: 1, channel: 'c', start: {} });
  b.send({ t: 'sub', sid: 1, channel: 'c', start: {} });
  b.send({ t: 'sub', sid: 2, channel: 'd', start: {} });
  t.same(client().subs.map((s) => s.channel), ['c', 'd'], 'one gateway subscription per channel');
  a.send({ t: 'unsub', sid: 1 });
  t.notOk(client().subs[0]!.unsubscribed, 'another tab still wants c');
  b.send({ t: 'bye' });
  t.ok(client().subs[0]!.unsubscribed && client().subs[1]!.unsubscribed, 'the last tab left: both unsubscribed');
  t.ok(b.closed, 'its port is closed');
  t.notOk(client().closed, 'a tab is still there: the connection stays');
  a.send({ t: 'bye' });
  t.ok(client().closed, 'no tab left: the connection is closed');
  t.equal(hub.tabCount, 0);
});

t.test('a silent tab is taken for dead and counted out; live ones are not', async (t) => {
  const { hub, tab, client } = setup({ tabTimeoutMs: 1_000 });
  const a = tab();
  const b = tab();
  a.send({ t: 'sub', sid: 1, channel: 'c', start: {} });
  b.send({ t: 'sub', sid: 1, channel: 'c', start: {} });
  hub.sweep();
  t.equal(hub.tabCount, 2, 'within the timeout');
  await sleep(1_500);
  a.send({ t: 'beat' });
  hub.sweep();
  t.equal(hub.tabCount, 1);
  t.ok(b.closed && !a.closed, 'the silent one is dropped');
  t.notOk(client().subs[0]!.unsubscribed, 'the channel stays for the live tab');
});

t.test('a tab resuming from a held position gets exactly the publications after it, then live', async (t) => {
  const { tab, client } = setup();
  const a = tab();
  a.send({ t: 'sub', sid: 1, channel: 'c', start: {} });
  const sub = client().subs[0]!;
  sub.reply(false, 0);
  for (let s = 1; s <= 5; s++) sub.push(pub(s));
  const b = tab();
  b.send({ t: 'sub', sid: 1, channel: 'c', start: { since: { seq: 3, epoch: EPOCH } } });
  t.same(b.replies(), [{ recovered: true, position: { seq: 5, epoch: EPOCH } }], 'recovered, at the channel position');
  t.same(b.seqs(), [4, 5], 'what it missed, from the held publications');
  sub.push(pub(6));
  t.same(b.seqs(), [4, 5, 6], 'then live');
  t.same(a.seqs(), [1, 2, 3, 4, 5, 6], 'the other tab unaffected: each once');
  const c = tab();
  c.send({ t: 'sub', sid: 1, channel: 'c', start: {} });
  sub.push(pub(7));
  t.same(c.replies(), [{ recovered: true, position: { seq: 6, epoch: EPOCH } }]);
  t.same(c.seqs(), [7], 'a live tab starts at the channel position');
  const d = tab();
  d.send({ t: 'sub', sid: 1, channel: 'c', start: { since: { seq: 3, epoch: 'other' } } });
  t.same(d.replies(), [{ recovered: false, position: { seq: 7, epoch: EPOCH } }], 'another stream instance: not recovered');
  sub.push(pub(8));
  t.same(d.seqs(), [8], 'live from the position');
});

t.test('a resume further back than the held publications is read from history, without gap or duplicate', async (t) => {
  const { tab, client } = setup({ bufferSize: 2 });
  const a = tab();
  a.send({ t: 'sub', sid: 1, channel: 'c', start: {} });
  const sub = client().subs[0]!;
  sub.reply(false, 0);
  for (let s = 1; s <= 10; s++) {
    client().store.push(pub(s));
    sub.push(pub(s));
  }
  let release!: () => void;
  client().historyDelay = new Promise((r) => (release = r));
  const b = tab();
  b.send({ t: 'sub', sid: 1, channel: 'c', start: { since: { seq: 4, epoch: EPOCH } } });
  // Published while the history read is on its way: stored, and delivered live.
  for (const s of [11, 12]) {
    client().store.push(pub(s));
    sub.push(pub(s));
  }
  t.same(b.got.filter((m) => m.t !== 'sync'), [], 'nothing before the history is in');
  release();
  await flush();
  t.same(b.replies(), [{ recovered: true, position: { seq: 10, epoch: EPOCH } }]);
  t.same(b.seqs(), [5, 6, 7, 8, 9, 10, 11, 12], 'every publication after its position, once, in order');
  sub.push(pub(13));
  t.same(b.seqs().slice(-1), [13], 'then live');

  client().store.splice(0, 6); // trimmed: 7.. held
  const c = tab();
  c.send({ t: 'sub', sid: 1, channel: 'c', start: { since: { seq: 5, epoch: EPOCH } } });
  await flush();
  t.same(c.replies(), [{ recovered: false, position: { seq: 13, epoch: EPOCH } }], 'what it missed is gone: not recovered');
  t.same(c.seqs(), [], 'and nothing replayed (as the gateway does)');
});

t.test('a later tab asking for a replay gets it from history, each tab by its own start', async (t) => {
  const { tab, client } = setup();
  const a = tab();
  a.send({ t: 'sub', sid: 1, channel: 'c', start: { sinceTime: 3_000 } });
  const sub = client().subs[0]!;
  t.same(sub.o.sinceTime, 3_000, 'the first tab\'s start goes to the gateway');
  sub.reply(false, 6);
  const early = tab();
  early.send({ t: 'sub', sid: 1, channel: 'c', start: {} });
  for (let s = 1; s <= 6; s++) client().store.push(pub(s));
  for (let s = 3; s <= 6; s++) sub.push(pub(s)); // the gateway's replay
  t.same(early.replies(), [{ recovered: true, position: { seq: 6, epoch: EPOCH } }], 'a live tab joining during the replay starts at the reply position');
  t.same(early.seqs(), [], 'and gets none of the replay');
  t.same(a.seqs(), [3, 4, 5, 6]);
  const b = tab();
  b.send({ t: 'sub', sid: 1, channel: 'c', start: { rewind: 2 } });
  const c = tab();
  c.send({ t: 'sub', sid: 1, channel: 'c', start: { sinceTime: 2_000 } });
  await flush();
  t.same(b.seqs(), [5, 6], 'rewind 2');
  t.same(c.seqs(), [2, 3, 4, 5, 6], 'sinceTime, also before what the worker holds');
  sub.push(pub(7));
  for (const x of [a, b, c, early]) t.equal(x.seqs().slice(-1)[0], 7, 'then live for all');
});

t.test('the worker\'s resubscribes reach every tab; an ended subscription ends for all', async (t) => {
  const { tab, client } = setup();
  const a = tab();
  const b = tab();
  a.send({ t: 'sub', sid: 1, channel: 'c', start: {} });
  const sub = client().subs[0]!;
  sub.reply(false, 0);
  b.send({ t: 'sub', sid: 1, channel: 'c', start: {} });
  sub.push(pub(1));
  sub.reply(true, 1); // reconnected, resumed without a gap
  sub.push(pub(2));
  for (const x of [a, b]) {
    t.same(x.replies().slice(-1), [{ recovered: true, position: { seq: 1, epoch: EPOCH } }], 'the resume reply');
    t.same(x.seqs(), [1, 2]);
  }
  sub.o.onUnsubscribed?.({ channel: 'c', code: UnsubscribeCode.StreamReset, reason: 'stream reset', resubscribe: true });
  sub.reply(false, 0); // the stream was recreated: its sequence starts again
  sub.push(pub(1));
  for (const x of [a, b]) t.same(x.seqs(), [1, 2, 1], 'after a stream reset every tab goes on from the new stream');
  sub.o.onUnsubscribed?.({ channel: 'c', code: UnsubscribeCode.PermissionLost, reason: 'permission lost', resubscribe: false });
  for (const x of [a, b]) t.same(x.got.filter((m) => m.t === 'unsubscribed').length, 2, 'every tab hears of it');
  a.send({ t: 'sub', sid: 2, channel: 'c', start: {} });
  t.equal(client().subs.length, 2, 'a new subscribe after the end is a new gateway subscription');
});

t.test('the connection\'s events reach every tab; requests are run for the tab that made them', async (t) => {
  const { tab, client } = setup();
  const a = tab();
  const b = tab();
  a.send({ t: 'connect' });
  for (const x of [a, b]) t.same(x.got[1], { t: 'event', event: 'state', value: 'connected' });
  a.send({ t: 'call', rid: 5, op: 'publish', args: ['c', { json: 1 }, {}] });
  a.send({ t: 'call', rid: 6, op: 'publish', args: ['bad', { json: 1 }, {}] });
  await flush();
  t.same(a.got.filter((m) => m.t === 'reply'), [
    { t: 'reply', rid: 5, value: { channel: 'c', seq: 7, duplicate: false } },
    { t: 'reply', rid: 6, err: { kind: 'token', message: 'nope', code: 0, temporary: true } },
  ]);
  t.same(b.got.filter((m) => m.t === 'reply'), [], 'not to the other tab');
  client().emit('error', new Error('x'));
  t.equal(b.got.filter((m) => m.t === 'event' && m.event === 'error').length, 1, 'errors are relayed as plain fields');
});

t.test('tokens come from the tabs: the most recent that answers', async (t) => {
  const { tab, client } = setup();
  const a = tab(true);
  const b = tab(true);
  const token = client().tokens[0]!();
  await flush();
  const ask = b.got.find((m) => m.t === 'token?') as { tid: number } | undefined;
  t.ok(ask, 'the newest tab is asked');
  b.send({ t: 'bye' }); // it closes instead of answering
  await flush();
  const next = a.got.find((m) => m.t === 'token?') as { tid: number } | undefined;
  t.ok(next, 'then the next tab');
  a.send({ t: 'token', tid: next!.tid, token: 'jwt-a' });
  t.equal(await token, 'jwt-a');
  const failing = client().tokens[0]!();
  await flush();
  const again = a.got.filter((m) => m.t === 'token?').pop() as { tid: number };
  a.send({ t: 'token', tid: again.tid, error: { kind: 'token', message: 'signed out', code: 0, temporary: false } });
  await t.rejects(failing, { message: 'signed out' }, 'the app\'s getToken failing fails the token');
});

t.test('backfill: since pages forward; rewind, sinceTime and latest scan back; all bounded', async (t) => {
  const store = Array.from({ length: 2_500 }, (_, i) => pub(i + 1, { subject: `s${i % 3}` }));
  const read = historyOf(store);
  const since = await backfill({ since: { seq: 100, epoch: EPOCH } }, read, 2_500, 10_000, false);
  t.same([since.recovered, since.pubs.length, since.pubs[0]?.seq, since.pubs.at(-1)?.seq], [true, 2_400, 101, 2_500], 'since: three pages');
  t.same((await backfill({ since: { seq: 100, epoch: EPOCH } }, read, 2_500, 1_000, false)).recovered, false, 'too far back for the bound: not recovered');
  t.same((await backfill({ since: { seq: 100, epoch: EPOCH } }, historyOf(store.slice(500)), 2_500, 10_000, false)), { pubs: [], recovered: false }, 'trimmed: not recovered');
  t.same((await backfill({ since: { seq: 2_500, epoch: EPOCH } }, read, 2_500, 10_000, false)), { pubs: [], recovered: true }, 'at the end: nothing missed');
  t.same((await backfill({ since: { seq: 5, epoch: 'old' } }, read, 2_500, 10_000, false)).recovered, false, 'another epoch');
  t.same((await backfill({ rewind: 1_200 }, read, 2_500, 10_000, false)).pubs.map((p) => p.seq), store.slice(-1_200).map((p) => p.seq), 'rewind across pages');
  t.same((await backfill({ sinceTime: 2_498_000 }, read, 2_500, 10_000, false)).pubs.map((p) => p.seq), [2_498, 2_499, 2_500], 'sinceTime');
  t.same((await backfill({ latest: true }, read, 2_500, 10_000, true)).pubs.map((p) => p.seq), [2_498, 2_499, 2_500], 'latest of each subject, in order');
  t.same((await backfill({ latest: true }, read, 2_500, 10_000, false)).pubs.map((p) => p.seq), [2_500], 'latest of a plain channel');
  t.same((await backfill({ sinceTime: 1 }, read, 2_500, 1_000, false)).pubs.length, 1_000, 'a scan back reads at most the bound');
});

// ---------------------------------------------------------------------------------------------
// A tab's JetgateClient over a fake SharedWorker

/** A SharedWorker whose port leads to a Hub (structured-cloned, asynchronous, as a real one). */
function installSharedWorker(hub: Hub | undefined): void {
  (globalThis as { SharedWorker?: unknown }).SharedWorker = class {
    onerror: ((ev: unknown) => void) | null = null;
    readonly port: PortLike;
    constructor() {
      const tabSide: PortLike = { onmessage: null, postMessage: (m) => setTimeout(() => workerSide.onmessage?.({ data: structuredClone(m) })), close: () => {} };
      const workerSide: PortLike = { onmessage: null, postMessage: (m) => setTimeout(() => tabSide.onmessage?.({ data: structuredClone(m) })), close: () => {} };
      this.port = tabSide;
      hub?.attach(workerSide);
    }
  };
}

/** A WebSocket that never opens: enough to see a client connect on its own. */
const opened: string[] = [];
const NoSocket = class {
  binaryType = '';
  onopen = null; onmessage = null; onclose = null; onerror = null;
  constructor(url: string) {
    opened.push(url);
  }
  send(): void {}
  close(): void {}
} as unknown as WebSocketCtor;

t.test('a tab\'s client in shared mode: the same API, positions of its own', async (t) => {
  const { hub, client } = setup();
  installSharedWorker(hub);
  t.teardown(() => delete (globalThis as { SharedWorker?: unknown }).SharedWorker);
  const tab = new JetgateClient({ url: 'ws://x/ws', format: 'json', WebSocket: NoSocket, shared: { worker: '/w.js' } });
  const states: ClientState[] = [];
  tab.on('state', (s) => states.push(s));
  const got: number[] = [];
  const sub = tab.subscribe('c', { onPublication: (p) => got.push(p.seq) });
  t.throws(() => tab.subscribe('c'), /already subscribed/);
  const ready = tab.connect();
  await waitFor('the worker to subscribe', () => client()?.subs.length === 1);
  const fake = client();
  t.equal(fake.state, 'connected', 'the tab\'s connect() reached the worker\'s client');
  fake.subs[0]!.reply(false, 0);
  fake.emit('connected', { clientId: 'k', node: 'n', pingInterval: 0, expiresAt: 0 });
  for (const s of [1, 2, 3]) fake.subs[0]!.push(pub(s));
  await waitFor('the publications', () => got.length === 3);
  t.same((await ready).clientId, 'k', 'connect() resolves with the shared connection\'s info');
  t.same(states, ['connected']);
  t.same(got, [1, 2, 3]);
  t.same(sub.position, { seq: 3, epoch: EPOCH }, 'the tab tracks its own position');
  t.same(await tab.publish('c', { json: 1 }), { channel: 'c', seq: 7, duplicate: false }, 'publish goes through the worker');
  await t.rejects(tab.publish('bad', { json: 1 }), { message: 'nope' });
  sub.unsubscribe();
  await waitFor('the worker to unsubscribe', () => fake.subs[0]!.unsubscribed);
  t.pass('the last tab unsubscribed: the worker did too');
  tab.close();
  t.equal(tab.state, 'closed');
  t.same(opened, [], 'the tab opened no WebSocket of its own');
});

t.test('without SharedWorker, or when it does not answer, the tab connects on its own', async (t) => {
  opened.length = 0;
  const plain = new JetgateClient({ url: 'ws://plain/ws', WebSocket: NoSocket, shared: { worker: '/w.js' } });
  void plain.connect();
  await waitFor('a WebSocket', () => opened.length === 1);
  t.same(opened, ['ws://plain/ws'], 'no SharedWorker: a connection of its own');
  plain.close();

  installSharedWorker(undefined); // a worker that never answers
  t.teardown(() => delete (globalThis as { SharedWorker?: unknown }).SharedWorker);
  const tab = new JetgateClient({ url: 'ws://late/ws', WebSocket: NoSocket, shared: { worker: '/w.js', startTimeoutMs: 3_000 } });
  tab.subscribe('c');
  void tab.connect();
  await sleep(50);
  t.same(opened, ['ws://plain/ws'], 'waiting for the worker');
  await waitFor('its own WebSocket', () => opened.length === 2);
  t.same(opened, ['ws://plain/ws', 'ws://late/ws'], 'then its own connection');
  t.equal(tab.state, 'connecting');
  t.throws(() => tab.subscribe('c'), /already subscribed/, 'with the subscription it had made');
  tab.close();
});
