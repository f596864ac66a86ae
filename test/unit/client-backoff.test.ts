import t from 'tap';
import { CloseCode } from '../../proto/codes.js';
import { Backoff, STABLE_MS, backoffDelay } from '../../client/backoff.js';
import { reconnectAfter } from '../../client/reconnect.js';
import { refreshDelay } from '../../client/refresh.js';

t.test('full jitter stays within [0, min(cap, base * 2^attempt))', async (t) => {
  for (let attempt = 0; attempt < 12; attempt++) {
    const ceiling = Math.min(20_000, 250 * 2 ** attempt);
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const d = backoffDelay(attempt, 250, 20_000);
      min = Math.min(min, d);
      max = Math.max(max, d);
      sum += d;
    }
    t.ok(min >= 0, `attempt ${attempt}: never negative`);
    t.ok(max < ceiling, `attempt ${attempt}: below the ceiling ${ceiling} (max ${max})`);
    // Full jitter means the whole range is used, not a band near the ceiling.
    t.ok(min < ceiling * 0.05, `attempt ${attempt}: reaches near 0 (min ${min})`);
    t.ok(max > ceiling * 0.95, `attempt ${attempt}: reaches near the ceiling (max ${max})`);
    const mean = sum / n;
    t.ok(Math.abs(mean - ceiling / 2) < ceiling * 0.05, `attempt ${attempt}: mean ${mean} about ceiling/2`);
  }
});

t.test('extreme random values hit the bounds exactly', async (t) => {
  t.equal(backoffDelay(3, 100, 10_000, () => 0), 0);
  t.equal(backoffDelay(3, 100, 10_000, () => 0.999999), 799);
  t.equal(backoffDelay(30, 100, 10_000, () => 0.999999), 9999, 'capped');
});

t.test('Backoff grows to the cap and stays finite', async (t) => {
  const b = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0.999999);
  const delays = Array.from({ length: 2000 }, (_, i) => b.next(i));
  t.same(delays.slice(0, 6), [99, 199, 399, 799, 999, 999]);
  t.ok(delays.every((d) => Number.isFinite(d) && d <= 999), 'never past the cap, never NaN/Infinity');
});

t.test('Backoff starts over only after a success that lasted', async (t) => {
  const b = new Backoff({ initialMs: 100, maxMs: 100_000 }, () => 0.999999);
  t.equal(b.next(0), 99);
  t.equal(b.next(0), 199);
  b.up(1000);
  t.equal(b.next(1000 + STABLE_MS - 1), 399, 'a short-lived connection does not reset the attempts');
  b.up(5000);
  t.equal(b.next(5000 + STABLE_MS), 99, 'a connection that stayed up resets them');
  t.equal(b.next(5000 + 2 * STABLE_MS), 199, 'no success in between: keeps growing');
});

t.test('Backoff rejects nonsense options', async (t) => {
  t.throws(() => new Backoff({ initialMs: 0 }), RangeError);
  t.throws(() => new Backoff({ initialMs: 500, maxMs: 100 }), RangeError);
  t.doesNotThrow(() => new Backoff());
});

t.test('reconnectAfter: which closes reconnect, after how long', async (t) => {
  t.equal(reconnectAfter(1006, undefined, false), 0, 'abnormal closure reconnects');
  t.equal(reconnectAfter(CloseCode.Shutdown, undefined, false), 0);
  t.equal(reconnectAfter(CloseCode.SlowConsumer, undefined, false), 0);
  t.equal(reconnectAfter(CloseCode.Shutdown, { reconnect: true, reconnectAfterMs: 3000 }, false), 3000, 'honours reconnectAfterMs');
  t.equal(reconnectAfter(CloseCode.Kicked, { reconnect: true, reconnectAfterMs: 500 }, false), 500, 'Disconnect.reconnect wins over the code');
  t.equal(reconnectAfter(CloseCode.Unauthorized, undefined, true), undefined, '4002 closes for good');
  t.equal(reconnectAfter(1009, undefined, true), undefined, '1009 (frame too big) closes for good');
  t.equal(reconnectAfter(CloseCode.TooManyConnections, undefined, true), undefined, '4010 closes for good');
  t.equal(reconnectAfter(CloseCode.Normal, { reconnect: false }, true), undefined);
  t.equal(reconnectAfter(CloseCode.TokenExpired, undefined, true), 0, '4003 reconnects when a fresh token can be had');
  t.equal(reconnectAfter(CloseCode.TokenExpired, undefined, false), undefined, '4003 with a fixed token closes for good');
});

t.test('refreshDelay: 80% of the lifetime, at least 5 s before expiry', async (t) => {
  const now = 1_700_000_000_000;
  t.equal(refreshDelay(0, now), undefined, 'never expires');
  t.equal(refreshDelay(now - 1, now), undefined, 'already expired: leave it to the reconnect');
  t.equal(refreshDelay(now + 100_000, now), 80_000, '80% of a long lifetime');
  t.equal(refreshDelay(now + 20_000, now), 15_000, '5 s before expiry beats 80% when shorter');
  t.equal(refreshDelay(now + 3_000, now), 1_000, 'a floor keeps a skewed clock from looping');
});
