import t from 'tap';
import { RecentWindow } from '../../gateway/hub/window.js';

const item = (seq: number) => ({ seq });

t.test('holds the last N and knows what it covers', async (t) => {
  const w = new RecentWindow(3, 10);
  t.ok(w.covers(11), 'empty window covers everything after the start');
  t.notOk(w.covers(10));
  for (const s of [12, 15, 16]) w.push(item(s));
  t.equal(w.size, 3);
  t.ok(w.covers(11));
  t.same(w.range(0, 100).map((i) => i.seq), [12, 15, 16]);
  w.push(item(20));
  t.same(w.range(0, 100).map((i) => i.seq), [15, 16, 20], 'oldest evicted');
  t.equal(w.coveredFrom, 13, 'covers from just after the evicted one');
  t.notOk(w.covers(12));
  t.same(w.range(16, 19).map((i) => i.seq), [16]);
  t.same(w.range(17, 30).map((i) => i.seq), [20]);
  t.same(w.last(2).map((i) => i.seq), [16, 20]);
  t.same(w.last(10).map((i) => i.seq), [15, 16, 20]);
});

t.test('a window of 0 holds nothing and covers only what is after the last pushed', async (t) => {
  const w = new RecentWindow(0, 0);
  w.push(item(5));
  t.equal(w.size, 0);
  t.ok(w.covers(6));
  t.notOk(w.covers(5));
  t.same(w.range(0, 10), []);
});

t.test('wraps around many times', async (t) => {
  const w = new RecentWindow(7, 0);
  for (let s = 1; s <= 1000; s++) w.push(item(s));
  t.same(w.range(0, 2000).map((i) => i.seq), [994, 995, 996, 997, 998, 999, 1000]);
  t.same(w.range(996, 997).map((i) => i.seq), [996, 997]);
});

t.test('memory follows use: empty at first, grows by doubling up to the capacity, shrinks as entries go', async (t) => {
  const w = new RecentWindow(1000, 0);
  t.equal(w.slots, 0, 'a new window allocates nothing');
  for (let s = 1; s <= 9; s++) w.push(item(s));
  t.equal(w.slots, 16, 'grown by doubling');
  for (let s = 10; s <= 3000; s++) w.push(item(s));
  t.equal(w.slots, 1000, 'never past the capacity');
  t.same(w.range(0, 5000).map((i) => i.seq), Array.from({ length: 1000 }, (_, i) => 2001 + i), 'still the last 1000, in order');
  for (let i = 0; i < 800; i++) w.dropOldest();
  t.ok(w.slots <= 500, `dropping entries gives slots back (${w.slots})`);
  t.same(w.range(0, 5000).map((i) => i.seq), Array.from({ length: 200 }, (_, i) => 2801 + i), 'the newest 200 kept, in order');
  t.equal(w.coveredFrom, 2801);
  w.clear();
  t.equal(w.slots, 0, 'cleared: nothing allocated');
  t.equal(w.size, 0);
  t.ok(w.covers(3001) && !w.covers(3000), 'covers only what comes after the last dropped');
});
