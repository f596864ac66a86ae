import t from 'tap';
import { RestartPolicy } from '../../gateway/supervisor/restart-policy.js';

t.test('an odd crash restarts at once; repeated ones back off up to the cap', async (t) => {
  const p = new RestartPolicy({ baseMs: 100, maxMs: 1_000, windowMs: 60_000 });
  t.same([0, 1, 2, 3, 4, 5].map((i) => p.next(i * 10)), [0, 100, 200, 400, 800, 1_000]);
});

t.test('crashes older than the window are forgotten', async (t) => {
  const p = new RestartPolicy({ baseMs: 100, maxMs: 1_000, windowMs: 1_000 });
  t.equal(p.next(0), 0);
  t.equal(p.next(500), 100);
  t.equal(p.next(5_000), 0, 'a minute of calm starts over');
  t.equal(p.next(5_100), 100);
});

t.test('a long crash loop stays at the cap', async (t) => {
  const p = new RestartPolicy({ baseMs: 250, maxMs: 30_000, windowMs: 1e12 });
  let last = 0;
  for (let i = 0; i < 200; i++) last = p.next(i);
  t.equal(last, 30_000);
});
