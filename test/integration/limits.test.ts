import t, { type Test } from 'tap';
import { encodeClient, joinFrames } from '../../proto/codec.js';
import { CloseCode, ErrorCode } from '../../proto/codes.js';
import { fixture, type Fixture } from '../helpers/fixture.js';
import { sleep } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';
import { steadyClient } from '../helpers/steady-client.js';

const pings = (n: number, firstId: number) => Buffer.from(joinFrames('proto', Array.from({ length: n }, (_, i) => encodeClient('proto', { id: firstId + i, ping: {} }))));

t.test('per-connection limits, each tripped with its documented result, while a good client keeps receiving', async (t) => {
  const f = await fixture(t, {
    websocket: {
      maxMessagesPerSec: 50, messageBurst: 200, maxSubscriptions: 3, maxPendingRequests: 4, maxChannelLength: 32, maxFrameBytes: 1024,
      handshakeTimeoutMs: 300, pingIntervalSec: 1, pongTimeoutSec: 1, allowedOrigins: ['https://app.example.com'],
    },
  });
  const { url, client } = f;
  const done = await steadyClient(t, f);
  const errorsOf = (c: RawClient, code: number) => c.received.filter((m) => m.error?.code === code);

  // Message rate: past the burst each message is refused with 1010 (temporary); slowing down works.
  const polite = await client();
  polite.sendRaw(pings(100, 1000));
  polite.sendRaw(pings(100, 1100));
  polite.sendRaw(pings(50, 1200));
  await polite.until('10 refusals', () => errorsOf(polite, ErrorCode.RateLimited).length >= 10);
  t.ok(errorsOf(polite, ErrorCode.RateLimited).every((m) => m.error?.temporary), 'RateLimited is temporary');
  t.ok(polite.received.filter((m) => m.pong).length >= 199, 'the burst was served');
  await sleep(100);
  t.ok((await polite.request({ ping: {} })).pong, 'after a pause the client is served again');

  // A flood: a burst's worth of refusals closes the connection with 4007.
  const flood = await client();
  for (let i = 0; i < 8; i++) flood.sendRaw(pings(100, 1 + i * 100));
  await flood.until('closed', () => flood.closeCode !== undefined);
  t.equal(flood.closeCode, CloseCode.PolicyViolation, 'flood closed with 4007');
  t.equal(flood.received.find((m) => m.disconnect)?.disconnect?.code, CloseCode.PolicyViolation, 'after a Disconnect push');
  t.ok(errorsOf(flood, ErrorCode.RateLimited).length >= 199, 'each refused message was answered with 1010 first');

  // Garbage counts too: malformed frames cannot flood past the limit.
  const garbage = await client();
  for (let i = 0; i < 800; i++) garbage.sendRaw(Buffer.from([0xff, 0xff]));
  await garbage.until('closed', () => garbage.closeCode !== undefined);
  t.equal(garbage.closeCode, CloseCode.PolicyViolation, 'a flood of malformed frames is closed with 4007 too');

  // Requests awaiting replies: past maxPendingRequests, 1010 until replies come back.
  const eager = await client();
  eager.sendRaw(Buffer.from(joinFrames('proto', Array.from({ length: 10 }, (_, i) => encodeClient('proto', { id: 500 + i, history: { channel: 'test:steady', limit: 1 } })))));
  await eager.until('10 replies', () => eager.received.filter((m) => m.id && m.id >= 500).length >= 10);
  const replies = eager.received.filter((m) => m.id && m.id >= 500);
  t.equal(replies.filter((m) => m.history).length, 4, 'four served at once');
  t.ok(replies.filter((m) => m.error).every((m) => m.error?.code === ErrorCode.RateLimited && /in flight/.test(m.error.message ?? '')), 'the rest: 1010, requests in flight');
  t.ok((await eager.request({ history: { channel: 'test:steady', limit: 1 } })).history, 'served again once the replies are back');

  // Subscriptions per connection: 1008.
  const subs = await client();
  for (const ch of ['test:a', 'test:b', 'test:c']) t.ok((await subs.request({ subscribe: { channel: ch } })).subscribe);
  t.equal((await subs.request({ subscribe: { channel: 'test:d' } })).error?.code, ErrorCode.TooManySubscriptions, 'the 4th subscription: 1008');
  t.ok((await subs.request({ unsubscribe: { channel: 'test:a' } })).unsubscribe);
  t.ok((await subs.request({ subscribe: { channel: 'test:d' } })).subscribe, 'room again after an unsubscribe');

  // Channel name length: 1004.
  t.equal((await subs.request({ subscribe: { channel: 'test:' + 'x'.repeat(28) } })).error?.code, ErrorCode.BadChannel, '33 characters: 1004');

  // Frame size: uWS drops the connection (1009, or 1006 when the close frame is lost).
  const big = await client();
  big.sendRaw(Buffer.alloc(2048, 1));
  await big.until('closed', () => big.closeCode !== undefined);
  t.ok(big.closeCode === 1009 || big.closeCode === 1006, `oversized frame: closed (${big.closeCode})`);

  // Handshake timeout: 4001.
  const mute = await RawClient.open(url);
  t.teardown(() => mute.close());
  await mute.until('closed', () => mute.closeCode !== undefined, 3_000);
  t.equal(mute.closeCode, CloseCode.HandshakeTimeout, 'no connect in time: 4001');

  // Pings unanswered: 4004.
  const deaf = await client();
  deaf.autoPong = false;
  await deaf.until('closed', () => deaf.closeCode !== undefined, 6_000);
  t.equal(deaf.closeCode, CloseCode.NoPong, 'pings unanswered: 4004');

  // Origins: 403 for a page elsewhere; the allowed origin and non-browser clients pass.
  await t.rejects(RawClient.open(url, 'proto', undefined, { origin: 'https://evil.example.net' }), /403/, 'foreign origin: HTTP 403');
  const page = await RawClient.open(url, 'proto', undefined, { origin: 'https://app.example.com' });
  t.teardown(() => page.close());
  t.ok((await page.request({ connect: {} })).connect, 'allowed origin connects');

  await done();
});

t.test('connections per address: more are closed with 4010; a freed slot is reused', async (t) => {
  const f = await fixture(t, { websocket: { maxConnectionsPerIp: 3 } });
  const done = await steadyClient(t, f); // one of the three
  const second = await f.client();
  const third = await f.client();
  const fourth = await RawClient.open(f.url);
  t.teardown(() => fourth.close());
  await fourth.until('closed', () => fourth.closeCode !== undefined);
  t.equal(fourth.closeCode, CloseCode.TooManyConnections, 'the 4th from 127.0.0.1: 4010');
  await third.close();
  await sleep(100);
  const again = await f.client();
  t.ok(again, 'a closed connection frees its slot');
  t.equal(second.closeCode, undefined);
  await done();
});
