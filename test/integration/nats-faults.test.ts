import t from 'tap';
import { fixture } from '../helpers/fixture.js';
import { LossyProxy } from '../helpers/lossy-proxy.js';
import { sleep, waitFor } from '../helpers/ports.js';

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

t.test('nats-server restarts (file storage): readiness follows, history intact, live flow resumes, resumes work', async (t) => {
  const { nats, gw, pub, client } = await fixture(t, { nats: { reconnectWaitMs: 100 } });
  const c = await client();
  await c.request({ subscribe: { channel: 'test:room' } });
  const gone = await client();
  const r = await gone.request({ subscribe: { channel: 'test:room' } });
  const before = await pub.publishMany('test.room', 50);
  await c.until('50', () => c.pubsOf('test:room').length >= 50);
  await gone.until('50', () => gone.pubsOf('test:room').length >= 50);
  t.same(gw.ready(), { ready: true, nats: true, streams: true, listening: true, draining: false }, 'ready');

  await nats.stop('SIGKILL');
  await waitFor('readiness to show NATS down', () => !gw.ready().nats);
  t.equal(gw.ready().ready, false, 'not ready while NATS is down');
  // A client leaves while NATS is down; it comes back later with its position.
  const position = { seq: before[before.length - 1]!, epoch: r.subscribe!.position!.epoch! };
  await gone.close();
  await sleep(300);
  t.equal(c.closeCode, undefined, 'connected clients stay connected');
  await nats.run();
  await waitFor('ready again', () => gw.ready().ready, 15_000);

  const after = await pub.publishMany('test.room', 50, 'n');
  await c.until('100', () => c.pubsOf('test:room').length >= 100, 20_000);
  t.same(c.pubsOf('test:room').map((p) => p.seq), [...before, ...after], 'live flow continues across the restart');
  const back = await client();
  const resumed = await back.request({ subscribe: { channel: 'test:room', since: position } });
  t.equal(resumed.subscribe?.recovered, true, 'a resume from before the restart is honoured');
  await back.until('the missed ones', () => back.pubsOf('test:room').length >= 50);
  t.same(back.pubsOf('test:room').map((p) => p.seq), after, 'the resumed client gets exactly what it missed');
  const late = await client();
  await late.request({ subscribe: { channel: 'test:room', since: { seq: 0, epoch: '' } } });
  await late.until('history', () => late.pubsOf('test:room').length >= 100);
  t.same(late.pubsOf('test:room').map((p) => p.seq), [...before, ...after], 'history survived the restart');
});
