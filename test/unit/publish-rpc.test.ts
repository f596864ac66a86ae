import t from 'tap';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '../../proto/codes.js';
import { ANONYMOUS } from '../../gateway/auth/identity.js';
import { validateConfig } from '../../gateway/config/load.js';
import { outgoingHeaders, stripReservedHeaders } from '../../gateway/headers/outgoing.js';
import { publishMsgId } from '../../gateway/publish/msg-id.js';
import { checkRpcConfig, resolveMethod, rpcTimeout } from '../../gateway/rpc/method.js';
import { resolvePayload } from '../../gateway/schemas/payload.js';
import { Transcoder } from '../../gateway/schemas/transcoder.js';
import { lobby } from '../../proto/gen/examples.js';

const code = (c: number) => ({ code: c });

t.test('client headers: reserved names are dropped, whatever their case; bad ones refused', async (t) => {
  const kept = stripReservedHeaders({
    'Jetgate-User': 'admin', 'jetgate-client': 'x', 'JETGATE-INFO': '{}', 'Nats-Msg-Id': 'dup', 'nats-rollup': 'sub', 'Nats-Expected-Stream': 'S',
    traceparent: '00-aa-bb-01', 'X-Request-Id': 'r1',
  });
  t.same(kept, [['traceparent', '00-aa-bb-01'], ['X-Request-Id', 'r1']]);
  t.same(stripReservedHeaders(undefined), []);
  t.throws(() => stripReservedHeaders({ 'Bad Name': 'v' }), code(ErrorCode.BadRequest));
  t.throws(() => stripReservedHeaders({ 'X-A': 'line\r\nNats-Rollup: all' }), code(ErrorCode.BadRequest), 'no header injection');
  t.throws(() => stripReservedHeaders(Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`h${i}`, 'v']))), code(ErrorCode.BadRequest));
});

t.test('identity headers come after the client\'s and name the caller', async (t) => {
  t.same(outgoingHeaders(ANONYMOUS, 'c1', { 'Jetgate-User': 'admin' }, undefined), [['Jetgate-Client', 'c1']], 'anonymous: no Jetgate-User at all');
  t.same(outgoingHeaders({ ...ANONYMOUS, user: 'u9', info: { name: 'Ann' } }, 'c2', { a: '1' }, 'lobby.v1.SendChat'),
    [['a', '1'], ['Jetgate-User', 'u9'], ['Jetgate-Client', 'c2'], ['Jetgate-Info', '{"name":"Ann"}'], ['Jetgate-Type', 'lobby.v1.SendChat']]);
});

t.test('payloads: size, declared type, decodability; JSON encoded with its type', async (t) => {
  const tc = new Transcoder([fileURLToPath(new URL('../../../proto/examples/lobby.proto', import.meta.url))]);
  const chat = lobby.v1.SendChat.encode({ lobbyId: 'abcdef', text: 'hi' }).finish();
  t.same(resolvePayload({ data: chat, type: 'lobby.v1.SendChat' }, { maxBytes: 100 }, tc), { data: chat, type: 'lobby.v1.SendChat' });
  t.same(resolvePayload({ data: chat }, { maxBytes: 100, requiredType: 'lobby.v1.SendChat' }, tc).type, 'lobby.v1.SendChat', 'required type by default');
  t.same(resolvePayload({ data: Uint8Array.of(1, 2, 3) }, { maxBytes: 100 }, tc), { data: Uint8Array.of(1, 2, 3), type: undefined }, 'untyped bytes pass');
  t.same(resolvePayload({ data: Uint8Array.of(0xff), type: 'other.Unknown' }, { maxBytes: 100 }, tc).type, 'other.Unknown', 'unknown types pass untouched');
  t.throws(() => resolvePayload({ data: chat }, { maxBytes: 3 }, tc), code(ErrorCode.PayloadTooLarge));
  t.throws(() => resolvePayload({ data: Uint8Array.of(0xff, 0xff), type: 'lobby.v1.SendChat' }, { maxBytes: 100 }, tc), code(ErrorCode.BadPayload), 'does not decode');
  t.throws(() => resolvePayload({ data: chat, type: 'lobby.v1.JoinLobby' }, { maxBytes: 100, requiredType: 'lobby.v1.SendChat' }, tc), code(ErrorCode.BadPayload), 'wrong type');
  const fromJson = resolvePayload({ json: { lobbyId: 'abcdef', text: 'hi' }, type: 'lobby.v1.SendChat' }, { maxBytes: 100 }, tc);
  t.same(fromJson.data, chat, 'JSON becomes the same protobuf bytes');
  t.throws(() => resolvePayload({ json: { text: 'hi' } }, { maxBytes: 100 }, tc), code(ErrorCode.BadPayload), 'JSON needs a type');
  t.throws(() => resolvePayload({ json: { txt: 'hi' }, type: 'lobby.v1.SendChat' }, { maxBytes: 100 }, tc), /txt: no such field/, 'typos are refused');
  t.throws(() => resolvePayload({ json: { text: 'x'.repeat(200) }, type: 'lobby.v1.SendChat' }, { maxBytes: 100 }, tc), code(ErrorCode.PayloadTooLarge), 'size of the encoded JSON');
  t.throws(() => resolvePayload({ json: { text: 'hi' }, data: chat, type: 'lobby.v1.SendChat' }, { maxBytes: 100 }, tc), code(ErrorCode.BadRequest));
});

