import t from 'tap';
import { WindowBudget } from '../../gateway/hub/window-budget.js';
import { RecentWindow } from '../../gateway/hub/window.js';

const pub = (seq: number, bytes = 100) => ({ seq, bytes });

t.test('windows charge and release the bytes they hold', async (t) => {
  const budget = new WindowBudget(10_000);
  const a = new RecentWindow(3, 0, budget);
  const b = new RecentWindow(10, 0, budget);
  for (let s = 1; s <= 5; s++) a.push(pub(s));
  t.equal(a.bytes, 300, 'capacity evictions are released');
  b.push(pub(1, 50));
  t.equal(budget.bytes, 350);
  t.equal(budget.windows, 2);
  a.clear();
  t.equal(budget.bytes, 50, 'a cleared window gives its bytes back');
  t.equal(budget.windows, 1, 'and is no longer tracked');
  b.clear();
  t.equal(budget.bytes, 0);
  t.equal(budget.windows, 0);
});

t.test('past the budget, the windows written to least recently give up their oldest entries first', async (t) => {
  const budget = new WindowBudget(1_000);
  const quiet = new RecentWindow(100, 0, budget);
  const busy = new RecentWindow(100, 0, budget);
  for (let s = 1; s <= 4; s++) quiet.push(pub(s));
  for (let s = 1; s <= 6; s++) busy.push(pub(s));
  t.equal(budget.bytes, 1_000, 'at the budget: nothing dropped');
  busy.push(pub(7));
  t.equal(budget.bytes, 1_000, 'one over: one entry dropped');
  t.same(quiet.range(0, 99).map((p) => p.seq), [2, 3, 4], 'from the window written to least recently, its oldest');
  t.equal(quiet.coveredFrom, 2, 'which now covers less');
  t.equal(busy.size, 7, 'the busy window kept everything');
  for (let s = 8; s <= 12; s++) busy.push(pub(s));
  t.equal(quiet.size, 0, 'the quiet window gave up everything before the busy one lost any');
  t.equal(quiet.slots, 0, 'and its memory');
  t.equal(busy.size, 10);
  busy.push(pub(13));
  t.same(busy.range(0, 99).map((p) => p.seq), [4, 5, 6, 7, 8, 9, 10, 11, 12, 13], 'alone, a window drops its own oldest');
  t.ok(budget.bytes <= budget.limit, 'never over the budget');
  t.equal(budget.windows, 1);
});

t.test('a budget of 0 keeps no entries, and windows stay exact about what they cover', async (t) => {
  const budget = new WindowBudget(0);
  const w = new RecentWindow(100, 10, budget);
  w.push(pub(11));
  w.push(pub(12));
  t.equal(w.size, 0);
  t.ok(w.covers(13) && !w.covers(12));
  t.equal(budget.bytes, 0);
});
