import t from 'tap';
import { Alerter } from '../../services/metrics/alerts.js';
import { DEFAULT_HOSTS, Fleet, rng } from '../../services/metrics/series.js';

t.test('the fleet: one sample per host, values in range, the same for the same seed', async (t) => {
  const a = new Fleet(DEFAULT_HOSTS, rng(7));
  const b = new Fleet(DEFAULT_HOSTS, rng(7));
  const runA = [];
  const runB = [];
  for (let i = 0; i < 2000; i++) {
    const now = 1_795_000_000_000 + i * 1000;
    const sa = a.sample(now);
    runA.push(sa);
    runB.push(b.sample(now));
    if (i % 500) continue;
    t.same(sa.map((s) => s.host), DEFAULT_HOSTS.map((h) => h.host));
    for (const s of sa) {
      t.ok(s.cpuPercent >= 0 && s.cpuPercent <= 100 && s.memoryPercent >= 0 && s.memoryPercent <= 100, `${s.host} percentages`);
      t.ok(s.requestsPerSecond > 0 && s.p95LatencyMs > 0 && s.errorRate >= 0 && s.errorRate <= 1, `${s.host} rates`);
      t.equal(s.timeMs, now);
    }
  }
  t.same(runA, runB, 'same seed, same series');
});

t.test('incidents happen, and alerts rise and clear with them', async (t) => {
  const fleet = new Fleet(DEFAULT_HOSTS, rng(3), 0.01);
  const alerter = new Alerter();
  const raised = new Map<string, number>();
  let resolved = 0;
  for (let i = 0; i < 3000; i++) {
    for (const a of fleet.sample(i * 1000).flatMap((s) => alerter.check(s))) {
      if (a.resolvedMs) {
        if (!raised.has(a.id) || a.resolvedMs <= raised.get(a.id)!) t.fail(`resolved before raised: ${a.id}`);
        raised.delete(a.id);
        resolved++;
      } else {
        if (raised.has(a.id)) t.fail(`raised twice: ${a.id}`);
        raised.set(a.id, a.raisedMs);
      }
    }
  }
  t.ok(resolved > 5, `alerts resolved (${resolved})`);
});

t.test('hysteresis: a value hovering at the threshold does not flap', async (t) => {
  const alerter = new Alerter(undefined, 2, 0.1);
  const s = (cpu: number, i: number) => ({ host: 'h', region: 'r', timeMs: i, cpuPercent: cpu, memoryPercent: 10, requestsPerSecond: 1, p95LatencyMs: 1, errorRate: 0 });
  const out = [90, 84, 90, 90, 84, 86, 84, 70].flatMap((v, i) => alerter.check(s(v, i)));
  t.same(out.map((a) => [a.metric, a.resolvedMs ? 'resolved' : 'raised']), [['cpu_percent', 'raised'], ['cpu_percent', 'resolved']], 'two above in a row raise; only well below resolves');
});
