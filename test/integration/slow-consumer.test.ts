import t from 'tap';
import { NatsServer } from '../helpers/nats-server.js';
import { GatewayProcess, testConfig } from '../helpers/gateway.js';
import { RawClient } from '../helpers/raw-client.js';
import { Publisher, publishBurst } from '../helpers/publisher.js';
import { CloseCode } from '../../proto/codes.js';
import { waitFor } from '../helpers/ports.js';

t.test('a client that does not read is closed at its buffer bound; others keep flowing; it resumes with every message', async (t) => {
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  // Its own process, so the gateway is not starved by this test's clients on a busy machine.
  const gw = await GatewayProcess.start(testConfig(nats.url, { logLevel: 'info', websocket: { maxBufferBytes: 2 * 1024 * 1024, replayHighWaterBytes: 64 * 1024 } }));
  t.teardown(() => gw.stop());
  const fast = [await RawClient.connect(gw.url), await RawClient.connect(gw.url, 'json')];
  const slow = await RawClient.connect(gw.url);
  t.teardown(() => Promise.all([...fast, slow].map((c) => c.close())));
  let epoch = '';
  for (const c of [...fast, slow]) epoch = (await c.request({ subscribe: { channel: 'test:room' } })).subscribe!.position!.epoch!;
  slow.pause();

  const pub = await Publisher.connect(nats.url);
  t.teardown(() => pub.close());
  // 32 MB at 8 MB/s: a pace a reading client keeps up with, and well past what the kernel's socket
  // buffers absorb for the one that does not read.
  const seqs = await publishBurst(pub, 'test.room', 4_000, 8 * 1024, 1_000);
  for (const c of fast) {
    await c.until(`fast ${c.format} client has all`, () => c.pubsOf('test:room').length >= seqs.length, 120_000);
    t.same(c.pubsOf('test:room').map((p) => p.seq), seqs, `fast ${c.format} client: complete, in order`);
    t.equal(c.closeCode, undefined, `fast ${c.format} client still connected`);
  }
  // The gateway dropped it on its side; reading again, it finds its data, then the close frame.
  await waitFor('the gateway to close the slow client', () => /"code":4008/.test(gw.output), 30_000);
  slow.resume();
  await slow.until('slow client closed', () => slow.closeCode !== undefined, 60_000);
  t.equal(slow.closeCode, CloseCode.SlowConsumer, 'closed with 4008 (slow consumer)');
  const got = slow.pubsOf('test:room');
  t.ok(got.length < seqs.length, `the slow client got ${got.length} of ${seqs.length} before the close`);
  t.same(got.map((p) => p.seq), seqs.slice(0, got.length), 'what it got is a gap-free prefix');

  const again = await RawClient.connect(gw.url);
  t.teardown(() => again.close());
  const last = got.length ? got[got.length - 1]!.seq : 0;
  const r = await again.request({ subscribe: { channel: 'test:room', since: { seq: last, epoch } } });
  t.equal(r.subscribe?.recovered, true);
  await again.until('the rest', () => again.pubsOf('test:room').length >= seqs.length - got.length, 120_000);
  t.same([...got, ...again.pubsOf('test:room')].map((p) => p.seq), seqs, 'after resuming it has every message exactly once');
});
