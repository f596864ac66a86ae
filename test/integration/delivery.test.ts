import t from 'tap';
import { NatsServer } from '../helpers/nats-server.js';
import { startGateway, testConfig } from '../helpers/gateway.js';
import { RawClient } from '../helpers/raw-client.js';
import { Publisher, text } from '../helpers/publisher.js';

t.test('1,000 sequenced messages reach 3 clients complete and in order (binary and JSON)', async (t) => {
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const gw = await startGateway(testConfig(nats.url));
  t.teardown(() => gw.stop());
  const url = `ws://127.0.0.1:${gw.port}/ws`;
  const clients = [await RawClient.connect(url, 'proto'), await RawClient.connect(url, 'proto'), await RawClient.connect(url, 'json')];
  t.teardown(() => Promise.all(clients.map((c) => c.close())));
  for (const c of clients) {
    const r = await c.request({ subscribe: { channel: 'test:room' } });
    t.equal(r.subscribe?.channel, 'test:room', `${c.format} client subscribed`);
    t.equal(r.subscribe?.recovered, true);
  }
  const pub = await Publisher.connect(nats.url);
  t.teardown(() => pub.close());
  const seqs = await pub.publishMany('test.room', 1000);
  for (const c of clients) {
    await c.until(`1000 publications on ${c.format}`, () => c.pubsOf('test:room').length >= 1000);
    const got = c.pubsOf('test:room');
    t.equal(got.length, 1000, `${c.format}: exactly 1000`);
    t.same(got.map((p) => p.seq), seqs, `${c.format}: every stream sequence, in order`);
    t.same(got.map((p) => text(p.data)), seqs.map((_, i) => `m${i}`), `${c.format}: payloads intact`);
  }
});
