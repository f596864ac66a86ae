import t from 'tap';
import { fixture } from '../helpers/fixture.js';
import { text } from '../helpers/publisher.js';

t.test('1,000 sequenced messages reach 3 clients complete and in order (binary and JSON)', async (t) => {
  const { pub, client } = await fixture(t);
  const clients = [await client('proto'), await client('proto'), await client('json')];
  for (const c of clients) {
    const r = await c.request({ subscribe: { channel: 'test:room' } });
    t.equal(r.subscribe?.channel, 'test:room', `${c.format} client subscribed`);
    t.equal(r.subscribe?.recovered, true);
  }
  const seqs = await pub.publishMany('test.room', 1000);
  for (const c of clients) {
    await c.until(`1000 publications on ${c.format}`, () => c.pubsOf('test:room').length >= 1000);
    const got = c.pubsOf('test:room');
    t.equal(got.length, 1000, `${c.format}: exactly 1000`);
    t.same(got.map((p) => p.seq), seqs, `${c.format}: every stream sequence, in order`);
    t.same(got.map((p) => text(p.data)), seqs.map((_, i) => `m${i}`), `${c.format}: payloads intact`);
  }
});
