import t from 'tap';
import { markdown, referenceRate } from '../../bench/report/markdown.js';
import { chart } from '../../bench/report/svg.js';
import type { Report } from '../../bench/report/types.js';
import type { PhaseResult } from '../../bench/scenarios/abuse.js';
import type { RatePoint } from '../../bench/scenarios/fanout.js';

const point = (offered: number, p99: number, extra: Partial<RatePoint> = {}): RatePoint => ({
  offered, saturation: false, expected: offered * 5, delivered: offered * 5, throughput: offered,
  latency: { count: offered * 5, p50: p99 / 4, p99, p999: p99 * 2, max: p99 * 3 },
  cpuServerSec: 1, cpuNatsSec: 0.5, usPerDelivery: 2.5, usPerDeliveryWithNats: 3.75,
  loadgenCores: [0.2, 0.3], publisherLagMs: 0, closed: 0, sustained: true, errors: [], ...extra,
});

const scenario = { id: '1ch×1k 64B', channels: 1, subscribers: 1_000, size: 64, rates: [10_000, 50_000], saturation: 1_000_000, durationMs: 5_000 };
const report: Report = {
  profile: 'full', command: 'make bench', started: '2026-11-23T10:00:00.000Z', finished: '2026-11-23T10:20:00.000Z',
  machine: { cpu: 'Some CPU', cores: 2, memoryGiB: 24, kernel: '6.1', loadStart: [0.5, 0.4, 0.3], loadEnd: [1, 0.9, 0.8], openFilesLimit: 20_000 },
  versions: { node: 'v20', 'nats-server': 'v2.9.10' },
  notes: ['a note'],
  fanout: [
    { scenario, system: 'jetgate', load: [0.5, 0.4, 0.3], points: [point(10_000, 1.5), point(50_000, 3), point(1_000_000, 900, { saturation: true, sustained: false, throughput: 400_000, closed: 3 })] },
    { scenario, system: 'nats', load: [0.5, 0.4, 0.3], points: [point(10_000, 2), point(50_000, 2_500, { sustained: false })] },
    { scenario, system: 'socketio', load: [0.5, 0.4, 0.3], points: [], error: 'it broke' },
  ],
  connections: [{ system: 'uws', load: [0, 0, 0], result: {
    connections: 10_000, ok: 10_000, failed: 0, seconds: 2, connectsPerSec: 5_000,
    setup: { count: 10_000, p50: 10, p99: 100, p999: 200, max: 300 }, cpuUsPerConnection: 50,
    rssBytesPerConnection: 2_048, natsRssBytesPerConnection: 10, errors: [],
  } }],
  resume: [{ system: 'jetgate', result: { clients: 1, missed: 10_000, complete: 1, seconds: 0.5, deliveriesPerSec: 20_000 } }],
  abuse: [],
};

const phase = (p: Partial<PhaseResult>): PhaseResult => ({
  phase: 'baseline', title: 'baseline: no attack', expected: 1_000, delivered: 1_000,
  latency: { count: 1_000, p50: 1, p99: 4, p999: 5, max: 6 }, longestStallMs: 40, goodClosed: 0,
  requests: { sent: 10, ok: 10, failed: {}, latency: { count: 10, p50: 2, p99: 3, p999: 3, max: 3 } },
  servers: { gatewayRssPeakMiB: 100, natsRssPeakMiB: 50, consumersPeak: 0, channelsPeak: 4, consumerReadFailures: 0, metricsReadFailures: 0,
    gatewayCpuSec: 1, natsCpuSec: 0.5, gatewayRssEndMiB: 99, gatewayLogLines: 0, gatewayLogBytes: 0 },
  errors: [], ...p,
});

t.test('markdown: machine, command, one row per rate, saturation and failures marked', async (t) => {
  const md = markdown(report, 'run.svg');
  t.match(md, '- Command: `make bench`');
  t.match(md, '0.50 / 0.40 / 0.30 at the start');
  t.match(md, '![p99 latency against offered load](run.svg)');
  t.match(md, '| jetgate | 10,000 | 10,000 | 0.38 | 1.50 | 3.00 | 2.50 | 3.75 | 0.20 + 0.30 |  |');
  t.match(md, '| jetgate | saturation (1,000,000) | 400,000 |');
  t.match(md, '3 closed');
  t.match(md, /\| nats \| 50,000 \|.*not sustained/);
  t.match(md, 'failed: it broke');
  t.match(md, '| uws | 10,000 | 2.00 s | 5,000 | 10.0 / 100 | 50 | 2.0 KiB | 0.0 KiB |  |');
  t.match(md, '| 1 | 10,000 | 1 | 0.500 s | 20,000 |');
});

