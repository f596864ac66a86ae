import t from 'tap';
import { disconnectsDue, drainPlan } from '../../gateway/drain/schedule.js';

t.test('the plan keeps a reserve for flushing and NATS, at most 1 s', async (t) => {
  t.same(drainPlan(10_000), { spreadMs: 9_000, flushMs: 500, deadlineMs: 10_000 });
  t.same(drainPlan(2_000), { spreadMs: 1_500, flushMs: 250, deadlineMs: 2_000 });
  const p = drainPlan(600_000);
  t.equal(p.spreadMs + 2 * p.flushMs, p.deadlineMs, 'spread + reserve = window');
});

t.test('disconnects are spread evenly: the first at once, all before the spread ends', async (t) => {
  t.equal(disconnectsDue(200, 1_000, 0), 1, 'one at once');
  t.equal(disconnectsDue(200, 1_000, 500), 101, 'half way: half');
  t.equal(disconnectsDue(200, 1_000, 999), 200, 'just before the end: all');
  t.equal(disconnectsDue(200, 1_000, 5_000), 200, 'never more than all');
  t.equal(disconnectsDue(0, 1_000, 0), 0, 'nothing to do');
  t.equal(disconnectsDue(1, 1_000, 0), 1, 'a single connection goes at once');
  t.equal(disconnectsDue(10, 0, 0), 10, 'no spread: all at once');
  let prev = 0;
  for (let ms = 0; ms <= 1_000; ms += 10) {
    const due = disconnectsDue(1_000, 1_000, ms);
    t.ok(due >= prev && due - prev <= 11, `monotonic and smooth at ${ms} ms`);
    prev = due;
  }
});
