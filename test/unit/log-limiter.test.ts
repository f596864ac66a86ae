import { Writable } from 'node:stream';
import t from 'tap';
import { LogLimiter, MAX_CAUSES, OTHER_CAUSE } from '../../gateway/log-limiter.js';
import { validateConfig } from '../../gateway/config/load.js';
import { SUPPRESSED_MSG, createLogger } from '../../gateway/log.js';

t.test('at most perInterval lines of one cause per interval; the rest counted and reported once', async (t) => {
  const l = new LogLimiter(3, 1_000);
  t.same(Array.from({ length: 5 }, () => l.admit('subscribe failed', 0)), [true, true, true, false, false], 'three written, two suppressed');
  t.ok(l.admit('channel failed to start', 10), 'another cause has its own count');
  t.equal(l.nextReportAt(), 1_000, 'a report is due when the interval ends');
  t.same(l.report(999), [], 'nothing before the interval ends');
  t.same(l.report(1_000), [{ cause: 'subscribe failed', suppressed: 2 }], 'then how many of which cause');
  t.same(l.report(5_000), [], 'each only once; a cause with nothing suppressed is not reported');
  t.equal(l.nextReportAt(), undefined, 'nothing more is due');
  t.ok(l.admit('subscribe failed', 5_000), 'a new interval: written again');
});

t.test('an interval that ends on a new line is reported at once', async (t) => {
  const l = new LogLimiter(1, 1_000);
  l.admit('x', 0);
  l.admit('x', 1);
  t.ok(l.admit('x', 2_000), 'the next interval starts with this line');
  t.equal(l.nextReportAt(), 0, 'the ended one is due now');
  t.same(l.report(2_000), [{ cause: 'x', suppressed: 1 }]);
});

t.test('the causes tracked are bounded: past MAX_CAUSES they share one', async (t) => {
  const l = new LogLimiter(1, 1_000);
  for (let i = 0; i < MAX_CAUSES; i++) l.admit(`cause ${i}`, 0);
  t.ok(l.admit('one too many', 0), 'the first line past the bound is written');
  t.notOk(l.admit('and another', 0), 'the next shares its count');
  t.same(l.report(1_000), [{ cause: OTHER_CAUSE, suppressed: 1 }]);
});

t.test('createLogger: info and above pass the limiter, debug does not; a suppressed line follows', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)), done()) });
  const log = createLogger('debug', 'n1', sink, { linesPerCause: 5, intervalSec: 1 });
  const child = log.child({ component: 'control' });
  for (let i = 0; i < 20; i++) log.warn({ i }, 'flood');
  for (let i = 0; i < 20; i++) child.info({ i }, 'flood'); // the same cause, through a child
  for (let i = 0; i < 20; i++) log.debug({ i }, 'chatter');
  log.error('quiet');
  const deadline = Date.now() + 15_000;
  while (!lines.some((l) => l.msg === SUPPRESSED_MSG) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.equal(lines.filter((l) => l.msg === 'flood').length, 5, 'five lines of the flooding cause, children included');
  t.equal(lines.filter((l) => l.msg === 'chatter').length, 20, 'debug lines are not limited');
  t.equal(lines.filter((l) => l.msg === 'quiet').length, 1, 'other causes are written');
  t.same(lines.filter((l) => l.msg === SUPPRESSED_MSG).map((l) => [l.cause, l.suppressed, l.level]), [['flood', 35, 40]], 'one warning says how many lines of which cause were dropped');
});

t.test('createLogger without limits uses the configuration\'s defaults', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)), done()) });
  const log = createLogger('info', undefined, sink);
  const { linesPerCause } = validateConfig({}).limits.logs;
  for (let i = 0; i < linesPerCause + 10; i++) log.info({ i }, 'steady');
  t.equal(lines.filter((l) => l.msg === 'steady').length, linesPerCause, `${linesPerCause} lines written, the rest held back`);
});