t.test('summary: reference rate is the highest every system sustained', async (t) => {
  t.equal(referenceRate(report.fanout), 10_000, 'nats did not sustain 50k');
  t.equal(referenceRate(report.fanout.slice(0, 1)), 50_000);
  t.equal(referenceRate([{ ...report.fanout[1]!, points: [point(10_000, 5, { sustained: false })] }]), 10_000, 'none sustained: the lowest rate');
  const md = markdown(report);
  t.match(md, '| 1ch×1k 64B | jetgate | 50,000 | 10,000 | 0.38 / 1.50 | 2.50 (3.75) | 400,000 |');
  t.match(md, '| 1ch×1k 64B | socketio | failed | 10,000 | — | — | — |');
});

t.test('svg: a panel per scenario, a line per system with points, saturation left out', async (t) => {
  const svg = chart(report);
  t.match(svg, /^<svg /);
  t.match(svg, '1ch×1k 64B');
  t.equal((svg.match(/<polyline /g) ?? []).length, 2, 'jetgate and nats (socket.io has no points)');
  t.equal((svg.match(/<circle /g) ?? []).length, 4, 'two fixed rates each');
  t.match(svg, /fill="white" stroke="#1f77b4"/, 'an unsustained rate is an open circle');
  t.notMatch(svg, /NaN|undefined/);
});

t.test('abuse: one row per phase, the attacker\'s codes, stalls over 1 s named, the idempotency verdict', async (t) => {
  const outcome = { connections: 4, connectFailed: 0, sent: 2_048, ok: 1_900, refused: { 1010: 140, 1008: 8 }, unsubscribed: { 2003: 3 }, closed: { 4007: 2 }, received: 5, extra: {}, notes: [] };
  const md = markdown({ ...report, fanout: [], connections: [], resume: [], abuse: [{
    system: 'jetgate',
    scenario: { id: 'tiny', good: { channels: 2, subscribers: 3, rate: 100, size: 64 }, probeIntervalMs: 500, probeTimeoutMs: 1_000, prefill: 100, phaseMs: 2_000, settleMs: 1_000, attacks: [] },
    result: {
      goodClients: 6, baseline: { consumers: 0, channels: 2 },
      phases: [
        phase({}),
        phase({ phase: 'replay', title: 'replay flood', longestStallMs: 32_000, goodClosed: 1, requests: { sent: 10, ok: 7, failed: { 1023: 2, timeout: 1 }, latency: phase({}).requests.latency },
          attacker: outcome, recovery: { back: false, seconds: 1, consumersLeft: 2_570, channelsLeft: 2 } }),
      ],
      idempotency: { ...outcome, extra: { victimDuplicate: 1, victimStored: 0 }, notes: ['stored: attacker'] },
    },
  }] });
  t.match(md, '## Abuse (jetgate)');
  t.match(md, '| baseline: no attack | 1.00 | 4.00 | 6.00 | 40 | 1,000 / 1,000 | 0 | 0 / 10 | 3.00 | — |');
  t.match(md, '| replay flood | 1.00 | 4.00 | 6.00 | 32,000 | 1,000 / 1,000 | 1 | 3 / 10 (1023×2, timeout×1) | 3.00 | 4 connections; 2,048 sent, 1,900 answered; refused 1010×140, 1008×8; unsubscribed 2003×3; closed 4007×2; 5 pushes received |');
  t.match(md, 'Stalls over 1 s: replay flood (32,000 ms).');
  t.match(md, 'no: 2570 consumers, 2 channels left');
  t.match(md, '**the victim was told `duplicate: true`**, **its publication is not stored** (stored: attacker)');
  const old = markdown({ ...report, abuse: undefined } as unknown as Report);
  t.notMatch(old, 'Abuse', 'a report from before the abuse scenario renders without it');
});
