/**
 * Issue 11, attacks 7, 9 and 10, each for a bounded time while a good client on another channel
 * keeps receiving in order: a pong flood (1010, then 4007; a rate-limited client answering pings
 * is not closed as NoPong), a shared anonymous idempotency key (each connection's own), and a log
 * flood from failing subscribes (at most limits.logs.linesPerCause lines per cause and interval).
 */
import { Writable } from 'node:stream';
import t from 'tap';
import { encodeClient, joinFrames } from '../../proto/codec.js';
import { CloseCode, ErrorCode } from '../../proto/codes.js';
import { Gateway } from '../../gateway/gateway.js';
import { SUPPRESSED_MSG, createLogger } from '../../gateway/log.js';
import { authConfig, AUD } from '../helpers/auth-setup.js';
import { fixture, type Fixture } from '../helpers/fixture.js';
import { testConfig } from '../helpers/gateway.js';
import { NatsServer } from '../helpers/nats-server.js';
import { sleep, waitFor } from '../helpers/ports.js';
import { Publisher } from '../helpers/publisher.js';
import { RawClient } from '../helpers/raw-client.js';
import { steadyClient } from '../helpers/steady-client.js';
import { makeKeys, sign } from '../helpers/tokens.js';

const frame = (n: number, make: (i: number) => Parameters<typeof encodeClient>[1]) =>
  Buffer.from(joinFrames('proto', Array.from({ length: n }, (_, i) => encodeClient('proto', make(i)))));
const errorsOf = (c: RawClient, code: number) => c.received.filter((m) => m.error?.code === code);

t.test('pong flood: refused with 1010, then closed with 4007; a rate-limited client that answers pings stays', async (t) => {
  const f = await fixture(t, { websocket: { maxMessagesPerSec: 50, messageBurst: 200, maxSubscriptions: 10, pingIntervalSec: 1, pongTimeoutSec: 1 } });
  const done = await steadyClient(t, f);
  const good = await f.client();

  const flood = await f.client();
  for (let i = 0; i < 8; i++) flood.sendRaw(frame(100, () => ({ pong: {} })));
  await flood.until('the pong flood closed', () => flood.closeCode !== undefined);
  t.equal(flood.closeCode, CloseCode.PolicyViolation, 'closed with 4007');
  t.equal(flood.received.find((m) => m.disconnect)?.disconnect?.code, CloseCode.PolicyViolation, 'after a Disconnect push');
  t.ok(errorsOf(flood, ErrorCode.RateLimited).length >= 199, 'each refused pong answered with 1010 first');
  t.ok((await good.request({ history: { channel: 'test:steady', limit: 1 } })).history, 'a good client\'s request is served');

  // Over its rate for a while (1.5×: refused, never closed by the rate limit) while pings come
  // every second with a second to answer. It answers each ping at the end of its next frame, when
  // its bucket is empty: the pong that answers our ping proves it alive all the same.
  const busy = await f.client();
  busy.autoPong = false;
  busy.sendRaw(frame(100, (i) => ({ id: 50_000 + i, ping: {} })));
  busy.sendRaw(frame(100, (i) => ({ id: 60_000 + i, ping: {} }))); // its whole burst at once
  let id = 100_000; // clear of the ids request() picks
  let answered = 0;
  const until = Date.now() + 4_000;
  while (Date.now() < until && busy.closeCode === undefined) {
    const pinged = busy.received.filter((m) => m.ping).length;
    const msgs = Array.from({ length: 15 }, () => encodeClient('proto', { id: id++, ping: {} }));
    if (pinged > answered) msgs.push(encodeClient('proto', { pong: {} }));
    answered = pinged;
    busy.sendRaw(Buffer.from(joinFrames('proto', msgs)));
    await sleep(200);
  }
  t.ok(errorsOf(busy, ErrorCode.RateLimited).length > 0, 'the busy client was rate limited');
  t.ok(busy.received.filter((m) => m.ping).length >= 2, 'and pinged meanwhile');
  t.equal(busy.closeCode, undefined, 'yet not closed (no 4004: its pongs were taken)');
  busy.autoPong = true;
  await sleep(1_100); // its bucket refills: served again
  t.ok((await busy.request({ ping: {} })).pong, 'and served again once it slows down');
  await done();
});

