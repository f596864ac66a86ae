import t from 'tap';
import { ROOT_CONTEXT, TraceFlags, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { callerOf, decodeRequest, producerHeaders, typeName } from '../../producer/index.js';
import { headers } from '@nats-io/nats-core';
import { dashboard, lobby } from '../../proto/gen/examples.js';

t.test('typeName reads the full protobuf name of a generated class', async (t) => {
  t.equal(typeName(lobby.v1.PlayerJoined), 'lobby.v1.PlayerJoined');
  t.equal(typeName(dashboard.v1.HostSample), 'dashboard.v1.HostSample');
});

t.test('producer headers: the type, the caller\'s headers, an explicit traceparent', async (t) => {
  const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const h = producerHeaders('lobby.v1.ChatMessage', { traceparent: tp, tracestate: 'x=1', headers: { 'X-Tenant': 'acme' } });
  t.equal(h.get('Jetgate-Type'), 'lobby.v1.ChatMessage');
  t.equal(h.get('traceparent'), tp);
  t.equal(h.get('tracestate'), 'x=1');
  t.equal(h.get('X-Tenant'), 'acme');
  t.notOk(producerHeaders('a.B').has('traceparent'), 'no trace context: no traceparent (no propagator registered)');
  t.throws(() => producerHeaders('a.B', { headers: { 'Nats-Msg-Id': 'x' } }), /reserved/, 'Nats-* has its own option');
  t.throws(() => producerHeaders('a.B', { headers: { 'jetgate-user': 'root' } }), /reserved/, 'Jetgate-* belongs to the gateway');
});

t.test('producer headers carry the OpenTelemetry context on (W3C propagator)', async (t) => {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  t.teardown(() => propagation.disable());
  const span = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };
  const h = producerHeaders('a.B', { context: trace.setSpanContext(ROOT_CONTEXT, span) });
  t.equal(h.get('traceparent'), `00-${span.traceId}-${span.spanId}-01`);
});

t.test('RPC helpers: the caller from the gateway headers, a typed request', async (t) => {
  const h = headers();
  h.set('Jetgate-User', 'u-7');
  h.set('Jetgate-Client', 'c-1');
  h.set('Jetgate-Info', '{"name":"Ann"}');
  t.same(callerOf(h), { user: 'u-7', clientId: 'c-1', info: { name: 'Ann' } });
  t.same(callerOf(undefined), { user: '', clientId: '', info: undefined }, 'anonymous');
  h.set('Jetgate-Type', 'lobby.v1.SendChat');
  const data = lobby.v1.SendChat.encode({ lobbyId: 'abcdef', text: 'hi' }).finish();
  t.equal(decodeRequest({ data, headers: h }, lobby.v1.SendChat).text, 'hi');
  t.throws(() => decodeRequest({ data, headers: h }, lobby.v1.JoinLobby), /expected a lobby\.v1\.JoinLobby, got a lobby\.v1\.SendChat/);
});
