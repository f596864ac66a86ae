/**
 * The abuse benchmark's harness (bench/scenarios/abuse.ts) on a tiny scenario: every attack runs,
 * good clients are measured in every phase, the report renders. Its figures are not asserted:
 * times belong in the benchmark.
 */
import t from 'tap';
import { startSystem } from '../../bench/peers/systems.js';
import { markdown } from '../../bench/report/markdown.js';
import { runAbuse, type AbuseScenario } from '../../bench/scenarios/abuse.js';

// Every attack at a tiny size, for its code path: the shape of the result, not its figures.
const tinyAbuse: AbuseScenario = {
  id: 'tiny abuse', good: { channels: 2, subscribers: 2, rate: 50, size: 64 }, probeIntervalMs: 250, probeTimeoutMs: 1_000, prefill: 200, phaseMs: 1_000, settleMs: 500,
  attacks: [
    { kind: 'replay', connections: 1, subscribes: 8 },
    { kind: 'channels', connections: 1, subscribes: 8 },
    { kind: 'presenceList', members: 3, connections: 1, rate: 10 },
    { kind: 'history', connections: 1, rate: 10 },
    { kind: 'slowBody', sockets: 3, byteEveryMs: 200 },
    { kind: 'pong', connections: 1 },
    { kind: 'presenceChurn', members: 3, connections: 1, rate: 10 },
    { kind: 'logs', connections: 1, rate: 10 },
    { kind: 'idempotency' },
  ],
};

t.test('abuse on jetgate: a baseline, a phase per attack, a baseline again; good clients measured in each', async (t) => {
  const sys = await startSystem('jetgate');
  t.teardown(() => sys.stop());
  const r = await runAbuse(sys, tinyAbuse, 1, () => undefined);
  t.equal(r.goodClients, 4);
  t.same(r.phases.map((p) => p.phase), ['baseline', 'replay', 'channels', 'presenceList', 'history', 'slowBody', 'pong', 'presenceChurn', 'logs', 'after']);
  for (const p of r.phases) {
    t.ok(p.expected >= 100 && p.delivered > 0, `${p.phase}: ${p.delivered} of ${p.expected} delivered`);
    t.equal(p.latency.count, p.delivered, `${p.phase}: each delivery has a latency`);
    t.ok(p.longestStallMs > 0, `${p.phase}: longest stall ${p.longestStallMs} ms`);
    t.ok(p.requests.sent > 0, `${p.phase}: ${p.requests.sent} good requests`);
    t.ok(p.servers.gatewayRssPeakMiB > 0 && p.servers.natsRssPeakMiB > 0, `${p.phase}: memory sampled`);
    t.notOk(p.errors.some((e) => e.startsWith('attack failed')), `${p.phase}: ${p.errors.join('; ')}`);
    if (p.phase === 'baseline' || p.phase === 'after') {
      t.notOk(p.attacker ?? p.recovery, `${p.phase}: no attacker`);
    } else {
      t.ok(p.attacker && p.attacker.connections > 0 && p.attacker.sent > 0, `${p.phase}: the attacker ran: ${JSON.stringify(p.attacker)}`);
      t.ok(p.recovery, `${p.phase}: recovery checked`);
    }
  }
  const baseline = r.phases[0]!;
  t.equal(baseline.delivered, baseline.expected, 'no attack: every delivery arrived');
  t.ok(baseline.requests.ok > 0, 'no attack: good requests are answered');
  t.ok(r.baseline.consumers !== undefined && r.baseline.channels !== undefined, 'consumers and channels read');
  const replay = r.phases.find((p) => p.phase === 'replay')!;
  t.ok(replay.attacker!.received > 0, 'the replay flood replays the prefilled stream');
  t.equal(r.phases.find((p) => p.phase === 'slowBody')!.attacker!.connections, 3, 'slow-body sockets opened');
  t.ok(r.idempotency && [0, 1].includes(r.idempotency.extra.victimDuplicate ?? -1), `idempotency checked: ${r.idempotency?.notes.join('; ')}`);
  const md = markdown({
    profile: 'test', command: 'test', started: '', finished: '', versions: {}, notes: [], fanout: [], connections: [], resume: [],
    machine: { cpu: '', cores: 1, memoryGiB: 1, kernel: '', loadStart: [0], loadEnd: [0], openFilesLimit: 0 },
    abuse: [{ system: 'jetgate', scenario: tinyAbuse, result: r }],
  });
  for (const p of r.phases) t.match(md, `| ${p.title} |`, `${p.phase} has its row`);
  t.notMatch(md, /NaN|undefined/);
});
