/**
 * Issue 11, attacks 2 and 5, against a real gateway and nats-server: a replay flood (hundreds of
 * `subscribe {sinceTime: 1}` on wildcard variants per connection) stays inside the gateway's
 * consumer budget and leaves good clients served; history / rewind / latest on a quiet channel of
 * a big stream cost a small, fixed number of JetStream API calls (counted on the wire).
 */
import t from 'tap';
import { ErrorCode } from '../../proto/codes.js';
import type { ServerMessage } from '../../proto/codec.js';
import { fixture, type Fixture } from '../helpers/fixture.js';
import { http } from '../helpers/http.js';
import { parsePrometheus } from '../helpers/prometheus.js';
import { sleep, waitFor } from '../helpers/ports.js';
import { publishBurst } from '../helpers/publisher.js';
import type { RawClient } from '../helpers/raw-client.js';
import { steadyClient } from '../helpers/steady-client.js';

/**
 * Most JetStream API requests (every message on $JS.API.>, consumer pulls and deletes included)
 * one history / rewind / latest may cost on a quiet channel: at most 8 by design (a subscribe's
 * includes starting its channel), plus one for the readiness probe's stream info (every 5 s), which
 * may fall within a request. Before the fix these took 38 to 42 on this stream.
 */
const CALLS_PER_REQUEST = 8 + 1;

/** Counts the JetStream API requests the gateway sends (a wiretap on $JS.API.>). */
function apiTap(f: Fixture): { count(): number } {
  let n = 0;
  const sub = f.pub.nc.subscribe('$JS.API.>', { callback: () => void n++ });
  t.teardown(() => sub.unsubscribe());
  return { count: () => n };
}

const consumers = async (f: Fixture): Promise<number> => (await f.pub.jsm()).streams.info('TEST').then((i) => i.state.consumer_count);

const errorCodes = (c: RawClient): number[] => c.received.filter((m) => m.error).map((m) => m.error!.code!);

t.test('attack 5: history, rewind and latest on a quiet channel of a 20k-message stream cost a fixed handful of API calls', async (t) => {
  // No tail checks: they would add their own (bounded) calls to the count.
  const f = await fixture(t, { tailCheckSec: 0, namespaces: [{ name: 'test', stream: 'TEST', anonymous: true, window: 100 }] });
  const quiet = await f.pub.publishMany('test.quiet', 5, 'q');
  await publishBurst(f.pub, 'test.noise.a', 10_000, 16);
  await publishBurst(f.pub, 'test.noise.b', 10_000, 16);
  const late = await f.pub.publishMany('test.quiet', 2, 'r');
  const all = [...quiet, ...late];
  const tap = apiTap(f);
  const c = await f.client();
  await sleep(200);

  /** The API calls one request costs: the tap's count before and after its reply (and its replay). */
  const cost = async (what: string, run: () => Promise<void>): Promise<number> => {
    const before = tap.count();
    await run();
    await sleep(100); // the last tapped message may still be on its way to the tap
    const n = tap.count() - before;
    t.comment(`${what}: ${n} JetStream API calls`);
    t.ok(n <= CALLS_PER_REQUEST, `${what}: ${n} JetStream API calls (at most ${CALLS_PER_REQUEST})`);
    return n;
  };
  const pageOf = (r: ServerMessage) => (r.history?.publications ?? []).map((p) => p.seq);

  await cost('history, newest first', async () => {
    const r = await c.request({ history: { channel: 'test:quiet', limit: 3, reverse: true } });
    t.same(pageOf(r), all.slice(-3).reverse(), 'the newest 3, newest first');
    t.equal(r.history?.nextSeq, all[all.length - 3]! - 1, 'older ones follow');
  });
  await cost('history, an older page newest first', async () => {
    const r = await c.request({ history: { channel: 'test:quiet', fromSeq: late[0]! - 1, limit: 2, reverse: true } });
    t.same(pageOf(r), quiet.slice(-2).reverse(), 'the page before the late ones');
  });
  await cost('history, oldest first', async () => {
    const r = await c.request({ history: { channel: 'test:quiet', limit: 4 } });
    t.same(pageOf(r), all.slice(0, 4));
  });
  await cost('subscribe with rewind', async () => {
    t.ok((await c.request({ subscribe: { channel: 'test:quiet', rewind: 3 } })).subscribe);
    await c.until('the rewind', () => c.pubsOf('test:quiet').length >= 3);
    t.same(c.pubsOf('test:quiet').map((p) => p.seq), all.slice(-3), 'the last 3');
    t.ok((await c.request({ unsubscribe: { channel: 'test:quiet' } })).unsubscribe);
  });
  const l = await f.client();
  await cost('subscribe with latest', async () => {
    t.ok((await l.request({ subscribe: { channel: 'test:quiet', latest: true } })).subscribe);
    await l.until('the latest', () => l.pubsOf('test:quiet').length >= 1);
    t.same(l.pubsOf('test:quiet').map((p) => p.seq), all.slice(-1), 'the last one');
  });

  // A flood at the connection's rate limit: five connections asking for history as fast as they may.
  const flooders = await Promise.all(Array.from({ length: 5 }, () => f.client()));
  let stop = false;
  const flood = Promise.all(flooders.map(async (a) => {
    while (!stop) {
      for (let i = 0; i < 10; i++) a.send({ id: 0, history: { channel: 'test:quiet', limit: 5, reverse: true } });
      await sleep(100); // 100 a second: websocket.maxMessagesPerSec
    }
  }));
  const good = await f.client();
  for (let i = 0; i < 10; i++) {
    const r = await good.request({ history: { channel: 'test:quiet', limit: 2, reverse: true } });
    t.same(pageOf(r), all.slice(-2).reverse(), `the good client's history ${i + 1} is served during the flood`);
  }
  stop = true;
  await flood;
  t.ok(flooders.every((a) => a.closeCode === undefined), 'the flooders stayed within their rate');
  await waitFor('no consumer left', async () => (await consumers(f)) === 0, 30_000, 200);
});

