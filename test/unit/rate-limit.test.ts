import t from 'tap';
import { RateLimiter } from '../../gateway/session/rate-limit.js';

t.test('a burst, then the rate; refusals in a row up to the burst close', async (t) => {
  const r = new RateLimiter(10, 5, 0);
  const at = (now: number, n: number) => Array.from({ length: n }, () => r.check(now));
  t.same(at(0, 5), ['accept', 'accept', 'accept', 'accept', 'accept'], 'the whole burst at once');
  t.same(at(0, 2), ['refuse', 'refuse']);
  t.same(at(100, 2), ['accept', 'refuse'], '10/s: one more after 100 ms');
  t.same(at(100, 4), ['refuse', 'refuse', 'refuse', 'close'], 'five refused in a row (since the last accepted): close');
});

t.test('a client at the rate is never refused; an idle one refills to the burst only', async (t) => {
  const r = new RateLimiter(100, 10, 0);
  for (let now = 0; now < 10_000; now += 10) if (r.check(now) !== 'accept') t.fail(`refused at ${now}`);
  t.same(Array.from({ length: 12 }, () => r.check(1_000_000)).filter((v) => v === 'accept').length, 10, 'a long pause refills the burst, not more');
});

t.test('an accepted message resets the run of refusals', async (t) => {
  const r = new RateLimiter(1, 3, 0);
  r.check(0); r.check(0); r.check(0);
  t.equal(r.check(0), 'refuse');
  t.equal(r.check(0), 'refuse');
  t.equal(r.check(1000), 'accept');
  t.equal(r.check(1000), 'refuse');
  t.equal(r.check(1000), 'refuse');
  t.equal(r.check(1000), 'close');
  t.equal(r.check(500), 'close', 'a clock going back adds nothing');
});
