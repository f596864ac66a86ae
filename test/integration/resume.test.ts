import t from 'tap';
import { NatsServer } from '../helpers/nats-server.js';
import { GatewayProcess, startGateway, testConfig } from '../helpers/gateway.js';
import { RawClient } from '../helpers/raw-client.js';
import { Publisher, text } from '../helpers/publisher.js';
import type { Position, Publication } from '../../proto/codec.js';

type Test = import('tap').Test;

async function natsAndPublisher(t: Test, args: string[] = []) {
  const nats = await NatsServer.start(args);
  t.teardown(() => nats.destroy());
  const pub = await Publisher.connect(nats.url);
  t.teardown(() => pub.close());
  return { nats, pub };
}

/** Subscribes, waits for `expect` publications, returns them and the position to resume from. */
async function subscribeAndCollect(url: string, since: Position | undefined, expect: number) {
  const c = await RawClient.connect(url);
  const r = await c.request({ subscribe: { channel: 'test:room', since } });
  await c.until(`${expect} publications`, () => c.pubsOf('test:room').length >= expect);
  return { c, result: r.subscribe, pubs: c.pubsOf('test:room') };
}

function checkExact(t: Test, pubs: Publication[], seqs: number[], what: string) {
  t.same(pubs.map((p) => p.seq), seqs, `${what}: exactly these sequences, in order`);
  t.equal(new Set(pubs.map((p) => p.seq)).size, pubs.length, `${what}: no duplicate`);
}

for (const missed of [50, 500]) {
  t.test(`resume after a disconnect with ${missed} missed (${missed < 100 ? 'window' : 'JetStream'}): missed ones, then live`, async (t) => {
    const { nats, pub } = await natsAndPublisher(t);
    const gw = await startGateway(testConfig(nats.url));
    t.teardown(() => gw.stop());
    const url = `ws://127.0.0.1:${gw.port}/ws`;
    // Another client keeps the channel active, as on a busy gateway.
    const keeper = await subscribeAndCollect(url, undefined, 0);
    t.teardown(() => keeper.c.close());

    const first = await pub.publishMany('test.room', 20, 'a');
    const a = await subscribeAndCollect(url, { seq: 0, epoch: '' }, 20);
    const position = { seq: a.pubs[a.pubs.length - 1]!.seq, epoch: a.result!.position!.epoch! };
    checkExact(t, a.pubs, first, 'first connection');
    await a.c.close();

    const gap = await pub.publishMany('test.room', missed, 'b');
    const b = await subscribeAndCollect(url, position, missed);
    t.equal(b.result!.recovered, true, 'recovered');
    const live = await pub.publishMany('test.room', 50, 'c');
    await b.c.until('live ones', () => b.c.pubsOf('test:room').length >= missed + 50);
    checkExact(t, b.c.pubsOf('test:room'), [...gap, ...live], 'after resume');
    t.same(b.c.pubsOf('test:room').slice(0, 3).map((p) => text(p.data)), ['b0', 'b1', 'b2']);
    await b.c.close();
  });
}

t.test('resume after the gateway process is killed (SIGKILL) and a new one started', async (t) => {
  const { nats, pub } = await natsAndPublisher(t);
  const config = testConfig(nats.url);
  const gw1 = await GatewayProcess.start(config);
  const first = await pub.publishMany('test.room', 10);
  const a = await subscribeAndCollect(gw1.url, { seq: 0, epoch: '' }, 10);
  checkExact(t, a.pubs, first, 'before the kill');
  const position = { seq: a.pubs[9]!.seq, epoch: a.result!.position!.epoch! };
  await gw1.stop('SIGKILL');
  await a.c.until('socket closed', () => a.c.closeCode !== undefined);

  const missed = await pub.publishMany('test.room', 500, 'x');
  const gw2 = await GatewayProcess.start(config);
  t.teardown(() => gw2.stop());
  const b = await subscribeAndCollect(gw2.url, position, 500);
  t.equal(b.result!.recovered, true);
  const live = await pub.publishMany('test.room', 20, 'y');
  await b.c.until('live', () => b.c.pubsOf('test:room').length >= 520);
  checkExact(t, b.c.pubsOf('test:room'), [...missed, ...live], 'on the new gateway process');
  await b.c.close();
});

