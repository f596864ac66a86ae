/**
 * What telemetry costs on the live path, per publication: the counters, the tracing check on
 * untraced messages, and a sampled trace (receive + deliver spans). Also a /metrics scrape.
 * Run: node dist/bench/micro/telemetry.js
 */
import { createLogger } from '../../gateway/log.js';
import { natsHeaders } from '../../gateway/nats/connection.js';
import { validateConfig } from '../../gateway/config/load.js';
import { Telemetry } from '../../gateway/telemetry/telemetry.js';
import { Stats } from '../../gateway/telemetry/stats.js';

/** CPU time (user + system) per call: steadier than wall time on a shared machine. */
function bench(name: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 10_000); i++) fn(i); // warm up
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn(i);
  const used = process.cpuUsage(t0);
  const ns = ((used.user + used.system) * 1000) / n;
  console.log(`${name.padEnd(58)} ${ns.toFixed(1).padStart(8)} ns/op (CPU)`);
}

const log = createLogger('silent');
const republished = () => {
  const h = natsHeaders();
  h.set('Nats-Stream', 'S');
  h.set('Nats-Subject', 'lobby.42');
  h.set('Nats-Sequence', '1234');
  h.set('Nats-Last-Sequence', '1233');
  return h;
};
const plain = republished();
const traced = republished();
traced.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
const unsampled = republished();
unsampled.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00');

const off = await Telemetry.create(validateConfig({ nodeId: 'bench' }), log);
// A receiver that is never there: spans queue in the batch processor and are dropped past its bound.
const on = await Telemetry.create(validateConfig({ nodeId: 'bench', telemetry: { traces: true, otlpEndpoint: 'http://127.0.0.1:9', traceSampleRatio: 1 } }), log);
const stats = new Stats();
const N = 2_000_000;

let sink = 0;
bench('empty loop (call overhead)', N, (i) => void (sink += i));
bench('baseline: read one header (the live path reads four)', N, () => void Number(plain.get('Nats-Sequence')));
bench('counters: 2 increments (received, bytes)', N, (i) => {
  stats.liveReceived++;
  stats.liveReceivedBytes += i & 255;
});
bench('tracing off: enabled check', N, () => void (off.tracing.enabled ? off.tracing.receive(plain, 'lobby:42', 'lobby.42', 1) : undefined));
bench('tracing on, message without traceparent', N, () => void on.tracing.receive(plain, 'lobby:42', 'lobby.42', 1));
bench('tracing on, producer not sampled', 200_000, () => void on.tracing.receive(unsampled, 'lobby:42', 'lobby.42', 1));
bench('tracing on, sampled: receive + deliver spans', 50_000, () => {
  const span = on.tracing.receive(traced, 'lobby:42', 'lobby.42', 1);
  if (span) on.tracing.delivered(span, Date.now(), 100, 1);
});

const metrics = await Telemetry.create(validateConfig({ nodeId: 'bench' }), log);
metrics.observe({ connections: () => 1, subscriptions: () => 1, channels: () => 1, windowBytes: () => 0, presenceMembers: () => 0, natsConnected: () => true });
for (let c = 1000; c < 1020; c++) metrics.stats.connectionClosed(c);
const t0 = process.cpuUsage();
for (let i = 0; i < 200; i++) await metrics.prometheusText();
const used = process.cpuUsage(t0);
console.log(`${'/metrics text (all instruments)'.padEnd(58)} ${((used.user + used.system) / 200).toFixed(0).padStart(8)} µs/scrape (CPU)`);
await Promise.all([off.shutdown(), on.shutdown(), metrics.shutdown()]);
