/**
 * Attacks 4 and 8 of the hostile-client review, on a presence namespace with small budgets:
 * presence requests at the connections' message rate on a channel with many members (reads are
 * shared, lists capped, the read budget refuses with 1024, good clients are served), and a
 * subscribe/unsubscribe storm on a presence channel (the other subscribers get at most one event
 * of the churner per batch interval; a presence request still gives the right list).
 */
import t, { type Test } from 'tap';
import { encodeClient, joinFrames, type ServerMessage } from '../../proto/codec.js';
import { ErrorCode } from '../../proto/codes.js';
import { fixture, type Fixture } from '../helpers/fixture.js';
import { parsePrometheus } from '../helpers/prometheus.js';
import { freePort, sleep, waitFor } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';
import { steadyClient } from '../helpers/steady-client.js';

const MiB = 1024 * 1024;
const ROOM = { name: 'room', stream: 'TEST', subject: 'test.room.{name}', anonymous: true, presence: true };

const idOf = (c: RawClient): string => c.received.find((m) => m.connect)!.connect!.clientId!;
const members = (r: ServerMessage): string[] => (r.presence?.clients ?? []).map((x) => x.clientId!).sort();

async function presenceFixture(t: Test, presence: Record<string, number>, natsArgs: string[] = []): Promise<Fixture> {
  return fixture(t, {
    limits: { presence },
    namespaces: [{ name: 'test', stream: 'TEST', anonymous: true, window: 100 }, ROOM],
  }, undefined, natsArgs);
}

/** JetStream API requests nats-server has served (its monitoring endpoint). */
async function apiCalls(port: number): Promise<number> {
  const jsz = await (await fetch(`http://127.0.0.1:${port}/jsz`)).json() as { api: { total: number } };
  return jsz.api.total;
}

t.test('presence list amplification: reads are shared and capped, the read budget refuses, good clients are served', async (t) => {
  const monitor = await freePort();
  const MAX_LISTED = 20;
  const f = await presenceFixture(t, { maxListed: MAX_LISTED, maxReads: 2, cacheMs: 300 }, ['-m', String(monitor)]);
  const done = await steadyClient(t, f);
  const crowd = await Promise.all(Array.from({ length: 30 }, () => f.client()));
  const joined = await Promise.all(crowd.map((c) => c.request({ subscribe: { channel: 'room:big' } })));
  t.ok(joined.every((r) => r.subscribe), 'thirty members subscribed');
  t.equal(f.gw.presence?.members, 30, 'and are tracked');
  const good = await f.client();
  await waitFor('the members stored', async () => members(await good.request({ presence: { channel: 'room:big' } })).length === MAX_LISTED, 10_000);
  t.pass(`a list holds at most maxListed (${MAX_LISTED}) entries`);

  const stats = f.gw.telemetry.stats;
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const apiBefore = await apiCalls(monitor);
  const readsBefore = stats.presenceReads;
  const started = Date.now();

  // Three attackers ask for the big channel's list at their message rate (100/s) for 3 s.
  const attackers = await Promise.all(Array.from({ length: 3 }, () => f.client()));
  let heapPeak = heapBefore;
  const attacking = attackers.map(async (c) => {
    for (let i = 0; i < 300; i++) {
      c.send({ id: 1_000 + i, presence: { channel: 'room:big' } });
      if (i % 10 === 9) {
        heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
        await sleep(100);
      }
    }
    await c.until('every reply', () => c.received.filter((m) => (m.id ?? 0) >= 1_000).length === 300, 30_000);
  });
  const mid = await good.request({ presence: { channel: 'room:big' } });
  t.equal(members(mid).length, MAX_LISTED, 'a good client\'s request is served during the attack');
  await Promise.all(attacking);
  const elapsed = Date.now() - started;
  const served = attackers.flatMap((c) => c.received).filter((m) => (m.id ?? 0) >= 1_000 && m.presence).length;
  const reads = stats.presenceReads - readsBefore;
  const api = (await apiCalls(monitor)) - apiBefore;
  const replies = attackers.flatMap((c) => c.received).filter((m) => (m.id ?? 0) >= 1_000);
  t.ok(replies.every((m) => m.presence || m.error?.code === ErrorCode.RateLimited), 'every request was answered with the list (or 1010 past the requests in flight)');
  t.ok(served >= 300, `${served} of 900 got the list`);
  t.ok(reads <= Math.ceil(elapsed / 300) + 3, `they were served by ${reads} KV reads in ${elapsed} ms (one per cacheMs at most)`);
  t.ok(api < 900, `nats-server served ${api} JetStream API requests for 900 lists (at least one each without sharing)`);
  t.ok(heapPeak - heapBefore < 100 * MiB, `heap growth bounded (${Math.round((heapPeak - heapBefore) / MiB)} MiB)`);

  // Many channels at once: past maxReads, 1024 (temporary); the good client retries and is served.
  const wide = attackers[0]!;
  const before = wide.received.length;
  wide.sendRaw(Buffer.from(joinFrames('proto', Array.from({ length: 40 }, (_, i) => encodeClient('proto', { id: 5_000 + i, presence: { channel: `room:c${i}` } })))));
  await wide.until('40 replies', () => wide.received.slice(before).filter((m) => (m.id ?? 0) >= 5_000).length === 40);
  const wideReplies = wide.received.slice(before).filter((m) => (m.id ?? 0) >= 5_000);
  const refused = wideReplies.filter((m) => m.error?.code === ErrorCode.Overloaded);
  t.ok(refused.length > 0 && refused.every((m) => m.error?.temporary), `past the read budget: 1024, temporary (${refused.length} of 40)`);
  t.ok(wideReplies.some((m) => m.presence), 'within it: served');
  t.ok(stats.presenceRefusals.reads >= refused.length, 'refusals are counted');
  const scrape = parsePrometheus(await (await fetch(`${f.control}/metrics`)).text());
  t.equal(scrape.get('jetgate_presence_refused_total{reason="reads"}'), stats.presenceRefusals.reads, 'in the metrics by reason');
  t.ok(scrape.get('jetgate_presence_reads_total{source="shared"}') > scrape.get('jetgate_presence_reads_total{source="kv"}'), 'most lists were shared reads');
  let again: ServerMessage | undefined;
  await waitFor('the good client served', async () => !!(again = await good.request({ presence: { channel: 'room:big' } })).presence, 10_000, 100);
  t.equal(members(again!).length, MAX_LISTED, 'the good client is served again');
  await done();
});