t.test('resume on a second gateway process', async (t) => {
  const { nats, pub } = await natsAndPublisher(t);
  const config = testConfig(nats.url);
  const [gwA, gwB] = [await GatewayProcess.start(config), await GatewayProcess.start(config)];
  t.teardown(() => Promise.all([gwA.stop(), gwB.stop()]));
  const first = await pub.publishMany('test.room', 10);
  const a = await subscribeAndCollect(gwA.url, undefined, 0);
  const rest = await pub.publishMany('test.room', 30, 'r');
  await a.c.until('30', () => a.c.pubsOf('test:room').length >= 30);
  checkExact(t, a.c.pubsOf('test:room'), rest, 'live on A (fresh subscribe starts after what was stored)');
  t.ok(first.length === 10);
  const position = { seq: a.c.pubsOf('test:room')[29]!.seq, epoch: a.result!.position!.epoch! };
  await a.c.close();

  const missed = await pub.publishMany('test.room', 500, 'm');
  const b = await subscribeAndCollect(gwB.url, position, 500);
  const live = await pub.publishMany('test.room', 20, 'l');
  await b.c.until('live', () => b.c.pubsOf('test:room').length >= 520);
  t.equal(b.result!.recovered, true);
  checkExact(t, b.c.pubsOf('test:room'), [...missed, ...live], 'resumed on B');
  await b.c.close();
});

t.test('a resume older than the stream retains gets recovered: false and the current position', async (t) => {
  const { nats, pub } = await natsAndPublisher(t);
  const gw = await startGateway(testConfig(nats.url, { streams: [{ name: 'TEST', subjects: ['test.>'], maxMsgs: 100 }] }));
  t.teardown(() => gw.stop());
  const url = `ws://127.0.0.1:${gw.port}/ws`;
  await pub.publishMany('test.room', 5);
  const a = await subscribeAndCollect(url, { seq: 0, epoch: '' }, 5);
  const epoch = a.result!.position!.epoch!;
  await a.c.close();
  const seqs = await pub.publishMany('test.room', 300);
  const b = await RawClient.connect(url);
  t.teardown(() => b.close());
  const r = await b.request({ subscribe: { channel: 'test:room', since: { seq: 5, epoch } } });
  t.notOk(r.subscribe?.recovered, 'not recovered');
  t.equal(r.subscribe?.position?.seq, seqs[seqs.length - 1], 'current position');
  t.equal(r.subscribe?.position?.epoch, epoch);
  const live = await pub.publishMany('test.room', 3, 'z');
  await b.until('live', () => b.pubsOf('test:room').length >= 3);
  t.same(b.pubsOf('test:room').map((p) => p.seq), live, 'then live only');
});

t.test('a position from another stream instance (epoch) is not recovered', async (t) => {
  const { nats, pub } = await natsAndPublisher(t);
  const gw = await startGateway(testConfig(nats.url));
  t.teardown(() => gw.stop());
  await pub.publishMany('test.room', 5);
  const c = await RawClient.connect(`ws://127.0.0.1:${gw.port}/ws`);
  t.teardown(() => c.close());
  const r = await c.request({ subscribe: { channel: 'test:room', since: { seq: 2, epoch: '2001-01-01T00:00:00Z' } } });
  t.notOk(r.subscribe?.recovered, 'not recovered');
  t.equal(r.subscribe?.position?.seq, 5);
  t.not(r.subscribe?.position?.epoch, '2001-01-01T00:00:00Z');
});

t.test('rewind, sinceTime and latest', async (t) => {
  const { nats, pub } = await natsAndPublisher(t);
  // Window of 10: rewinds past it are served from JetStream.
  const gw = await startGateway(testConfig(nats.url, { namespaces: [{ name: 'test', stream: 'TEST', anonymous: true, window: 10, allowWildcards: true }] }));
  t.teardown(() => gw.stop());
  const url = `ws://127.0.0.1:${gw.port}/ws`;
  const seqs = await pub.publishMany('test.room', 200);
  await pub.publishMany('test.other', 3, 'o');
  for (const n of [1, 5, 10, 50, 200, 500]) {
    const c = await RawClient.connect(url);
    await c.request({ subscribe: { channel: 'test:room', rewind: n } });
    const want = seqs.slice(-Math.min(n, 200));
    await c.until(`rewind ${n}`, () => c.pubsOf('test:room').length >= want.length);
    t.same(c.pubsOf('test:room').map((p) => p.seq), want, `rewind ${n}`);
    await c.close();
  }
  const c = await RawClient.connect(url);
  t.teardown(() => c.close());
  await c.request({ subscribe: { channel: 'test:room', sinceTime: Date.now() - 60_000 } });
  await c.until('sinceTime', () => c.pubsOf('test:room').length >= 200);
  t.same(c.pubsOf('test:room').map((p) => p.seq), seqs, 'sinceTime a minute ago: everything');
  const w = await RawClient.connect(url);
  t.teardown(() => w.close());
  await w.request({ subscribe: { channel: 'test:*', latest: true } });
  await w.until('latest per subject', () => w.pubsOf('test:*').length >= 2);
  t.same(w.pubsOf('test:*').map((p) => [p.subject, text(p.data)]), [['room', 'm199'], ['other', 'o2']], 'latest of each subject');
});
