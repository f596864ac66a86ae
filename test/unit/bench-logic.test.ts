import t from 'tap';
import { encode, merge, newHistogram, record, summarize } from '../../bench/lib/hist.js';
import { Schedule } from '../../bench/lib/schedule.js';
import { STAMP_DIGITS, makePayload, readStamp, writeStamp } from '../../bench/lib/stamp.js';

t.test('schedule: open loop at a fixed rate; a late sender catches up with what is due', async (t) => {
  const s = new Schedule(1_000, 1_000_000, 10); // 1k/s: one message per ms, from t = 1 s
  t.equal(s.due(999_999), 0, 'nothing before the start');
  t.equal(s.due(1_000_000), 1, 'the first at the start');
  t.equal(s.due(1_004_500), 5, 'five by 4.5 ms');
  t.equal(s.due(1_004_500, 2), 2, 'at most the limit');
  for (let k = 0; k < 3; k++) s.next();
  t.equal(s.due(1_004_500), 2, 'minus what was sent');
  t.equal(s.intended(3), 1_003_000, 'stamped with when it was due, not when it went');
  t.equal(s.waitFor(1_002_000), 1_000, 'the next is due in 1 ms');
  t.equal(s.due(9_000_000), 7, 'never past the total');
  while (!s.done) s.next();
  t.equal(s.waitFor(9_000_000), Infinity);
  t.throws(() => new Schedule(0, 0, 1));
});

t.test('stamps: written into any payload of at least 16 bytes, read back exactly', async (t) => {
  const p = makePayload(64);
  writeStamp(p, 1_234_567_890_123);
  t.equal(p.length, 64);
  t.equal(readStamp(p, 0), 1_234_567_890_123);
  t.equal(p.toString('latin1', 0, STAMP_DIGITS + 2), '0001234567890123..', 'ASCII digits, then filler');
  const framed = Buffer.concat([Buffer.from('42["m","'), p]);
  t.equal(readStamp(framed, 8), 1_234_567_890_123, 'at an offset');
  t.ok(Number.isNaN(readStamp(Buffer.from('not a stamp at all'), 0)));
  t.ok(Number.isNaN(readStamp(p, 60)), 'too short');
  t.throws(() => makePayload(8));
});

t.test('histograms: merged across processes, percentiles in ms', async (t) => {
  const a = newHistogram();
  const b = newHistogram();
  for (let i = 1; i <= 900; i++) record(a, 1_000); // 900 × 1 ms
  for (let i = 1; i <= 100; i++) record(b, 50_000); // 100 × 50 ms
  record(b, -5); // clock skew: clamped to the lowest value, never thrown
  const m = merge([encode(a), encode(b)]);
  const s = summarize(m);
  t.equal(s.count, 1_001);
  t.equal(s.p50, 1);
  t.ok(Math.abs(s.p99 - 50) < 0.1, `p99 ${s.p99}`);
  t.ok(Math.abs(s.max - 50) < 0.1);
});
