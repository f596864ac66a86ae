import t from 'tap';
import { fixture } from '../helpers/fixture.js';
import { RawClient } from '../helpers/raw-client.js';
import { ErrorCode } from '../../proto/codes.js';

t.test('malformed frames, unknown messages and bad channel names get coded errors; nothing crashes', async (t) => {
  const { url, pub, client } = await fixture(t, { websocket: { maxFrameBytes: 32 * 1024 } });
  // A well-behaved client on the same gateway keeps receiving throughout.
  const good = await client();
  await good.request({ subscribe: { channel: 'test:room' } });

  const errorsOf = (c: RawClient) => c.received.filter((m) => m.error).map((m) => m.error!.code);

  const bin = await RawClient.open(url, 'proto');
  t.teardown(() => bin.close());
  const before = await bin.request({ subscribe: { channel: 'test:room' } });
  t.equal(before.error?.code, ErrorCode.NotConnected, 'requests before connect are refused');
  await bin.request({ connect: {} });
  bin.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
  bin.sendRaw(Buffer.from([5, 1, 2]));
  bin.sendRaw(Buffer.from('not protobuf at all'));
  await bin.until('3 malformed-frame errors', () => errorsOf(bin).filter((c) => c === ErrorCode.BadRequest).length >= 3);
  const unknown = await bin.request({});
  t.equal(unknown.error?.code, ErrorCode.UnknownMessage, 'an envelope without a known body');
  const again = await bin.request({ connect: {} });
  t.equal(again.error?.code, ErrorCode.AlreadyConnected);

  for (const channel of ['test:a.>', '*', 'test:*', 'test:a b', 'test:a\nb', 'test:ａ', 'test:a/../b', 'test:', ':x', 'test:a.b', 'nope:x', 'test:' + 'x'.repeat(10 * 1024), '']) {
    const r = await bin.request({ subscribe: { channel } });
    const expected = channel === 'nope:x' ? ErrorCode.UnknownNamespace : ErrorCode.BadChannel;
    t.equal(r.error?.code, expected, `channel ${JSON.stringify(channel.slice(0, 20))} refused with ${expected}`);
  }
  const dup = await bin.request({ subscribe: { channel: 'test:ok' } });
  t.ok(dup.subscribe, 'a valid channel still works');
  t.equal((await bin.request({ subscribe: { channel: 'test:ok' } })).error?.code, ErrorCode.AlreadySubscribed);
  t.equal((await bin.request({ unsubscribe: { channel: 'test:never' } })).error?.code, ErrorCode.NotSubscribed);
  t.equal((await bin.request({ subscribe: { channel: 'test:x', rewind: 5, latest: true } })).error?.code, ErrorCode.BadRequest, 'conflicting options');
  for (const sinceTime of [9e15, Number.MAX_SAFE_INTEGER]) {
    const r = await bin.request({ subscribe: { channel: 'test:late', sinceTime } });
    t.equal(r.error?.code, ErrorCode.BadRequest, `sinceTime ${sinceTime}, past any date, is refused before anything is read`);
  }

  const json = await client('json');
  json.sendRaw('{');
  json.sendRaw('[1,2,3]');
  json.sendRaw('{"subscribe": 5}');
  json.sendRaw('{"id":9,"subscribe":{"channel":"test:x","since":{"seq":"abc"}}}');
  json.sendRaw('['.repeat(5000));
  json.sendRaw(Buffer.from([0xc3, 0x28])); // invalid UTF-8, as a binary frame on the JSON subprotocol
  await json.until('6 errors', () => errorsOf(json).length >= 6);
  t.ok(errorsOf(json).every((c) => c === ErrorCode.BadRequest), 'all BadRequest');

  const big = await client();
  big.sendRaw(Buffer.alloc(64 * 1024, 1));
  await big.until('closed', () => big.closeCode !== undefined);
  // uWS refuses it before the gateway sees it: 1009 (message too big) or a dropped connection.
  t.ok(big.closeCode === 1009 || big.closeCode === 1006, `oversized frame closes the connection (${big.closeCode})`);

  await t.rejects(RawClient.open(url, 'proto', ['chat']), /400/, 'an upgrade without our subprotocol is refused');

  const seqs = await pub.publishMany('test.room', 20);
  await good.until('20', () => good.pubsOf('test:room').length >= 20);
  t.same(good.pubsOf('test:room').map((p) => p.seq), seqs, 'the good client kept receiving in order');
});
