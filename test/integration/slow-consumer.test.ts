import t from 'tap';
import { fixture } from '../helpers/fixture.js';
import { publishBurst } from '../helpers/publisher.js';
import { CloseCode } from '../../proto/codes.js';
import { waitFor } from '../helpers/ports.js';

t.test('a client that does not read is closed at its buffer bound; others keep flowing; it resumes with every message', async (t) => {
  const { gw, pub, client } = await fixture(t, { websocket: { maxBufferBytes: 512 * 1024, replayHighWaterBytes: 64 * 1024 } });
  const fast = [await client(), await client('json')];
  const slow = await client();
  for (const c of [...fast, slow]) await c.request({ subscribe: { channel: 'test:room' } });
  const epoch = gw.streams.epoch('TEST');
  slow.pause();

  const seqs = await publishBurst(pub, 'test.room', 20_000, 1024);
  // The gateway drops it on its side; the client reads again and finds the close frame after its data.
  await waitFor('the gateway to close the slow client', () => gw.server.connections === 2, 30_000);
  slow.resume();
  await slow.until('slow client closed', () => slow.closeCode !== undefined, 30_000);
  for (const c of fast) {
    await c.until(`fast ${c.format} client has all`, () => c.pubsOf('test:room').length >= seqs.length, 60_000);
    t.same(c.pubsOf('test:room').map((p) => p.seq), seqs, `fast ${c.format} client: complete, in order`);
  }
  t.equal(slow.closeCode, CloseCode.SlowConsumer, 'closed with 4008 (slow consumer)');
  const got = slow.pubsOf('test:room');
  t.ok(got.length < seqs.length, `the slow client got ${got.length} before the close`);
  t.same(got.map((p) => p.seq), seqs.slice(0, got.length), 'what it got is a gap-free prefix');

  const again = await client();
  const last = got.length ? got[got.length - 1]!.seq : 0;
  const r = await again.request({ subscribe: { channel: 'test:room', since: { seq: last, epoch } } });
  t.equal(r.subscribe?.recovered, true);
  await again.until('the rest', () => again.pubsOf('test:room').length >= seqs.length - got.length, 60_000);
  t.same([...got, ...again.pubsOf('test:room')].map((p) => p.seq), seqs, 'after resuming it has every message exactly once');
});
