import t from 'tap';
import WebSocket from 'ws';
import { headers as natsHeaders, type Msg } from '@nats-io/nats-core';
import { JetgateClient } from '../../client/index.js';
import { ErrorCode } from '../../proto/codes.js';
import { callerOf, decodeRequest, respond } from '../../producer/index.js';
import { lobby } from '../../proto/gen/examples.js';
import { exampleConfig } from '../helpers/examples.js';
import { fixture } from '../helpers/fixture.js';

const SCHEMAS = exampleConfig().schemas;
const config = {
  schemas: SCHEMAS,
  namespaces: [
    { name: 'test', stream: 'TEST', anonymous: ['subscribe', 'history', 'publish'], publish: true, maxPayloadBytes: 256 },
    { name: 'chat', stream: 'TEST', subject: 'test.chat.{name}', anonymous: ['subscribe', 'publish'], publish: true, publishType: 'lobby.v1.ChatMessage' },
    { name: 'ro', stream: 'TEST', subject: 'test.ro.{name}', anonymous: true },
    { name: 'svc', stream: 'TEST', subject: 'test.svc.{name}', anonymous: ['subscribe', 'rpc'], rpcSubject: 'rpc.{ns}.{method}', rpcTimeoutMs: 3000 },
  ],
};

t.test('client publish: stored with the caller\'s identity; a retried key is stored once; errors have codes', async (t) => {
  const { pub, client, url } = await fixture(t, config);
  const c = await client('proto');
  const sub = await client('proto');
  t.ok((await sub.request({ subscribe: { channel: 'test:room' } })).subscribe);

  const first = await c.request({ publish: { channel: 'test:room', data: Uint8Array.of(1, 2, 3), idempotencyKey: 'k-1', headers: { 'X-Trace': 't1', 'Jetgate-User': 'admin', 'Nats-Rollup': 'sub' } } });
  t.ok(first.publish?.seq, `stored at ${first.publish?.seq}`);
  t.notOk(first.publish?.duplicate);
  const retry = await c.request({ publish: { channel: 'test:room', data: Uint8Array.of(1, 2, 3), idempotencyKey: 'k-1' } });
  t.same(retry.publish, { channel: 'test:room', seq: first.publish!.seq, duplicate: true }, 'the retry: the same seq, flagged duplicate');
  // Anonymous keys are the connection's own: another anonymous connection with the same key is
  // another publish (test/integration/abuse-edges.test.ts has tokens, whose keys are the user's).
  const c2 = await client('json');
  const second = await c2.request({ publish: { channel: 'test:room', data: Uint8Array.of(1, 2, 3), idempotencyKey: 'k-1' } });
  t.ok(second.publish!.seq! > first.publish!.seq!, 'another anonymous connection\'s key is its own');
  t.notOk(second.publish?.duplicate);
  const other = await c.request({ publish: { channel: 'test:room', data: Uint8Array.of(4), idempotencyKey: 'k-2' } });
  t.ok(other.publish!.seq! > second.publish!.seq!);

  const info = await pub.jsm().then((m) => m.streams.info('TEST'));
  t.equal(info.state.messages, 3, 'the stream holds each publish once');
  const stored = await pub.stored('TEST', first.publish!.seq!);
  t.equal(stored.header.get('X-Trace'), 't1', 'client headers are kept');
  t.equal(stored.header.get('Jetgate-User'), '', 'a forged identity is stripped (anonymous: none)');
  t.equal(stored.header.get('Nats-Rollup'), '', 'no client steers JetStream');
  t.ok(stored.header.get('Jetgate-Client'), 'the publishing connection is named');
  await sub.until('the subscriber sees all three, once each', () => sub.pubsOf('test:room').length >= 3);
  t.same(sub.pubsOf('test:room').map((p) => p.seq), [first.publish!.seq, second.publish!.seq, other.publish!.seq]);

  const err = async (msg: Parameters<typeof c.request>[0]) => (await c.request(msg)).error?.code;
  t.equal(await err({ publish: { channel: 'ro:x', data: Uint8Array.of(1) } }), ErrorCode.PublishNotAllowed);
  t.equal(await err({ publish: { channel: 'test:room', data: new Uint8Array(257) } }), ErrorCode.PayloadTooLarge);
  t.equal(await err({ publish: { channel: 'chat:a', data: Uint8Array.of(0xff, 0xff) } }), ErrorCode.BadPayload, 'does not decode as the namespace\'s type');
  t.equal(await err({ publish: { channel: 'chat:a', data: lobby.v1.ChatMessage.encode({ text: 'hi' }).finish(), type: 'lobby.v1.PlayerReady' } }), ErrorCode.BadPayload, 'another type');
  t.equal(await err({ publish: { channel: 'test:>', data: Uint8Array.of(1) } }), ErrorCode.BadChannel);

  // The SDK: JSON in, protobuf stored, the JSON subscriber reads it back as JSON.
  const sdk = new JetgateClient({ url, format: 'json', WebSocket: WebSocket as never });
  t.teardown(() => sdk.close());
  await sdk.connect();
  const r = await sdk.publish('chat:a', { json: { name: 'Ann', text: 'hello' } }, { idempotencyKey: 'sdk-1' });
  const r2 = await sdk.publish('chat:a', { json: { name: 'Ann', text: 'hello' } }, { idempotencyKey: 'sdk-1' });
  t.same([r2.seq, r2.duplicate], [r.seq, true]);
  const m = await pub.stored('TEST', r.seq);
  t.equal(lobby.v1.ChatMessage.decode(m.data).text, 'hello', 'stored as protobuf');
  t.equal(m.header.get('Jetgate-Type'), 'lobby.v1.ChatMessage');
});