t.test('Nats-Msg-Id: same user, channel and key give the same id; anything else another', async (t) => {
  const id = publishMsgId('u', 'conn-1', 'lobby:1', 'k1');
  t.equal(id, publishMsgId('u', 'conn-1', 'lobby:1', 'k1'));
  t.equal(id, publishMsgId('u', 'conn-2', 'lobby:1', 'k1'), 'a token\'s keys are the user\'s: the same on another connection (a retry after a reconnect)');
  t.not(id, publishMsgId('v', 'conn-1', 'lobby:1', 'k1'), 'another user');
  t.not(id, publishMsgId('u', 'conn-1', 'lobby:2', 'k1'), 'another channel');
  t.equal(publishMsgId('u', 'conn-1', 'lobby:1', ''), undefined, 'no key, no de-duplication');
  t.throws(() => publishMsgId('u', 'conn-1', 'c', 'x'.repeat(129)), code(ErrorCode.BadRequest));
  t.throws(() => publishMsgId('u', 'conn-1', 'c', 'with space'), code(ErrorCode.BadRequest));
});

t.test('Nats-Msg-Id: anonymous keys are scoped to the connection', async (t) => {
  const anon = publishMsgId('', 'conn-1', 'lobby:1', 'k1');
  t.equal(anon, publishMsgId('', 'conn-1', 'lobby:1', 'k1'), 'the same connection retrying: the same id');
  t.not(anon, publishMsgId('', 'conn-2', 'lobby:1', 'k1'), 'another anonymous connection: another id');
  t.not(anon, publishMsgId('conn-1', 'conn-9', 'lobby:1', 'k1'), 'a user named like the connection cannot take its scope');
});

t.test('RPC methods map to their namespace\'s subject', async (t) => {
  const cfg = validateConfig({
    streams: [{ name: 'L', subjects: ['lobby.>'] }],
    namespaces: [
      { name: 'lobby', stream: 'L', rpcSubject: 'svc.{ns}.{method}', rpcMethods: ['join'], rpcTimeoutMs: 2000 },
      { name: 'open', stream: 'L', subject: 'lobby.open.{name}', rpcSubject: 'rpc.{method}' },
      { name: 'none', stream: 'L', subject: 'lobby.none.{name}' },
    ],
  });
  const nss = new Map(cfg.namespaces.map((n) => [n.name, n]));
  t.equal(resolveMethod(nss, 'lobby:join').subject, 'svc.lobby.join');
  t.equal(resolveMethod(nss, 'open:anything').subject, 'rpc.anything');
  t.throws(() => resolveMethod(nss, 'lobby:kick'), code(ErrorCode.RpcNotAllowed), 'not in rpcMethods');
  t.throws(() => resolveMethod(nss, 'none:x'), code(ErrorCode.RpcNotAllowed), 'no rpcSubject');
  t.throws(() => resolveMethod(nss, 'nope:x'), code(ErrorCode.UnknownNamespace));
  for (const bad of ['lobby:a.b', 'lobby:>', 'lobby:*', 'lobby', ':x', 'lobby:a b']) t.throws(() => resolveMethod(nss, bad), code(ErrorCode.BadRequest), bad);
  const ns = nss.get('lobby')!;
  t.equal(rpcTimeout(0, ns), 2000);
  t.equal(rpcTimeout(500, ns), 500);
  t.equal(rpcTimeout(60_000, ns), 2000, 'capped');
  checkRpcConfig(cfg);
  t.throws(() => checkRpcConfig({ streams: cfg.streams, namespaces: [{ ...ns, rpcSubject: 'lobby.{method}' }] }), /stored by stream L/);
  t.throws(() => checkRpcConfig({ streams: [], namespaces: [{ ...ns, rpcSubject: 'svc.lobby' }] }), /must contain \{method\}/);
  t.throws(() => checkRpcConfig({ streams: [], namespaces: [{ ...ns, rpcSubject: 'svc.*.{method}' }] }), /not a valid subject/);
});