t.test('idempotency keys: anonymous ones are the connection\'s own; a token\'s are its user\'s', async (t) => {
  const keys = makeKeys();
  const auth = await authConfig(keys);
  const f = await fixture(t, {
    ...auth,
    namespaces: [
      { name: 'test', stream: 'TEST', anonymous: ['subscribe', 'history', 'publish'], publish: true, window: 100 },
      { name: 'private', stream: 'TEST', subject: 'test.private.{name}', publish: true, grants: { subscribe: ['private:>'], publish: ['private:>'] } },
    ],
  });
  const done = await steadyClient(t, f);
  const publish = (c: RawClient, channel: string, text: string) =>
    c.request({ publish: { channel, data: new TextEncoder().encode(text), idempotencyKey: 'shared-key' } });

  const victim = await f.client();
  const attacker = await f.client();
  const first = await publish(attacker, 'test:idem', 'attacker');
  const mine = await publish(victim, 'test:idem', 'victim');
  t.notOk(mine.publish?.duplicate, 'the victim\'s publish is not taken for the attacker\'s');
  t.ok(mine.publish!.seq! > first.publish!.seq!, 'it is stored, at its own seq');
  const retry = await publish(victim, 'test:idem', 'victim');
  t.same(retry.publish, { channel: 'test:idem', seq: mine.publish!.seq, duplicate: true }, 'the victim\'s own retry is stored once');
  const history = await victim.request({ history: { channel: 'test:idem', limit: 10 } });
  t.same(history.history?.publications?.map((p) => new TextDecoder().decode(p.data ?? new Uint8Array())), ['attacker', 'victim'], 'both payloads stored, once each');

  const ann = await f.client('proto', await sign(keys, 'HS256', { ...AUD, sub: 'ann' }));
  const annAgain = await f.client('proto', await sign(keys, 'HS256', { ...AUD, sub: 'ann' }));
  const bob = await f.client('proto', await sign(keys, 'HS256', { ...AUD, sub: 'bob' }));
  const a1 = await publish(ann, 'private:idem', 'ann');
  const a2 = await publish(annAgain, 'private:idem', 'ann');
  t.same(a2.publish, { channel: 'private:idem', seq: a1.publish!.seq, duplicate: true }, 'a user\'s retry on a new connection (a reconnect) is stored once');
  const b1 = await publish(bob, 'private:idem', 'bob');
  t.notOk(b1.publish?.duplicate, 'another user\'s same key is another publish');
  await done();
});

t.test('log flood: failing subscribes write at most linesPerCause lines per cause and interval, then say how many were dropped', async (t) => {
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => (lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)), cb()) });
  const perCause = 5;
  const intervalSec = 3;
  const config = testConfig(nats.url, {
    logLevel: 'info',
    limits: { logs: { linesPerCause: perCause, intervalSec } },
    streams: [{ name: 'TEST', subjects: ['test.>'] }, { name: 'DOOMED', subjects: ['doomed.>'] }],
    namespaces: [{ name: 'test', stream: 'TEST', anonymous: true, window: 100 }, { name: 'doomed', stream: 'DOOMED', subject: 'doomed.{name}', anonymous: true }],
  });
  const gw = await Gateway.start(config, createLogger(config.logLevel, config.nodeId, sink, config.limits.logs));
  t.teardown(() => gw.stop());
  const pub = await Publisher.connect(nats.url);
  t.teardown(() => pub.close());
  const url = `ws://127.0.0.1:${gw.port}/ws`;
  const f: Fixture = {
    nats, gw, url, pub, control: `http://127.0.0.1:${gw.controlPort}`,
    client: async (format = 'proto', token = '') => {
      const c = await RawClient.connect(url, format, token);
      t.teardown(() => c.close());
      return c;
    },
  };
  const done = await steadyClient(t, f);
  // Every rewind on the doomed namespace now fails reading JetStream: a gateway-side failure per subscribe.
  await (await pub.jsm()).streams.delete('DOOMED');

  const attackers = await Promise.all([1, 2, 3].map(() => f.client()));
  let n = 0;
  const until = Date.now() + 4_000;
  while (Date.now() < until) {
    for (const a of attackers) a.sendRaw(frame(15, () => ({ id: ++n, subscribe: { channel: `doomed:c${n}`, rewind: 5 } })));
    await sleep(200);
  }
  const failed = () => attackers.reduce((sum, a) => sum + a.received.filter((m) => m.error && m.error.code !== ErrorCode.RateLimited).length, 0);
  await waitFor('every subscribe answered', () => attackers.reduce((sum, a) => sum + a.received.filter((m) => m.id).length, 0) >= n, 30_000);
  t.ok(failed() > 100, `${failed()} subscribes failed`);
  for (const a of attackers) t.equal(a.closeCode, undefined, 'the attackers, within their rate, are still connected');

  const of = (msg: string) => lines.filter((l) => l.msg === msg);
  const suppressedOf = (cause: string) => of(SUPPRESSED_MSG).filter((l) => l.cause === cause).reduce((sum, l) => sum + (l.suppressed as number), 0);
  for (const cause of ['subscribe failed']) {
    // Every failure is either written or counted: wait for the last interval's report.
    await waitFor(`the report of "${cause}"`, () => of(cause).length + suppressedOf(cause) >= failed(), 30_000);
    const times = of(cause).map((l) => l.time as number);
    const intervals = Math.floor((Math.max(...times) - Math.min(...times)) / (intervalSec * 1000)) + 1;
    t.ok(of(cause).length <= perCause * intervals, `"${cause}": ${of(cause).length} lines written in ${intervals} interval(s), at most ${perCause} each`);
    t.equal(of(cause).length + suppressedOf(cause), failed(), `"${cause}": the rest (${suppressedOf(cause)}) reported as suppressed`);
  }
  t.ok(lines.filter((l) => (l.level as number) >= 40).length < 100, `${lines.length} lines in all, of ${failed()} failures`);
  await done();
});
