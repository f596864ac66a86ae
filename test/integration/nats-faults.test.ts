import t from 'tap';
import { fixture } from '../helpers/fixture.js';
import { LossyProxy } from '../helpers/lossy-proxy.js';
import { sleep } from '../helpers/ports.js';

t.test('the gateway loses NATS for a while: clients stay connected and get everything published meanwhile', async (t) => {
  let proxy!: LossyProxy;
  const { pub, client } = await fixture(t, { nats: { reconnectWaitMs: 100 } }, async (nats) => {
    proxy = await LossyProxy.start(nats.port);
    t.teardown(() => proxy.close());
    return proxy.url;
  });
  const c = await client('json');
  await c.request({ subscribe: { channel: 'test:room' } });

  const before = await pub.publishMany('test.room', 10, 'a');
  await c.until('before', () => c.pubsOf('test:room').length >= 10);
  proxy.refuse();
  const during = await pub.publishMany('test.room', 200, 'b');
  await sleep(500);
  proxy.open();
  const after = await pub.publishMany('test.room', 10, 'c');
  await c.until('all 220', () => c.pubsOf('test:room').length >= 220, 20_000);
  t.equal(c.closeCode, undefined, 'the client was not disconnected');
  t.same(c.pubsOf('test:room').map((p) => p.seq), [...before, ...during, ...after], 'complete and in order');
});

t.test('nats-server restarts (file storage): history intact, live flow resumes, resumes work', async (t) => {
  const { nats, pub, client } = await fixture(t, { nats: { reconnectWaitMs: 100 } });
  const c = await client();
  await c.request({ subscribe: { channel: 'test:room' } });
  const before = await pub.publishMany('test.room', 50);
  await c.until('50', () => c.pubsOf('test:room').length >= 50);
  await nats.restart('SIGKILL');
  const after = await pub.publishMany('test.room', 50, 'n');
  await c.until('100', () => c.pubsOf('test:room').length >= 100, 20_000);
  t.same(c.pubsOf('test:room').map((p) => p.seq), [...before, ...after], 'live flow continues across the restart');
  const late = await client();
  await late.request({ subscribe: { channel: 'test:room', since: { seq: 0, epoch: '' } } });
  await late.until('history', () => late.pubsOf('test:room').length >= 100);
  t.same(late.pubsOf('test:room').map((p) => p.seq), [...before, ...after], 'history survived the restart');
});