t.test('attack 2: a replay flood on a wildcard namespace stays inside the consumer budget; good clients are served', async (t) => {
  const maxActive = 8;
  const f = await fixture(t, {
    websocket: { maxReplays: 16, maxActiveReplays: 2 },
    limits: { replay: { maxActive, reservedForRecovery: 2, maxQueued: 60 } },
    namespaces: [
      { name: 'test', stream: 'TEST', anonymous: ['subscribe', 'history', 'publish'], publish: true, window: 10 },
      { name: 'wild', stream: 'TEST', subject: 'test.wild.{name}', anonymous: true, allowWildcards: true, window: 10 },
    ],
  });
  // Some history: 300 concrete channels of the wildcard namespace, 4 publications each.
  for (let i = 0; i < 4; i++) await Promise.all(Array.from({ length: 300 }, (_, k) => f.pub.publish(`test.wild.s${k}.x`, `h${i}`, `h-${k}-${i}`)));
  const missed = await f.pub.publishMany('test.good', 30, 'g');
  const baseline = await consumers(f);
  const done = await steadyClient(t, f);

  // Consumers, sampled all along the attack.
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await consumers(f));
      await sleep(50);
    }
  })();

  // Five anonymous connections, each sending 400 replaying subscribes on wildcard variants at once,
  // then re-sending every refused one for a while: more than their own bound (16 each) and, together,
  // more than the gateway's queue (60).
  const attackers = await Promise.all(Array.from({ length: 5 }, () => f.client()));
  const names = (a: number) => Array.from({ length: 400 }, (_, k) => (k < 300 ? `wild:s${k}/*` : `wild:*/x${a}${k}`));
  const attack = Promise.all(attackers.map(async (c, a) => {
    const ids = new Map<number, string>();
    let id = 1;
    const send = (channel: string) => {
      ids.set(id, channel);
      c.send({ id: id++, subscribe: { channel, sinceTime: 1 } });
    };
    names(a).forEach(send);
    const until = Date.now() + 6_000;
    let seen = 0;
    while (Date.now() < until && c.closeCode === undefined) {
      await sleep(250);
      const refused = c.received.slice(seen).filter((m) => m.error?.temporary && m.id);
      seen = c.received.length;
      for (const m of refused.slice(0, 20)) send(ids.get(m.id!)!);
    }
  }));

  // Meanwhile a good client resumes (a replay from JetStream), reads history and publishes.
  const good = await f.client();
  const sub = await good.request({ subscribe: { channel: 'test:good', since: { seq: missed[0]! - 1 } } });
  t.ok(sub.subscribe?.recovered, 'the good client\'s resume is accepted');
  await good.until('the resumed publications', () => good.pubsOf('test:good').length >= missed.length, 60_000);
  t.same(good.pubsOf('test:good').map((p) => p.seq), missed, 'and replayed in full, in order');
  const h = await good.request({ history: { channel: 'test:good', limit: 5, reverse: true } });
  t.same(h.history?.publications?.map((p) => p.seq), missed.slice(-5).reverse(), 'its history is served');
  const p = await good.request({ publish: { channel: 'test:good', data: new TextEncoder().encode('hi') } });
  t.ok(p.publish?.seq, 'its publish is served');

  await attack;
  sampling = false;
  await sampler;
  t.ok(peak <= baseline + maxActive, `nats-server's consumers peaked at ${peak}, within the budget of ${maxActive}`);
  const codes = new Set(attackers.flatMap(errorCodes));
  t.ok(codes.has(ErrorCode.RateLimited), 'the attacker got 1010 (its own bound)');
  t.ok(codes.has(ErrorCode.Overloaded), 'and 1024 Overloaded (the gateway\'s queue)');
  t.same([...codes].filter((c) => c !== ErrorCode.RateLimited && c !== ErrorCode.Overloaded), [], 'and no other error');
  t.ok(attackers.flatMap((c) => c.received).some((m) => m.subscribe), 'some of its replays were served, in turn');

  await Promise.all(attackers.map((c) => c.close()));
  await waitFor('consumers back to the baseline', async () => (await consumers(f)) === baseline, 30_000, 200);
  t.pass('consumers are back to the baseline after the attacker left');
  const m = parsePrometheus((await http('GET', `${f.control}/metrics`)).text);
  t.ok(m.get('jetgate_replay_reads_refused_total{bound="connection"}') > 0, 'refusals by the connection bound are counted');
  t.ok(m.get('jetgate_replay_reads_refused_total{bound="gateway"}') > 0, 'and by the gateway\'s queue');
  t.equal(m.get('jetgate_replay_reads_active'), 0, 'no read runs any more');
  t.equal(m.get('jetgate_replay_reads_queued'), 0, 'none waits');
  await done();
});

