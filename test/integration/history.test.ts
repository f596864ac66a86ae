import t from 'tap';
import { fixture } from '../helpers/fixture.js';
import { text } from '../helpers/publisher.js';
import { ErrorCode } from '../../proto/codes.js';

t.test('history pages forward and backward; JSON clients get the same publications', async (t) => {
  const { pub, client } = await fixture(t, {
    namespaces: [{ name: 'test', stream: 'TEST', anonymous: true }, { name: 'private', stream: 'TEST', subject: 'test.private.{name}' }],
  });
  const seqs = await pub.publishMany('test.room', 25);
  await pub.publishMany('test.other', 5, 'o');
  const c = await client();

  const pages: number[][] = [];
  let from = 0;
  do {
    const r = await c.request({ history: { channel: 'test:room', fromSeq: from, limit: 10 } });
    t.ok(r.history, `page from ${from}`);
    pages.push((r.history!.publications ?? []).map((p) => p.seq!));
    from = r.history!.nextSeq ?? 0;
  } while (from);
  t.same(pages, [seqs.slice(0, 10), seqs.slice(10, 20), seqs.slice(20)], 'three pages, oldest first, only this channel');

  const back: number[][] = [];
  from = 0;
  do {
    const r = await c.request({ history: { channel: 'test:room', fromSeq: from, limit: 10, reverse: true } });
    back.push((r.history!.publications ?? []).map((p) => p.seq!));
    from = r.history!.nextSeq ?? 0;
  } while (from);
  t.same(back, [seqs.slice(15).reverse(), seqs.slice(5, 15).reverse(), seqs.slice(0, 5).reverse()], 'newest first, backwards');

  const j = await client('json');
  const r = await j.request({ history: { channel: 'test:room', limit: 2 } });
  t.same(r.history?.publications?.map((p) => [p.seq, text(p.data)]), [[seqs[0], 'm0'], [seqs[1], 'm1']], 'JSON client');
  t.equal(r.history?.position?.seq, seqs[seqs.length - 1]! + 5, 'the stream position');

  t.equal((await c.request({ history: { channel: 'private:x' } })).error?.code, ErrorCode.PermissionDenied, 'anonymous history needs the namespace to allow it');
  t.equal((await c.request({ history: { channel: 'test:a.b' } })).error?.code, ErrorCode.BadChannel);
  const empty = await c.request({ history: { channel: 'test:nothing' } });
  t.same(empty.history?.publications ?? [], [], 'an empty channel has an empty page');
});
