import { randomBytes } from 'node:crypto';
import t from 'tap';
import { headers } from '@nats-io/nats-core';
import { startGateway, testConfig } from '../helpers/gateway.js';
import { NatsServer } from '../helpers/nats-server.js';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { Publisher } from '../helpers/publisher.js';
import { RawClient } from '../helpers/raw-client.js';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

t.test('a producer\'s traceparent continues into the gateway\'s spans, exported over OTLP', async (t) => {
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const receiver = await OtlpReceiver.start();
  t.teardown(() => receiver.close());
  const gw = await startGateway(testConfig(nats.url, { telemetry: { traces: true, otlpEndpoint: receiver.url, traceSampleRatio: 1 } }));
  let stopped = false;
  t.teardown(() => (stopped ? undefined : gw.stop()));
  const pub = await Publisher.connect(nats.url);
  t.teardown(() => pub.close());
  const c = await RawClient.connect(`ws://127.0.0.1:${gw.port}/ws`);
  t.teardown(() => c.close());
  await c.request({ subscribe: { channel: 'test:traced' } });

  const js = pub.js;
  const send = async (traceparent?: string) => {
    const h = headers();
    if (traceparent) h.set('traceparent', traceparent);
    return (await js.publish('test.traced', new TextEncoder().encode('x'), { headers: h })).seq;
  };
  const [traceId, producerSpan] = [hex(16), hex(8)];
  const sampled = await send(`00-${traceId}-${producerSpan}-01`);
  const unsampled = await send(`00-${hex(16)}-${hex(8)}-00`);
  const plain = await send();
  await c.until('3 publications', () => c.pubsOf('test:traced').length >= 3);
  // A replay (root span, sampled at traceSampleRatio).
  const r = await RawClient.connect(`ws://127.0.0.1:${gw.port}/ws`);
  t.teardown(() => r.close());
  await r.request({ subscribe: { channel: 'test:traced', rewind: 3 } });
  await r.until('the rewind', () => r.pubsOf('test:traced').length >= 3);

  await gw.stop(); // exports what is pending
  stopped = true;

  const receive = receiver.spans.filter((s) => s.name === 'jetgate.receive');
  t.equal(receive.length, 1, 'one receive span: only the sampled producer trace');
  const span = receive[0]!;
  t.equal(span.traceId, traceId, 'same trace as the producer');
  t.equal(span.parentSpanId, producerSpan, 'the producer\'s span is its parent');
  t.equal(span.kind, 5, 'a consumer span');
  t.match(span.attributes, { 'jetgate.channel': 'test:traced', 'jetgate.seq': sampled, 'messaging.system': 'nats', 'messaging.destination.name': 'test.traced' });
  t.match(span.resource, { 'service.name': 'jetgate', 'service.instance.id': gw.config.nodeId });
  t.not(sampled, unsampled);
  t.not(sampled, plain);

  const deliver = receiver.spans.filter((s) => s.name === 'jetgate.deliver');
  t.equal(deliver.length, 1, 'one delivery span for the traced publication, not one per socket');
  t.equal(deliver[0]!.parentSpanId, span.spanId);
  t.equal(deliver[0]!.traceId, traceId);
  t.equal(deliver[0]!.attributes['jetgate.subscribers'], 1);

  const replay = receiver.spans.filter((s) => s.name === 'jetgate.replay');
  t.equal(replay.length, 1);
  t.match(replay[0]!.attributes, { 'jetgate.channel': 'test:traced', 'jetgate.replay': 'rewind', 'jetgate.live': true });
  t.equal(replay[0]!.parentSpanId, undefined, 'a root span');
});

t.test('traces are off by default', async (t) => {
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const receiver = await OtlpReceiver.start();
  t.teardown(() => receiver.close());
  // OTLP metrics on, traces not asked for.
  const gw = await startGateway(testConfig(nats.url, { telemetry: { otlpEndpoint: receiver.url } }));
  const pub = await Publisher.connect(nats.url);
  t.teardown(() => pub.close());
  const c = await RawClient.connect(`ws://127.0.0.1:${gw.port}/ws`);
  await c.request({ subscribe: { channel: 'test:traced' } });
  const h = headers();
  h.set('traceparent', `00-${hex(16)}-${hex(8)}-01`);
  await pub.js.publish('test.traced', new Uint8Array([1]), { headers: h });
  await c.until('the publication', () => c.pubsOf('test:traced').length >= 1);
  await c.close();
  await gw.stop();
  t.same(receiver.spans, [], 'no spans');
  t.ok(receiver.requests.includes('/v1/metrics'), 'metrics were pushed over OTLP at shutdown');
});
