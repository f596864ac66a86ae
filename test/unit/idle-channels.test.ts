import t from 'tap';
import { IdleQueue } from '../../gateway/hub/idle.js';

t.test('idle items: oldest idle first, expiry in order, reuse moves to the back', async (t) => {
  const q = new IdleQueue<string>();
  t.equal(q.oldest(), undefined);
  q.add('a', 1_000);
  q.add('b', 2_000);
  q.add('c', 3_000);
  t.equal(q.oldest(), 'a', 'the one idle longest');
  q.add('a', 4_000);
  t.equal(q.oldest(), 'b', 'idle again: it moves to the back');
  t.ok(q.delete('b'));
  t.notOk(q.delete('b'), 'in use again: gone from the queue');
  t.equal(q.oldest(), 'c');
  t.same(q.takeExpired(5_500, 2_500), ['c'], 'only what has been idle long enough');
  t.same(q.takeExpired(6_500, 2_000), ['a']);
  t.equal(q.size, 0);
  t.same(q.takeExpired(9_000, 0), []);
});