t.test('RPC: reply, identity headers a client cannot forge, timeout, no responders, service error', async (t) => {
  const { pub, client, url } = await fixture(t, config);
  const seen: Msg[] = [];
  const nc = pub.nc;
  nc.subscribe('rpc.svc.echo', {
    callback: (_e, msg) => {
      seen.push(msg);
      const req = decodeRequest(msg, lobby.v1.SendChat);
      const who = callerOf(msg.headers);
      respond(msg, lobby.v1.ChatMessage, { text: `echo ${req.text}`, playerId: who.user || 'anonymous', name: who.clientId });
    },
  });
  nc.subscribe('rpc.svc.slow', { callback: () => undefined });
  nc.subscribe('rpc.svc.fail', {
    callback: (_e, msg) => {
      const h = natsHeaders();
      h.set('Nats-Service-Error', 'lobby is full');
      h.set('Nats-Service-Error-Code', '409');
      msg.respond(new Uint8Array(), { headers: h });
    },
  });
  await nc.flush();

  const c = await client('proto');
  const data = lobby.v1.SendChat.encode({ text: 'hi' }).finish();
  const forged = { 'Jetgate-User': 'admin', 'jetgate-info': '{"role":"admin"}', 'Jetgate-Client': 'someone-else', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
  const ok = await c.request({ rpc: { method: 'svc:echo', data, type: 'lobby.v1.SendChat', headers: forged } });
  t.equal(ok.rpc?.type, 'lobby.v1.ChatMessage');
  const reply = lobby.v1.ChatMessage.decode(ok.rpc!.data!);
  t.equal(reply.text, 'echo hi');
  t.equal(reply.playerId, 'anonymous', 'the service saw no user: the forged Jetgate-User was stripped');
  const h = seen[0]!.headers!;
  t.equal(h.get('Jetgate-User'), '');
  t.equal(h.get('Jetgate-Info'), '');
  t.not(h.get('Jetgate-Client'), 'someone-else');
  t.equal(reply.name, h.get('Jetgate-Client'), 'the connection id the gateway set');
  t.equal(h.values('Jetgate-Client').length, 1, 'one Jetgate-Client, the gateway\'s');
  t.equal(h.get('traceparent'), forged.traceparent, 'trace context passes');

  const j = await client('json');
  const okJson = await j.request({ rpc: { method: 'svc:echo', json: { text: 'json' }, type: 'lobby.v1.SendChat' } });
  t.same(okJson.rpc?.json, { lobbyId: '', playerId: 'anonymous', name: seen[1]!.headers!.get('Jetgate-Client'), text: 'echo json', sentMs: '0' }, 'JSON in, JSON out');

  const started = Date.now();
  const slow = await c.request({ rpc: { method: 'svc:slow', data, timeoutMs: 300 } });
  t.same([slow.error?.code, slow.error?.temporary], [ErrorCode.RpcTimeout, true]);
  t.ok(Date.now() - started < 2000, 'the client\'s timeout, not the namespace\'s');
  t.equal((await c.request({ rpc: { method: 'svc:nobody', data } })).error?.code, ErrorCode.RpcNoResponders);
  const failed = await c.request({ rpc: { method: 'svc:fail', data } });
  t.same([failed.error?.code, failed.error?.message], [ErrorCode.RpcFailed, 'lobby is full (409)']);
  t.equal((await c.request({ rpc: { method: 'ro:x', data } })).error?.code, ErrorCode.RpcNotAllowed);
  t.equal((await c.request({ rpc: { method: 'svc:echo', data: new Uint8Array(20_000) } })).error?.code, ErrorCode.PayloadTooLarge);
  t.equal((await c.request({ rpc: { method: 'svc:echo', data: Uint8Array.of(0xff), type: 'lobby.v1.SendChat' } })).error?.code, ErrorCode.BadPayload);

  // The SDK's rpc(): errors surface as JetgateError with the code.
  const sdk = new JetgateClient({ url, WebSocket: WebSocket as never });
  t.teardown(() => sdk.close());
  await sdk.connect();
  const r = await sdk.rpc('svc:echo', { data, type: 'lobby.v1.SendChat' }, { headers: { 'Jetgate-User': 'root' } });
  t.equal(lobby.v1.ChatMessage.decode(r.data!).playerId, 'anonymous');
  await t.rejects(sdk.rpc('svc:slow', { data }, { timeoutMs: 200 }), { kind: 'server', code: ErrorCode.RpcTimeout });
});