t.test('presence churn: the pushes others get are bounded by the batching, the list stays right', async (t) => {
  const INTERVAL = 250;
  const f = await presenceFixture(t, { eventIntervalMs: INTERVAL, perConnection: 4 });
  const done = await steadyClient(t, f);
  const others = await Promise.all(Array.from({ length: 10 }, () => f.client()));
  const subscribed = await Promise.all(others.map((c) => c.request({ subscribe: { channel: 'room:lobby' } })));
  t.ok(subscribed.every((r) => r.subscribe), 'ten subscribers of a presence channel');

  const churner = await f.client();
  const churnerId = idOf(churner);
  const started = Date.now();
  let pairs = 0;
  while (Date.now() - started < 4_000) {
    const s = await churner.request({ subscribe: { channel: 'room:lobby' } });
    const u = await churner.request({ unsubscribe: { channel: 'room:lobby' } });
    if (s.subscribe && u.unsubscribe) pairs++;
    await sleep(15);
  }
  const elapsed = Date.now() - started;
  t.ok(pairs >= 20, `the churner subscribed and unsubscribed ${pairs} times`);
  t.equal(churner.closeCode, undefined, 'within its message rate');

  // A newcomer's join goes out after the churner's last event (same node, same channel, in
  // order): once every other subscriber has it, they have everything about the churner.
  const newcomer = await f.client();
  t.ok((await newcomer.request({ subscribe: { channel: 'room:lobby' } })).subscribe, 'a newcomer subscribes');
  for (const c of others) await c.until('the newcomer\'s join', () => c.received.some((m) => m.join?.client?.clientId === idOf(newcomer)));
  t.pass('events that do not cancel out are sent');

  const aboutChurner = (c: RawClient) => c.received.filter((m) => (m.join ?? m.leave)?.client?.clientId === churnerId);
  const bound = Math.floor(elapsed / INTERVAL) + 2;
  const counts = others.map((c) => aboutChurner(c).length);
  t.ok(counts.every((n) => n <= bound), `each other subscriber got at most one event of the churner per batch (${Math.max(...counts)} ≤ ${bound}, for ${pairs * 2} subscribes and unsubscribes)`);
  t.ok(others.every((c) => aboutChurner(c).at(-1)?.leave ?? true), 'the last event about the churner, if any, says it left');
  const expected = [...others.map(idOf), idOf(newcomer)].sort();
  await waitFor('the list without the churner', async () => members(await others[0]!.request({ presence: { channel: 'room:lobby' } })).join() === expected.join(), 10_000, 100);
  t.same(members(await others[1]!.request({ presence: { channel: 'room:lobby' } })), expected, 'a presence request gives the right list');

  // Presence channels per connection: past perConnection, 1008.
  const greedy = await f.client();
  for (let i = 0; i < 4; i++) t.ok((await greedy.request({ subscribe: { channel: `room:g${i}` } })).subscribe, `presence channel ${i + 1} of 4`);
  const fifth = await greedy.request({ subscribe: { channel: 'room:g4' } });
  t.equal(fifth.error?.code, ErrorCode.TooManySubscriptions, 'a fifth presence channel on one connection: 1008');
  t.ok((await greedy.request({ subscribe: { channel: 'test:plain' } })).subscribe, 'a channel without presence is still fine');
  t.ok((await greedy.request({ unsubscribe: { channel: 'room:g0' } })).unsubscribe, 'leaves one');
  t.ok((await greedy.request({ subscribe: { channel: 'room:g4' } })).subscribe, 'after leaving one, another is fine');
  await done();
});

t.test('presence members per gateway: past maxMembers a presence subscribe is refused with 1024', async (t) => {
  const f = await presenceFixture(t, { maxMembers: 5 });
  const cs = await Promise.all(Array.from({ length: 6 }, () => f.client()));
  for (const c of cs.slice(0, 5)) t.ok((await c.request({ subscribe: { channel: 'room:full' } })).subscribe, 'a member within the budget');
  const sixth = await cs[5]!.request({ subscribe: { channel: 'room:full' } });
  t.equal(sixth.error?.code, ErrorCode.Overloaded, 'the sixth member: 1024');
  t.ok(sixth.error?.temporary, 'temporary');
  await cs[0]!.close();
  await waitFor('room again', () => (f.gw.presence?.members ?? 0) < 5);
  t.ok((await cs[5]!.request({ subscribe: { channel: 'room:full' } })).subscribe, 'once one left, the retry is served');
});
