/** The Markdown page of a benchmark report: machine, versions, command, one table per scenario. */
import { EXTRA_LABELS, type AttackOutcome } from '../loadgen/attacks.js';
import type { AbuseResult, PhaseResult } from '../scenarios/abuse.js';
import type { Report } from './types.js';

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const fix = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '—');
const ms = (n: number) => (n >= 100 ? fix(n, 0) : n >= 10 ? fix(n, 1) : fix(n, 2));
const kib = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KiB` : '—');
const size = (b: number) => (b >= 1024 ? `${b / 1024} KB` : `${b} B`);
const loads = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

type FanoutRun = Report['fanout'][number];

/** `1010×148, 4007×2` */
const counts = (c: Record<string, number>) => Object.entries(c).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}×${int(n)}`).join(', ');

function outcome(o: AttackOutcome | undefined): string {
  if (!o) return '—';
  const parts = [`${int(o.connections)} connections${o.connectFailed ? ` (${int(o.connectFailed)} failed)` : ''}`, `${int(o.sent)} sent, ${int(o.ok)} answered`];
  if (Object.keys(o.refused).length) parts.push(`refused ${counts(o.refused)}`);
  if (Object.keys(o.unsubscribed).length) parts.push(`unsubscribed ${counts(o.unsubscribed)}`);
  if (Object.keys(o.closed).length) parts.push(`closed ${counts(o.closed)}`);
  if (o.received) parts.push(`${int(o.received)} pushes received`);
  for (const [k, n] of Object.entries(o.extra)) parts.push(`${EXTRA_LABELS[k] ?? k} ${int(n)}`);
  return parts.join('; ');
}

function requestsCell(r: PhaseResult['requests']): string {
  const failed = Object.values(r.failed).reduce((a, b) => a + b, 0);
  return `${int(failed)} / ${int(r.sent)}${failed ? ` (${counts(r.failed)})` : ''}`;
}

function abuseSection(sc: NonNullable<Report['abuse']>[number]['scenario'], a: AbuseResult): string[] {
  const out: string[] = [];
  const g = sc.good;
  out.push(`### ${sc.id}`, '');
  out.push(`${int(a.goodClients)} good clients (authenticated) on ${g.channels} channels × ${g.subscribers} subscribers, fed ${int(g.rate)} publications/s (${int(g.rate * g.subscribers)} deliveries/s), ` +
    `each sending a history request every ${int(sc.probeIntervalMs)} ms (failed: an error, or no reply within ${int(sc.probeTimeoutMs)} ms); the stream holds ${int(sc.prefill)} messages more. Phases of ${fix(sc.phaseMs / 1000, 0)} s: ` +
    'no attack, each attack, no attack again. **Goal: no stall over 1 s under any of them.** "longest stall": the longest a good client went without a delivery. ' +
    'Latency from the time a publication was due (ms); request p99: the answered requests. ' +
    'Good clients closed in a phase are not replaced. Attacker: connections opened (replaced when closed), messages sent and answered, error codes, `unsubscribed` codes, close codes ("dropped": no close frame).', '');
  const rows = a.phases.map((p) => [
    p.title, ms(p.latency.p50), ms(p.latency.p99), ms(p.latency.max), int(p.longestStallMs),
    `${int(p.delivered)} / ${int(p.expected)}`, int(p.goodClosed),
    requestsCell(p.requests),
    ms(p.requests.latency.p99),
    [outcome(p.attacker), ...p.errors.slice(0, 2)].filter((x) => x !== '—' || !p.errors.length).join('; '),
  ]);
  out.push(table(['phase', 'p50', 'p99', 'max', 'longest stall', 'delivered / expected', 'good closed', 'good requests failed', 'request p99', 'attacker'], rows), '');
  const stalled = a.phases.filter((p) => !(p.longestStallMs <= 1_000));
  out.push(`Stalls over 1 s: ${stalled.length ? stalled.map((p) => `${p.title} (${int(p.longestStallMs)} ms)`).join(', ') : 'none'}.`, '');
  out.push("What the servers spent in each phase (sampled twice a second): JetStream consumers on the account, the gateway's active channels (`jetgate_channels`), resident memory, CPU, gateway log lines; readings that failed or timed out (2 s); then whether consumers and channels went back to the baseline " +
    `(${a.baseline.consumers ?? '?'} consumers, ${a.baseline.channels ?? '?'} channels) after the attacker left, waiting at most ${fix(sc.settleMs / 1000, 0)} s.`, '');
  out.push(table(['phase', 'consumers peak', 'channels peak', 'gateway RSS peak / end MiB', 'nats-server RSS peak MiB', 'gateway CPU s', 'nats-server CPU s', 'gateway log lines', 'failed readings (consumers / metrics)', 'back to baseline'],
    a.phases.map((p) => {
      const v = p.servers;
      const r = p.recovery;
      return [p.title, int(v.consumersPeak), int(v.channelsPeak), `${int(v.gatewayRssPeakMiB)} / ${int(v.gatewayRssEndMiB)}`, int(v.natsRssPeakMiB),
        fix(v.gatewayCpuSec), fix(v.natsCpuSec), int(v.gatewayLogLines), `${v.consumerReadFailures} / ${v.metricsReadFailures}`,
        r ? (r.back ? `yes, in ${fix(r.seconds, 1)} s` : `no: ${r.consumersLeft ?? '?'} consumers, ${r.channelsLeft ?? '?'} channels left`) : '—'];
    })), '');
  if (a.idempotency) {
    const i = a.idempotency;
    out.push(`Anonymous idempotency race (an attacker publishes first with the key a victim then uses): ${i.extra.victimDuplicate ? '**the victim was told `duplicate: true`**' : 'the victim was not told `duplicate`'}` +
      `, ${i.extra.victimStored ? 'its publication is stored' : '**its publication is not stored**'} (${i.notes.join('; ')}).`, '');
  }
  return out;
}

