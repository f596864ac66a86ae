import t from 'tap';
import { RateLimiter } from '../../gateway/rate-limit.js';

t.test('a burst at once, then the rate', async (t) => {
  const r = new RateLimiter(10, 5, 0);
  const at = (now: number, n: number) => Array.from({ length: n }, () => r.check(now));
  t.same(at(0, 5), ['accept', 'accept', 'accept', 'accept', 'accept'], 'the whole burst at once');
  t.same(at(0, 2), ['refuse', 'refuse']);
  t.same(at(100, 2), ['accept', 'refuse'], '10/s: one more after 100 ms');
  t.same(at(100, 3), ['refuse', 'refuse', 'close'], 'a burst\'s worth of refusals: close');
});

t.test('a client at the rate is never refused; an idle one refills to the burst only', async (t) => {
  const r = new RateLimiter(100, 10, 0);
  for (let now = 0; now < 10_000; now += 10) if (r.check(now) !== 'accept') t.fail(`refused at ${now}`);
  t.equal(Array.from({ length: 12 }, () => r.check(1_000_000)).filter((v) => v === 'accept').length, 10, 'a long pause refills the burst, not more');
});

/** Verdicts of a client sending `perSec` messages a second for `seconds`. */
function sending(perSec: number, seconds: number, rate = 100, burst = 200): { refused: number; closedAtMs: number | undefined } {
  const r = new RateLimiter(rate, burst, 0);
  let refused = 0;
  for (let i = 0; i < perSec * seconds; i++) {
    const now = (i * 1000) / perSec;
    const v = r.check(now);
    if (v === 'close') return { refused, closedAtMs: now };
    if (v === 'refuse') refused++;
  }
  return { refused, closedAtMs: undefined };
}

t.test('over the rate: refused; well over it for a while, or a flood: closed', async (t) => {
  const twice = sending(200, 60);
  t.ok(twice.refused > 5_000 && twice.closedAtMs === undefined, `at twice the rate: half refused (${twice.refused}), never closed`);
  const thrice = sending(300, 60);
  t.ok(thrice.closedAtMs !== undefined && thrice.closedAtMs > 1_000 && thrice.closedAtMs < 3_000, `at three times the rate: closed after ${thrice.closedAtMs} ms`);
  const flood = sending(100_000, 1);
  t.ok(flood.closedAtMs !== undefined && flood.closedAtMs < 10, `a flood: closed after ${flood.closedAtMs} ms`);
});

t.test('refusals are forgiven over time; a clock going back earns nothing', async (t) => {
  const r = new RateLimiter(1, 3, 0);
  t.same([r.check(0), r.check(0), r.check(0), r.check(0), r.check(0)], ['accept', 'accept', 'accept', 'refuse', 'refuse']);
  t.equal(r.check(10_000), 'accept', 'refilled');
  t.same([r.check(10_000), r.check(10_000), r.check(10_000)], ['accept', 'accept', 'refuse'], 'and the old refusals are forgotten');
  t.same([r.check(5_000), r.check(5_000)], ['refuse', 'close'], 'nothing earned from a clock going back');
});
