import t from 'tap';
import { PositionTracker, checkStartOptions } from '../../client/position.js';

t.test('live subscribe: resume from the subscribe position, then from each publication', async (t) => {
  const p = new PositionTracker({});
  t.equal(p.position, undefined, 'unknown before the reply');
  t.same(p.request('a'), { channel: 'a' }, 'first request is live');
  t.equal(p.subscribed({ recovered: true, position: { seq: 10, epoch: 'e1' } }), false, 'no since sent: not a recovery');
  t.same(p.position, { seq: 10, epoch: 'e1' });
  t.same(p.request('a'), { channel: 'a', since: { seq: 10, epoch: 'e1' } }, 'no publication yet: resume from the reply position');
  t.equal(p.subscribed({ recovered: true, position: { seq: 10, epoch: 'e1' } }), true);
  t.ok(p.accept(11));
  t.ok(p.accept(14), 'gaps are fine (a channel is a subset of the stream)');
  t.same(p.request('a'), { channel: 'a', since: { seq: 14, epoch: 'e1' } });
});

t.test('dedup drops old and repeated seqs', async (t) => {
  const p = new PositionTracker({});
  p.request('a');
  p.subscribed({ position: { seq: 5, epoch: 'e' } });
  t.notOk(p.accept(5), 'at the subscribe position: already had');
  t.notOk(p.accept(3));
  t.ok(p.accept(6));
  t.notOk(p.accept(6), 'duplicate');
  t.notOk(p.accept(4), 'older');
  t.ok(p.accept(7));
  t.same(p.position, { seq: 7, epoch: 'e' });
});

t.test('resume honoured: replay continues after the last publication, not the reply position', async (t) => {
  const p = new PositionTracker({});
  p.request('a');
  p.subscribed({ position: { seq: 100, epoch: 'e' } });
  p.accept(101);
  p.accept(102);
  t.same(p.request('a').since, { seq: 102, epoch: 'e' });
  t.equal(p.subscribed({ recovered: true, position: { seq: 150, epoch: 'e' } }), true);
  t.same(p.position, { seq: 102, epoch: 'e' }, 'the replay 103..150 is still to come');
  t.ok(p.accept(103), 'replayed publications are not dropped as old');
});

t.test('resume refused: continue live from the reply position, in the new epoch', async (t) => {
  const p = new PositionTracker({ since: { seq: 500, epoch: 'old' } });
  t.same(p.position, { seq: 500, epoch: 'old' }, 'app-given since is the starting position');
  t.same(p.request('a'), { channel: 'a', since: { seq: 500, epoch: 'old' } });
  t.equal(p.subscribed({ recovered: false, position: { seq: 7, epoch: 'new' } }), false);
  t.same(p.position, { seq: 7, epoch: 'new' });
  t.ok(p.accept(8), 'a lower seq in the new epoch is accepted');
  t.notOk(p.accept(7));
});

t.test('replay options: asked again until a publication arrives, then resume', async (t) => {
  const p = new PositionTracker({ rewind: 5 });
  t.same(p.request('a'), { channel: 'a', rewind: 5 });
  t.equal(p.subscribed({ recovered: true, position: { seq: 50, epoch: 'e' } }), false);
  t.equal(p.position, undefined, 'nothing delivered yet');
  t.same(p.request('a'), { channel: 'a', rewind: 5 }, 'resubscribe repeats the replay');
  p.subscribed({ recovered: true, position: { seq: 52, epoch: 'e' } });
  t.ok(p.accept(46), 'replayed seqs below the reply position are delivered');
  t.same(p.request('a'), { channel: 'a', since: { seq: 46, epoch: 'e' } }, 'then resume mid-replay');
  t.same(new PositionTracker({ sinceTime: 1234 }).request('b'), { channel: 'b', sinceTime: 1234 });
  t.same(new PositionTracker({ latest: true }).request('c'), { channel: 'c', latest: true });
});

t.test('restart forgets the position (stream recreated)', async (t) => {
  const p = new PositionTracker({ since: { seq: 9, epoch: 'e' } });
  p.request('a');
  p.subscribed({ recovered: true, position: { seq: 20, epoch: 'e' } });
  p.accept(15);
  p.restart();
  t.equal(p.position, undefined);
  t.same(p.request('a'), { channel: 'a' }, 'no since, and not the app since either');
  t.equal(p.subscribed({ recovered: true, position: { seq: 3, epoch: 'e2' } }), false);
  t.ok(p.accept(4), 'new stream: low seqs are new');
});

t.test('at most one start option', async (t) => {
  t.throws(() => checkStartOptions({ rewind: 3, latest: true }), TypeError);
  t.throws(() => checkStartOptions({ since: { seq: 1, epoch: '' }, sinceTime: 5 }), TypeError);
  t.doesNotThrow(() => checkStartOptions({ rewind: 3 }));
  t.doesNotThrow(() => checkStartOptions({}));
});