/** The highest fixed rate that every system with results sustained (the lowest rate if none did). */
export function referenceRate(runs: readonly FanoutRun[]): number {
  const measured = runs.filter((f) => f.points.length);
  const rates = measured[0]?.scenario.rates ?? [];
  const common = rates.filter((rate) => measured.every((f) => f.points.some((p) => !p.saturation && p.offered === rate && p.sustained)));
  return common.length ? Math.max(...common) : (rates[0] ?? 0);
}

function summary(r: Report): string {
  const rows: string[][] = [];
  for (const id of [...new Set(r.fanout.map((f) => f.scenario.id))]) {
    const runs = r.fanout.filter((f) => f.scenario.id === id);
    const ref = referenceRate(runs);
    for (const f of runs) {
      const sustained = f.points.filter((p) => !p.saturation && p.sustained).map((p) => p.offered);
      const at = f.points.find((p) => !p.saturation && p.offered === ref);
      const sat = f.points.find((p) => p.saturation);
      rows.push([
        id, f.system,
        sustained.length ? int(Math.max(...sustained)) : (f.error ? 'failed' : 'none'),
        int(ref),
        at ? `${ms(at.latency.p50)} / ${ms(at.latency.p99)}` : '—',
        at ? `${fix(at.usPerDelivery)} (${fix(at.usPerDeliveryWithNats)})` : '—',
        sat ? int(sat.throughput) : '—',
      ]);
    }
  }
  return table(['scenario', 'system', 'max sustained/s', 'reference rate/s', 'p50 / p99 ms', 'CPU µs/delivery (with NATS)', 'saturation delivered/s'], rows);
}

