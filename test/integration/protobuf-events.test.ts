import t from 'tap';
import WebSocket from 'ws';
import { JetgateClient, type Publication } from '../../client/index.js';
import { Producer } from '../../producer/index.js';
import { dashboard, lobby } from '../../proto/gen/examples.js';
import { exampleConfig } from '../helpers/examples.js';
import { fixture } from '../helpers/fixture.js';
import { waitFor } from '../helpers/ports.js';

t.test('a service publishes protobuf; a binary and a JSON client get the same event, each in its format', async (t) => {
  const { pub, url } = await fixture(t, exampleConfig());
  const producer = new Producer(pub.nc);
  const clients = (['proto', 'json'] as const).map((format) => {
    const c = new JetgateClient({ url, format, WebSocket: WebSocket as never });
    t.teardown(() => c.close());
    const got: Publication[] = [];
    const state = { subscribed: 0 };
    for (const channel of ['lobby:abc123', 'metrics:hosts/*']) c.subscribe(channel, { onPublication: (p) => got.push(p), onSubscribed: () => state.subscribed++ });
    return { c, got, state };
  });
  await Promise.all(clients.map(({ c }) => c.connect()));
  await waitFor('subscribed', () => clients.every(({ state }) => state.subscribed === 2));

  const chat = { lobbyId: 'abc123', playerId: 'p1', name: 'Ann', text: 'gl hf', sentMs: 1_795_000_000_000 };
  const ack = await producer.publish('lobby.abc123', lobby.v1.ChatMessage, chat, { msgId: 'chat-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
  const sample = { host: 'api-1', region: 'eu-west', timeMs: 1_795_000_000_500, cpuPercent: 42.5, memoryPercent: 61, requestsPerSecond: 400, p95LatencyMs: 80, errorRate: 0.001 };
  const ack2 = await producer.publish('metrics.hosts.api-1', dashboard.v1.HostSample, sample);
  const again = await producer.publish('lobby.abc123', lobby.v1.ChatMessage, chat, { msgId: 'chat-1' });
  t.same(again, { ...ack, duplicate: true }, 'the same msgId again: stored once, the original seq');

  await waitFor('both events at both clients', () => clients.every(({ got }) => got.length >= 2));
  const [binary, json] = clients.map(({ got }) => got);
  const bChat = binary!.find((p) => p.channel === 'lobby:abc123')!;
  const jChat = json!.find((p) => p.channel === 'lobby:abc123')!;
  t.equal(bChat.seq, ack.seq);
  t.equal(jChat.seq, ack.seq);
  t.equal(bChat.type, 'lobby.v1.ChatMessage');
  t.equal(jChat.type, 'lobby.v1.ChatMessage');
  t.same(bChat.data, lobby.v1.ChatMessage.encode(chat).finish(), 'binary: the producer\'s bytes untouched');
  t.same(lobby.v1.ChatMessage.decode(bChat.data!).toJSON(), { ...chat, sentMs: chat.sentMs }, 'which decode with the generated type');
  t.same(jChat.json, { ...chat, sentMs: String(chat.sentMs) }, 'JSON: decoded with the schema, 64-bit integers as strings');
  t.equal(jChat.data, undefined);
  const jSample = json!.find((p) => p.channel === 'metrics:hosts/*')!;
  t.equal(jSample.seq, ack2.seq);
  t.equal(jSample.subject, 'hosts/api-1', 'wildcard channel names the concrete one');
  t.same(jSample.json, { ...sample, timeMs: String(sample.timeMs) });
  t.same(dashboard.v1.HostSample.decode(binary!.find((p) => p.channel === 'metrics:hosts/*')!.data!).cpuPercent, 42.5);
});

t.test('a type the gateway has no schema for: binary clients get the bytes, JSON clients base64 and the type name', async (t) => {
  const { pub, client } = await fixture(t, exampleConfig());
  const b = await client('proto');
  const j = await client('json');
  for (const c of [b, j]) t.ok((await c.request({ subscribe: { channel: 'lobby:xyz789' } })).subscribe);
  const { headers } = await import('@nats-io/nats-core');
  const h = headers();
  h.set('Jetgate-Type', 'acme.v2.Unknown');
  const bytes = Uint8Array.of(8, 150, 1, 0xff);
  const ack = await pub.js.publish('lobby.xyz789', bytes, { headers: h });
  const [pb, pj] = await Promise.all([b, j].map((c) => c.until('pub', () => c.pubsOf('lobby:xyz789')[0])));
  t.same([pb!.seq, pb!.type, pb!.data], [ack.seq, 'acme.v2.Unknown', bytes]);
  t.same([pj!.seq, pj!.type, pj!.json, pj!.data], [ack.seq, 'acme.v2.Unknown', undefined, bytes], 'JSON client: base64 on the wire, the same bytes once decoded');
});