t.test('a replaying client that stops reading holds no consumer; closing ends its replay', async (t) => {
  const f = await fixture(t, { namespaces: [{ name: 'test', stream: 'TEST', anonymous: true, window: 10 }] });
  const seqs = await publishBurst(f.pub, 'test.deep', 3_000, 8_192);
  const c = await f.client();
  c.pause();
  c.send({ id: 1, subscribe: { channel: 'test:deep', since: { seq: 0 } } });
  await waitFor('the replay to start', () => f.gw.telemetry.stats.replayDelivered > 0, 30_000);
  // The socket's buffer passes the high-water mark: the replay gives its turn (and consumer) back.
  await waitFor('no consumer while the socket drains', async () => (await consumers(f)) === 0 && f.gw.telemetry.stats.replayTurns.active === 0, 30_000, 100);
  t.ok(f.gw.telemetry.stats.replayDelivered < seqs.length, 'the replay is paused halfway');
  c.resume();
  await c.until('the whole replay', () => c.pubsOf('test:deep').length >= seqs.length, 60_000);
  t.same(c.pubsOf('test:deep').map((p) => p.seq), seqs, 'then it completes, in order');
  await c.close();
  t.equal(await consumers(f), 0, 'nothing is left behind');
});

t.test('a channel holding more than the scan bound: rewind and reverse pages stay exact (the halving path)', async (t) => {
  const f = await fixture(t, { namespaces: [{ name: 'test', stream: 'TEST', anonymous: true, window: 10 }] });
  const first = await publishBurst(f.pub, 'test.big', 3_000, 8);
  await publishBurst(f.pub, 'test.other', 2_000, 8);
  const second = await publishBurst(f.pub, 'test.big', 3_000, 8);
  const big = [...first, ...second];
  const c = await f.client();
  const page = async (fromSeq: number, limit: number) => {
    const r = await c.request({ history: { channel: 'test:big', fromSeq, limit, reverse: true } });
    return { seqs: (r.history?.publications ?? []).map((p) => p.seq), next: r.history?.nextSeq ?? 0 };
  };
  const newest = await page(0, 10);
  t.same(newest.seqs, big.slice(-10).reverse(), 'the newest page');
  t.equal(newest.next, big[big.length - 10]! - 1);
  const mid = await page(first[first.length - 1]! + 500, 20);
  t.same(mid.seqs, first.slice(-20).reverse(), 'a page ending in the other subject\'s stretch ends at the last publication before it');
  const oldest = await page(first[5]!, 10);
  t.same(oldest.seqs, first.slice(0, 6).reverse(), 'the oldest page holds what is left');
  t.equal(oldest.next, 0, 'and is the last');
  t.ok((await c.request({ subscribe: { channel: 'test:big', rewind: 5 } })).subscribe);
  await c.until('the rewind', () => c.pubsOf('test:big').length >= 5);
  t.same(c.pubsOf('test:big').map((p) => p.seq), big.slice(-5), 'rewind 5: the last five');
});
