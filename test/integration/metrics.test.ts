import { readFileSync } from 'node:fs';
import t from 'tap';
import { headers } from '@nats-io/nats-core';
import { CloseCode } from '../../proto/codes.js';
import { fixture } from '../helpers/fixture.js';
import { http } from '../helpers/http.js';
import { waitFor } from '../helpers/ports.js';
import { parsePrometheus, type Scrape } from '../helpers/prometheus.js';

const KEY = 'metrics-test-key-0123456789';

t.test('metrics move with traffic and are served in Prometheus text format', async (t) => {
  const f = await fixture(t, {
    control: { apiKeys: [KEY] },
    namespaces: [{ name: 'test', stream: 'TEST', anonymous: true, window: 100, presence: true }],
  });
  const scrape = async (): Promise<Scrape> => parsePrometheus((await http('GET', `${f.control}/metrics`)).text);
  const first = await http('GET', `${f.control}/metrics`);
  t.equal(first.status, 200);
  t.match(first.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const before = parsePrometheus(first.text);
  for (const [name, type] of [
    ['jetgate_connections', 'gauge'], ['jetgate_subscriptions', 'gauge'], ['jetgate_channels', 'gauge'],
    ['jetgate_publications_received_total', 'counter'], ['jetgate_deliveries_total', 'counter'], ['jetgate_deliveries_bytes_total', 'counter'],
    ['jetgate_publications_dropped_total', 'counter'], ['jetgate_recoveries_total', 'counter'], ['jetgate_resumes_total', 'counter'],
    ['jetgate_nats_reconnects_total', 'counter'], ['jetgate_connections_opened_total', 'counter'],
  ] as const) t.equal(before.type(name), type, `${name} is a ${type}`);
  t.equal(before.get('jetgate_connections'), 0);

  // Live traffic: 10 publications to 2 subscribers (one per wire format).
  const [p, j] = [await f.client(), await f.client('json')];
  for (const c of [p, j]) await c.request({ subscribe: { channel: 'test:m' } });
  const seqs = await f.pub.publishMany('test.m', 10);
  for (const c of [p, j]) await c.until('10 publications', () => c.pubsOf('test:m').length >= 10);
  let m = await scrape();
  t.equal(m.get('jetgate_connections'), 2);
  t.equal(m.get('jetgate_connections_opened_total'), 2);
  t.equal(m.get('jetgate_subscriptions'), 2);
  t.equal(m.get('jetgate_channels'), 1);
  t.equal(m.get('jetgate_presence_members'), 2);
  t.equal(m.get('jetgate_publications_received_total'), 10);
  t.equal(m.get('jetgate_publications_received_bytes_total'), 20, 'payloads m0..m9');
  t.equal(m.get('jetgate_deliveries_total{mode="live"}'), 20, 'each publication to each subscriber');
  t.ok(m.get('jetgate_deliveries_bytes_total{mode="live"}') > 20 * 2);

  // A resume: replayed from the window, timed.
  const r = await f.client();
  const sub = await r.request({ subscribe: { channel: 'test:m', since: { seq: seqs[4], epoch: '' } } });
  t.equal(sub.subscribe?.recovered, true);
  await r.until('5 replayed', () => r.pubsOf('test:m').length >= 5);
  await waitFor('the replay to be timed', async () => (await scrape()).get('jetgate_replay_duration_seconds_count') === 1);
  m = await scrape();
  t.equal(m.get('jetgate_resumes_total{outcome="recovered"}'), 1);
  t.equal(m.get('jetgate_deliveries_total{mode="replay"}'), 5);
  t.equal(m.type('jetgate_replay_duration_seconds'), 'histogram');
  t.ok(m.get('jetgate_replay_duration_seconds_bucket{le="+Inf"}') === 1);

  // A message straight on the live subject that JetStream never stored: a gap, a recovery, a drop.
  const last = seqs[seqs.length - 1]!;
  const h = headers();
  h.set('Nats-Stream', 'TEST');
  h.set('Nats-Subject', 'test.m');
  h.set('Nats-Sequence', String(last + 5));
  h.set('Nats-Last-Sequence', String(last + 4));
  f.pub.nc.publish('_jg.live.test.m', new TextEncoder().encode('forged'), { headers: h });
  await waitFor('the forged message to be dropped', async () => (await scrape()).get('jetgate_publications_dropped_total{reason="not_in_stream"}') === 1);
  m = await scrape();
  t.ok(m.get('jetgate_recoveries_total{outcome="ok"}') >= 1, 'the gap was looked up in JetStream');
  t.ok(m.get('jetgate_recovery_duration_seconds_count') >= 1);
  t.equal(p.pubsOf('test:m').length, 10, 'and nothing was delivered');

  // Connections closed through the API, counted by close code.
  const id = j.received.find((x) => x.connect)!.connect!.clientId!;
  await http('POST', `${f.control}/api/v1/disconnect`, { key: KEY, body: { clientId: id } });
  await j.until('closed', () => j.closeCode !== undefined);
  await waitFor('the close to be counted', async () => (await scrape()).get(`jetgate_connections_closed_total{code="${CloseCode.Kicked}",reason="Kicked"}`) === 1);
  m = await scrape();
  t.equal(m.get('jetgate_connections'), 2);
  t.equal(m.get('jetgate_api_requests_total{method="POST",route="/api/v1/disconnect",status="200"}'), 1);
  t.ok(m.get('jetgate_presence_events_total{event="leave"}') >= 1);

  // NATS goes away and comes back: readiness follows, reconnects are counted.
  await f.nats.stop();
  await waitFor('not ready', async () => (await http('GET', `${f.control}/readyz`)).status === 503, 15_000, 100);
  const down = await http('GET', `${f.control}/readyz`);
  t.same(down.body, { status: 'not_ready', checks: { nats: false, streams: true, listening: true, draining: false } });
  t.equal((await scrape()).get('jetgate_nats_connected'), 0);
  await f.nats.run();
  await waitFor('ready again', async () => (await http('GET', `${f.control}/readyz`)).status === 200, 20_000, 100);
  m = await scrape();
  t.equal(m.get('jetgate_nats_reconnects_total'), 1);
  t.equal(m.get('jetgate_nats_disconnects_total'), 1);
  t.equal(m.get('jetgate_nats_connected'), 1);
  t.equal(m.get('target_info{service_instance_id="' + f.gw.config.nodeId + '",service_name="jetgate"}'), 1, 'the resource names the node');

  // The dashboard and the operations guide use the names the gateway serves.
  for (const file of ['infra/grafana/jetgate.json', 'docs/operations.md']) {
    const text = readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');
    const names = new Set(text.match(/\bjetgate_[a-z_]+\b/g));
    t.ok(names.size > 10, `${file} names ${names.size} metrics`);
    for (const n of names) t.ok(m.type(n) ?? m.type(n.replace(/_(bucket|sum|count)$/, '')), `${file}: ${n} is served`);
  }
});

t.test('Prometheus can be turned off', async (t) => {
  const f = await fixture(t, { telemetry: { prometheus: false } });
  const r = await http('GET', `${f.control}/metrics`);
  t.equal(r.status, 404);
  t.equal(r.body.error.code, 'NotFound');
});
