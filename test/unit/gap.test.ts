import t from 'tap';
import { GapDetector } from '../../gateway/hub/gap.js';

t.test('single-subject channel: the previous sequence must be the last one seen', async (t) => {
  const g = new GapDetector(10, 's');
  t.equal(g.check('s', 9, 0), 'duplicate', 'at or below the start');
  t.equal(g.check('s', 10, 7), 'duplicate');
  t.equal(g.check('s', 12, 10), 'deliver');
  g.accept('s', 12);
  t.equal(g.lastSeq, 12);
  t.equal(g.check('s', 15, 14), 'gap', 'previous 14 never seen');
  t.equal(g.check('s', 15, 0), 'gap', '0 after a known sequence means unknown: check JetStream');
  t.equal(g.check('s', 15, 12), 'deliver');
});

t.test('a subject never written before starts at 0', async (t) => {
  const g = new GapDetector(0, 's');
  t.equal(g.check('s', 1, 0), 'deliver');
  g.accept('s', 1);
  t.equal(g.check('s', 3, 2), 'gap');
});

t.test('wildcard channel: unseen subjects are checked against the start position', async (t) => {
  const g = new GapDetector(100);
  t.equal(g.check('a', 101, 50), 'deliver', 'previous before the start');
  g.accept('a', 101);
  t.equal(g.check('b', 102, 0), 'deliver', 'first message of b');
  g.accept('b', 102);
  t.equal(g.check('c', 104, 103), 'gap', 'c had a message after the start that was missed');
  t.equal(g.check('a', 105, 101), 'deliver');
  t.equal(g.check('a', 105, 103), 'gap');
});

t.test('forgetting subjects stays sound', async (t) => {
  const g = new GapDetector(0);
  for (let i = 1; i <= 10_001; i++) g.accept(`s${i}`, i);
  // s1 (last seen at 1) was forgotten and the floor raised to 1: its true previous is still
  // accepted, anything newer is checked against JetStream.
  t.equal(g.check('s1', 20_000, 1), 'deliver');
  t.equal(g.check('s1', 20_000, 5), 'gap', 'above the raised floor');
  t.equal(g.check('s2', 20_001, 2), 'deliver', 'still remembered');
  t.equal(g.check('s2', 20_001, 3), 'gap');
});
