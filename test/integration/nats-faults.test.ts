import t from 'tap';
import { NatsServer } from '../helpers/nats-server.js';
import { startGateway, testConfig } from '../helpers/gateway.js';
import { RawClient } from '../helpers/raw-client.js';
import { Publisher } from '../helpers/publisher.js';
import { LossyProxy } from '../helpers/lossy-proxy.js';
import { sleep } from '../helpers/ports.js';

t.test('the gateway loses NATS for a while: clients stay connected and get everything published meanwhile', async (t) => {
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const proxy = await LossyProxy.start(nats.port);
  t.teardown(() => proxy.close());
  const gw = await startGateway(testConfig(proxy.url, { nats: { reconnectWaitMs: 100 } }));
  t.teardown(() => gw.stop());
  const c = await RawClient.connect(`ws://127.0.0.1:${gw.port}/ws`, 'json');
  t.teardown(() => c.close());
  await c.request({ subscribe: { channel: 'test:room' } });
  const pub = await Publisher.connect(nats.url);
  t.teardown(() => pub.close());

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
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const gw = await startGateway(testConfig(nats.url, { nats: { reconnectWaitMs: 100 } }));
  t.teardown(() => gw.stop());
  const url = `ws://127.0.0.1:${gw.port}/ws`;
  const c = await RawClient.connect(url);
  t.teardown(() => c.close());
  await c.request({ subscribe: { channel: 'test:room' } });
  const pub = await Publisher.connect(nats.url);
  t.teardown(() => pub.close());
  const before = await pub.publishMany('test.room', 50);
  await c.until('50', () => c.pubsOf('test:room').length >= 50);
  await nats.restart('SIGKILL');
  const after = await pub.publishMany('test.room', 50, 'n');
  await c.until('100', () => c.pubsOf('test:room').length >= 100, 20_000);
  t.same(c.pubsOf('test:room').map((p) => p.seq), [...before, ...after], 'live flow continues across the restart');
  const late = await RawClient.connect(url);
  t.teardown(() => late.close());
  await late.request({ subscribe: { channel: 'test:room', since: { seq: 0, epoch: '' } } });
  await late.until('history', () => late.pubsOf('test:room').length >= 100);
  t.same(late.pubsOf('test:room').map((p) => p.seq), [...before, ...after], 'history survived the restart');
});
