import t from 'tap';
import { headers } from '@nats-io/nats-core';
import { fixture } from '../helpers/fixture.js';
import { LossyProxy, sequenceOf } from '../helpers/lossy-proxy.js';

t.test('live messages lost between NATS and the gateway are detected and filled from JetStream', async (t) => {
  let proxy!: LossyProxy;
  const { pub, client } = await fixture(t, {}, async (nats) => {
    proxy = await LossyProxy.start(nats.port);
    t.teardown(() => proxy.close());
    return proxy.url;
  });
  const lost = new Set([5, 6, 7, 20, 30]);
  proxy.drop = (subject, h) => subject.startsWith('_jg.live.') && lost.has(sequenceOf(h));
  const c = await client();
  await c.request({ subscribe: { channel: 'test:room' } });
  const seqs = await pub.publishMany('test.room', 31);
  // 30 is the last one lost: only the next message reveals it.
  const after = await pub.publishMany('test.room', 1, 'after');
  await c.until('all 32', () => c.pubsOf('test:room').length >= 32);
  t.equal(proxy.dropped, lost.size, 'the proxy dropped the chosen live messages');
  t.same(c.pubsOf('test:room').map((p) => p.seq), [...seqs, ...after], 'complete and in order anyway');
});

t.test('a message published straight to the live subject is dropped and does not stall the channel', async (t) => {
  const { pub, client } = await fixture(t);
  const c = await client();
  await c.request({ subscribe: { channel: 'test:room' } });
  const first = await pub.publishMany('test.room', 3);
  await c.until('3', () => c.pubsOf('test:room').length >= 3);
  const h = headers();
  h.set('Nats-Stream', 'TEST');
  h.set('Nats-Subject', 'test.room');
  h.set('Nats-Sequence', '50');
  h.set('Nats-Last-Sequence', '49');
  pub.nc.publish('_jg.live.test.room', new TextEncoder().encode('forged'), { headers: h });
  await pub.nc.flush();
  const more = await pub.publishMany('test.room', 5, 'n');
  await c.until('8', () => c.pubsOf('test:room').length >= 8);
  t.same(c.pubsOf('test:room').map((p) => p.seq), [...first, ...more], 'the forged message never reached the client');
});

t.test('a lost last message is delivered after a quiet spell, without waiting for the next one', async (t) => {
  let proxy!: LossyProxy;
  const { pub, client } = await fixture(t, { tailCheckSec: 1 }, async (nats) => {
    proxy = await LossyProxy.start(nats.port);
    t.teardown(() => proxy.close());
    return proxy.url;
  });
  proxy.drop = (subject, h) => subject.startsWith('_jg.live.') && sequenceOf(h) === 5;
  const c = await client();
  await c.request({ subscribe: { channel: 'test:room' } });
  const seqs = await pub.publishMany('test.room', 5);
  await c.until('the lost last one too', () => c.pubsOf('test:room').length >= 5, 10_000);
  t.equal(proxy.dropped, 1);
  t.same(c.pubsOf('test:room').map((p) => p.seq), seqs);
});