export function markdown(r: Report, chartFile?: string): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`# jetgate benchmarks (${r.profile})`, '');
  out.push(`- Command: \`${r.command}\``);
  out.push(`- Run: ${r.started} → ${r.finished}`);
  out.push(`- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}; open files limit ${m.openFilesLimit}`);
  out.push(`- Load average (1/5/15 min): ${loads(m.loadStart)} at the start, ${loads(m.loadEnd)} at the end`);
  out.push(`- Versions: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`, '');

  if (r.fanout.length) {
    out.push('## Summary', '');
    out.push('Per fan-out scenario: the highest offered rate each system sustained, and at the reference rate (the highest every system sustained) its latency and CPU per delivery; then what it delivered at saturation.', '');
    out.push(summary(r), '');
    out.push('## Fan-out', '');
    out.push('Offered and delivered loads in deliveries per second (messages × subscribers per channel). Latency from the time a message was due to be published to its receipt (ms). CPU in µs per delivery: the WebSocket server process, then with the nats-server feeding it. "load gen" is the CPU of each load-generator process (cores).', '');
    if (chartFile) out.push(`![p99 latency against offered load](${chartFile})`, '');
    const ids = [...new Set(r.fanout.map((f) => f.scenario.id))];
    for (const id of ids) {
      const runs = r.fanout.filter((f) => f.scenario.id === id);
      const sc = runs[0]!.scenario;
      out.push(`### ${sc.channels.toLocaleString('en-US')} channel${sc.channels > 1 ? 's' : ''} × ${sc.subscribers.toLocaleString('en-US')} subscribers, ${size(sc.size)} payloads`, '');
      const rows: string[][] = [];
      for (const f of runs) {
        if (f.error) rows.push([f.system, '—', '—', '—', '—', '—', '—', '—', '—', `failed: ${f.error.slice(0, 80)}`]);
        for (const p of f.points) {
          rows.push([
            f.system,
            p.saturation ? `saturation (${int(p.offered)})` : int(p.offered),
            int(p.throughput),
            ms(p.latency.p50), ms(p.latency.p99), ms(p.latency.p999),
            fix(p.usPerDelivery), fix(p.usPerDeliveryWithNats),
            p.loadgenCores.map((c) => fix(c)).join(' + '),
            [p.saturation || p.sustained ? '' : 'not sustained', p.closed ? `${p.closed} closed` : ''].filter(Boolean).join(', '),
          ]);
        }
      }
      out.push(table(['system', 'offered/s', 'delivered/s', 'p50', 'p99', 'p99.9', 'CPU µs', 'with NATS', 'load gen', 'note'], rows), '');
    }
  }

  if (r.connections.length) {
    out.push('## Connection storm and idle connections', '');
    out.push('All clients connect at once (upgrade, authenticate, then subscribe to one of 100 channels; the notes say how each system authenticates); then idle. Memory: growth of resident memory per connection.', '');
    out.push(table(['system', 'connections', 'all subscribed in', 'connects/s', 'setup p50 / p99 ms', 'server CPU µs/conn', 'server memory/conn', 'nats-server memory/conn', 'note'],
      r.connections.map((c) => c.result
        ? [c.system, int(c.result.ok), `${fix(c.result.seconds)} s`, int(c.result.connectsPerSec), `${ms(c.result.setup.p50)} / ${ms(c.result.setup.p99)}`,
          fix(c.result.cpuUsPerConnection, 0), kib(c.result.rssBytesPerConnection), c.system === 'nats' ? '(same process)' : kib(c.result.natsRssBytesPerConnection),
          c.result.failed ? `${c.result.failed} failed` : '']
        : [c.system, '—', '—', '—', '—', '—', '—', '—', `failed: ${(c.error ?? '').slice(0, 80)}`])), '');
  }

  if (r.resume.length) {
    out.push('## Resume (jetgate)', '');
    out.push('Clients reconnect and subscribe with `since`: time from the start of the reconnect to the last missed publication received.', '');
    out.push(table(['clients', 'missed each', 'complete', 'time', 'deliveries/s'],
      r.resume.map((x) => x.result
        ? [int(x.result.clients), int(x.result.missed), int(x.result.complete), `${fix(x.result.seconds, 3)} s`, int(x.result.deliveriesPerSec)]
        : ['—', '—', '—', `failed: ${(x.error ?? '').slice(0, 80)}`, '—'])), '');
  }

  if (r.abuse?.length) {
    out.push('## Abuse (jetgate)', '');
    for (const x of r.abuse) {
      if (x.result) out.push(...abuseSection(x.scenario, x.result));
      else out.push(`### ${x.scenario.id}`, '', `failed: ${x.error ?? ''}`, '');
    }
  }

  if (r.notes.length) out.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}
