/**
 * The metrics service: publishes a fleet's samples (one HostSample per host per tick, subject
 * metrics.hosts.<host>) and alerts (metrics.alerts) as protobuf, with the producer helper.
 *   node dist/services/metrics/main.js [--nats URL] [--interval-ms 1000] [--seed N]
 */
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { dashboard } from '../../proto/gen/examples.js';
import { Producer } from '../../producer/index.js';
import { Alerter } from './alerts.js';
import { Fleet, rng } from './series.js';

const { values } = parseArgs({
  options: {
    nats: { type: 'string', default: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' },
    'interval-ms': { type: 'string', default: process.env.METRICS_INTERVAL_MS ?? '1000' },
    seed: { type: 'string' },
    prefix: { type: 'string', default: 'metrics' },
  },
});
const interval = Number(values['interval-ms']);
if (!Number.isFinite(interval) || interval < 10) throw new Error('--interval-ms must be a number >= 10');
const prefix = values.prefix as string;

const nc = await connect({ servers: values.nats as string, name: 'metrics-service', maxReconnectAttempts: -1 });
const producer = new Producer(nc);
const fleet = new Fleet(undefined, values.seed ? rng(Number(values.seed)) : Math.random);
const alerter = new Alerter();
console.error(`metrics: publishing ${prefix}.hosts.<host> and ${prefix}.alerts every ${interval} ms on ${values.nats}`);

let busy = false;
const timer = setInterval(() => {
  if (busy) return; // NATS is slow or away: skip a tick rather than queue them up
  busy = true;
  void (async () => {
    const now = Date.now();
    const samples = fleet.sample(now);
    const sends = samples.map((s) => producer.publish(`${prefix}.hosts.${s.host}`, dashboard.v1.HostSample, s, { msgId: `${s.host}-${now}` }));
    for (const a of samples.flatMap((s) => alerter.check(s))) {
      sends.push(producer.publish(`${prefix}.alerts`, dashboard.v1.Alert, a, { msgId: `${a.id}-${a.resolvedMs}` }));
    }
    await Promise.all(sends);
  })().catch((e: Error) => console.error(`metrics: publish failed: ${e.message}`)).finally(() => (busy = false));
}, interval);

const stop = async () => {
  clearInterval(timer);
  await nc.drain();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
