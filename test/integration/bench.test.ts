/** The benchmark harness itself, on a tiny scenario (the benchmarks never run in `make test`). */
import t from 'tap';
import { signTokens } from '../../bench/lib/auth.js';
import { LoadPool } from '../../bench/loadgen/pool.js';
import { channelName } from '../../bench/loadgen/protocols.js';
import { SYSTEMS, startSystem } from '../../bench/peers/systems.js';
import { runConnections } from '../../bench/scenarios/connections.js';
import { runFanout, type FanoutScenario } from '../../bench/scenarios/fanout.js';
import { runResume } from '../../bench/scenarios/resume.js';

const tiny: FanoutScenario = { id: 'tiny', channels: 2, subscribers: 3, size: 64, rates: [300], saturation: 0, durationMs: 500 };

for (const name of SYSTEMS) {
  t.test(`fan-out through ${name}: every delivery arrives, stamped, timed`, async (t) => {
    const sys = await startSystem(name);
    t.teardown(() => sys.stop());
    const [p] = await runFanout(sys, tiny, 1, () => undefined);
    t.ok(p, 'one rate measured');
    t.equal(p!.delivered, p!.expected, `${p!.delivered} of ${p!.expected} deliveries`);
    t.ok(p!.expected >= 100, 'the publisher kept its rate');
    t.equal(p!.latency.count, p!.delivered, 'each delivery has a latency');
    t.ok(p!.latency.p50 > 0 && p!.latency.p50 < 5_000, `p50 ${p!.latency.p50} ms`);
    t.same(p!.errors, []);
    t.ok(p!.cpuServerSec >= 0 && p!.loadgenCores.length === 1);
  });
}

for (const name of SYSTEMS) {
  t.test(`${name} refuses clients without a valid token`, async (t) => {
    const sys = await startSystem(name);
    t.teardown(() => sys.stop());
    const [forged] = await signTokens(1, 'not-the-bench-secret-0123456789abcdef');
    const tokens = name === 'nats' ? ['not-the-nats-token', ''] : [forged!, ''];
    const pool = new LoadPool(1);
    t.teardown(() => pool.close());
    const c = await pool.connect(sys.name, sys.port, tokens.map(() => channelName(name, 'c0')), tokens, { concurrency: 2 });
    t.equal(c.ok, 0, 'none subscribed');
    t.equal(c.failed, 2, `both refused: ${c.errors.join('; ')}`);
  });
}

t.test('connection storm and resume on jetgate', async (t) => {
  const sys = await startSystem('jetgate');
  t.teardown(() => sys.stop());
  const c = await runConnections(sys, 20, 1, 10);
  t.equal(c.ok, 20);
  t.equal(c.failed, 0);
  t.ok(c.setup.count === 20 && c.connectsPerSec > 0);
  const r = await runResume(sys, 2, 50, 64, 1, 30_000);
  t.equal(r.complete, 2, 'both resuming clients received every missed message');
  t.ok(r.seconds > 0 && r.seconds < 30);
});
