/**
 * Prototype pollution (issue 11, item 1): frames of both subprotocols, before and after connect,
 * anonymous and with tokens, in every request type, and server API bodies, that try to write into
 * Object.prototype through `__proto__` or `constructor.prototype` (or through inherited properties
 * such as `constructor` and `toString`). Each is refused or harmless; afterwards the intrinsics of
 * this process (the fixture's gateway runs here) and of a gateway child process are unchanged: an
 * RPC service sees exactly the identity it should, publishes and RPCs work, binary subscribers get
 * no stray fields, and the control plane's errors keep their statuses.
 */
import t from 'tap';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { ErrorCode } from '../../proto/codes.js';
import { google, jetgate } from '../../proto/gen/protocol.js';
import { lobby } from '../../proto/gen/examples.js';
import { callerOf } from '../../producer/index.js';
import { authConfig, AUD } from '../helpers/auth-setup.js';
import { exampleConfig } from '../helpers/examples.js';
import { fixture } from '../helpers/fixture.js';
import { GatewayProcess, testConfig } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { RawClient } from '../helpers/raw-client.js';
import { inSec, makeKeys, sign } from '../helpers/tokens.js';

const keys = makeKeys();
const API_KEY = 'pollution-test-api-key-0123456789';
const INFO = { name: 'Ann', role: 'player' };

async function config(): Promise<Record<string, unknown>> {
  return {
    ...(await authConfig(keys)),
    schemas: exampleConfig().schemas,
    control: { apiKeys: [API_KEY] },
    namespaces: [
      { name: 'test', stream: 'TEST', anonymous: ['subscribe', 'history', 'presence', 'publish', 'rpc'], publish: true, presence: true, rpcSubject: 'rpc.{ns}.{method}', rpcTimeoutMs: 5000 },
      { name: 'chat', stream: 'TEST', subject: 'test.chat.{name}', anonymous: ['subscribe', 'publish'], publish: true, publishType: 'lobby.v1.ChatMessage' },
    ],
  };
}

// Every request type, each trying both refused keys, on its body and on a plain-JSON value (ids
// from 9000: apart from the requests' own).
const BODIES = ['connect', 'subscribe', 'unsubscribe', 'publish', 'rpc', 'presence', 'history', 'refresh'];
const EVIL = '{"info":{"role":"admin","name":"Mallory"},"json":"pwned"}';
const REFUSED: string[] = [
  `{"__proto__":${EVIL}}`,
  `{"constructor":{"prototype":${EVIL}}}`,
  `{"\\u005f_proto__":${EVIL}}`, // escaped: the same key once parsed
  `{"id":9001,"subscribe":{"channel":"test:a"},"x":[{"y":[{"__proto__":${EVIL}}]}]}`, // nested, in arrays
  ...BODIES.flatMap((b, i) => [
    `{"id":${9010 + i},"${b}":{"__proto__":${EVIL}}}`,
    `{"id":${9020 + i},"${b}":{"constructor":{"prototype":${EVIL}}}}`,
    `{"id":${9030 + i},"${b}":{"channel":"test:a","method":"test:whoami","json":{"a":{"__proto__":{"polluted":1}}}}}`,
    `{"id":${9040 + i},"${b}":{"channel":"chat:a","json":{"constructor":{"prototype":{"polluted":1}}}}}`,
  ]),
];
// Keys that are not refused, but that a walk through inherited properties would follow into
// Object, Function.prototype or Object.prototype. Each is answered with an error of some kind.
const INHERITED: string[] = [
  '{"constructor":{"json":"pwned","info":{"role":"admin"}}}',
  '{"toString":{"json":"pwned"}}',
  '{"hasOwnProperty":{"info":{"role":"admin"}}}',
  '{"publish":{"channel":"nope:a","constructor":{"json":"pwned"}}}',
  '{"id":9005,"publish":{"channel":"chat:a","json":{"constructor":{"name":"x"},"toString":"y"}}}',
];

/** One binary envelope, framed by hand: so that a Struct can carry a field named `__proto__`. */
function binaryFrame(msg: jetgate.v1.IClientMessage): Buffer {
  const bytes = jetgate.v1.ClientMessage.encode(msg).finish();
  const len: number[] = [];
  for (let n = bytes.length; ; n >>>= 7) {
    if (n < 0x80) {
      len.push(n);
      break;
    }
    len.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from(len), bytes]);
}

const evilStruct = (key: string): google.protobuf.IValue => ({
  structValue: { fields: { [key]: { structValue: { fields: { info: { stringValue: 'admin' }, polluted: { numberValue: 1 }, prototype: { structValue: { fields: { polluted: { numberValue: 1 } } } } } } } } },
});
const BINARY: Buffer[] = [
  binaryFrame({ id: 1, publish: { channel: 'chat:a', json: evilStruct('__proto__') } }),
  binaryFrame({ id: 2, publish: { channel: 'chat:a', json: evilStruct('constructor') } }),
  binaryFrame({ id: 3, rpc: { method: 'test:whoami', json: { listValue: { values: [evilStruct('__proto__')] } } } }),
  binaryFrame({ id: 4, publish: { channel: 'test:a', json: { structValue: { fields: { a: evilStruct('__proto__') } } } } }),
];

/** What the intrinsics look like: their own keys. */
function snapshot(): string[] {
  return [Object.prototype, Array.prototype, Function.prototype, Object, String.prototype].map((o) => Reflect.ownKeys(o).map(String).sort().join(','));
}

/** Sends every frame on its own and waits for one error each; returns them in order. */
async function sendAll(c: RawClient, frames: Array<string | Buffer>): Promise<Array<{ code: number; message: string }>> {
  const before = c.received.filter((m) => m.error).length;
  for (const f of frames) c.sendRaw(f);
  const errors = await c.until('an answer to every frame', () => {
    const e = c.received.filter((m) => m.error).slice(before);
    return e.length >= frames.length && e;
  });
  return errors.map((m) => ({ code: m.error!.code ?? 0, message: m.error!.message ?? '' }));
}

/** An RPC service on `rpc.test.whoami`, built with the producer helper: answers with its caller. */
function whoami(nc: NatsConnection): Array<{ info: unknown; header: string | undefined }> {
  const seen: Array<{ info: unknown; header: string | undefined }> = [];
  nc.subscribe('rpc.test.whoami', {
    callback: (_e, msg: Msg) => {
      const caller = callerOf(msg.headers);
      seen.push({ info: caller.info, header: msg.headers?.get('Jetgate-Info') || undefined });
      msg.respond(new TextEncoder().encode(JSON.stringify({ user: caller.user, info: caller.info ?? null })));
    },
  });
  return seen;
}

async function rpcInfo(c: RawClient): Promise<unknown> {
  const r = await c.request({ rpc: { method: 'test:whoami', data: new Uint8Array([1]) } });
  if (!r.rpc) throw new Error(`rpc failed: ${JSON.stringify(r.error)}`);
  return (JSON.parse(new TextDecoder().decode(r.rpc.data ?? new Uint8Array())) as { info: unknown }).info;
}

t.test('no frame, token or API body reaches a prototype; identities, publishes, RPCs and errors stay right', async (t) => {
  const before = snapshot();
  const { client, url, control, pub } = await fixture(t, await config());
  const seen = whoami(pub.nc);
  await pub.nc.flush();

  // Before connect, anonymous: the frames.
  const early = await RawClient.open(url, 'json');
  t.teardown(() => early.close());
  const earlyErrors = await sendAll(early, [...REFUSED, ...INHERITED]);
  earlyErrors.slice(0, REFUSED.length).forEach((e, i) => {
    t.equal(e.code, ErrorCode.BadRequest, `refused before connect: ${REFUSED[i]}`);
    t.match(e.message, /"(__proto__|constructor\.prototype)" refused/);
  });

  // Connected: anonymous and with tokens, on both subprotocols.
  const plain = await sign(keys, 'HS256', { ...AUD, sub: 'u-plain', exp: inSec(600) });
  const withInfo = await sign(keys, 'HS256', { ...AUD, sub: 'u-info', exp: inSec(600), info: INFO });
  const anonJson = await client('json');
  const tokenJson = await client('json', plain);
  for (const c of [anonJson, tokenJson]) {
    const errors = await sendAll(c, [...REFUSED, ...INHERITED]);
    errors.slice(0, REFUSED.length).forEach((e, i) => t.equal(e.code, ErrorCode.BadRequest, `refused once connected: ${REFUSED[i]}`));
  }
  const anonProto = await client('proto');
  const binErrors = await sendAll(anonProto, BINARY);
  for (const e of binErrors) {
    t.equal(e.code, ErrorCode.BadRequest, 'binary Struct field refused');
    t.match(e.message, /"(__proto__|constructor\.prototype)" refused/);
  }

  // Tokens whose claims try it are refused (1021), whatever the signature says.
  for (const info of [JSON.parse(`{"__proto__":${EVIL}}`), JSON.parse(`{"a":{"constructor":{"prototype":${EVIL}}}}`)]) {
    const evil = await sign(keys, 'HS256', { ...AUD, sub: 'u-evil', exp: inSec(600), info });
    const c = await RawClient.open(url, 'json');
    t.teardown(() => c.close());
    const r = await c.request({ connect: { token: evil } });
    t.equal(r.error?.code, ErrorCode.BadToken, 'token with a refused key in its claims');
  }

  // Server API bodies: a refused key is a 400 with the usual error shape; 401 stays 401.
  const publish = `${control}/api/v1/publish`;
  for (const body of [`{"channel":"test:a","text":"x","__proto__":${EVIL}}`, `{"channel":"test:a","json":{"constructor":{"prototype":${EVIL}}}}`, `{"channel":"test:a","headers":{"__proto__":{"x":"y"}},"text":"x"}`]) {
    const r = await http('POST', publish, { key: API_KEY, body });
    t.equal(r.status, 400, `API body refused: ${body}`);
    t.equal(r.body?.error?.code, 'BadRequest');
  }

  // Afterwards: nothing changed in this process.
  t.same(snapshot(), before, 'Object.prototype, Array.prototype, Function.prototype, Object, String.prototype unchanged');
  const probe = {} as Record<string, unknown>;
  t.equal(probe.info, undefined);
  t.equal(probe.json, undefined);
  t.equal((Object as unknown as Record<string, unknown>).json, undefined);

  // A service sees exactly the identity it should.
  t.equal(await rpcInfo(anonJson), null, 'anonymous: no info');
  t.equal(await rpcInfo(tokenJson), null, 'a token without info: none');
  const infoClient = await client('proto', withInfo);
  t.same(await rpcInfo(infoClient), INFO, 'a token with info: exactly it');
  t.same(seen.map((s) => s.header === undefined), [true, true, false], 'Jetgate-Info only for the token that has info');

  // Presence shows the same.
  for (const c of [anonJson, infoClient]) t.ok((await c.request({ subscribe: { channel: 'test:room' } })).subscribe);
  const list = await (async () => {
    for (let i = 0; i < 50; i++) {
      const r = await anonJson.request({ presence: { channel: 'test:room' } });
      if ((r.presence?.clients?.length ?? 0) >= 2) return r.presence!.clients!;
      await new Promise((res) => setTimeout(res, 200));
    }
    throw new Error('presence never listed both members');
  })();
  t.same(list.map((m) => m.info ?? null).sort((a, b) => (a ? 1 : 0) - (b ? 1 : 0)), [null, INFO], 'presence: no info for anonymous, the token\'s info for the other');

  // Publishes and RPCs work; binary subscribers get no stray fields.
  const binSub = await client('proto');
  const jsonSub = await client('json');
  for (const c of [binSub, jsonSub]) t.ok((await c.request({ subscribe: { channel: 'chat:a' } })).subscribe);
  const sent = await anonJson.request({ publish: { channel: 'chat:a', json: { name: 'Bob', text: 'hi' } } });
  t.ok(sent.publish?.seq, `a JSON publish is stored: ${JSON.stringify(sent)}`);
  const sentBin = await anonProto.request({ publish: { channel: 'chat:a', data: lobby.v1.ChatMessage.encode({ name: 'Bob', text: 'bin' }).finish() } });
  t.ok(sentBin.publish?.seq, 'a binary publish is stored');
  const [b1, b2] = await binSub.until('two publications', () => binSub.pubsOf('chat:a').length >= 2 && binSub.pubsOf('chat:a'));
  for (const p of [b1!, b2!]) t.same(Object.keys(p).filter((k) => !['channel', 'seq', 'data', 'type', 'time', 'headers', 'subject'].includes(k)), [], 'no stray field beside data');
  const [j1] = await jsonSub.until('the JSON subscriber', () => jsonSub.pubsOf('chat:a').length >= 2 && jsonSub.pubsOf('chat:a'));
  t.match(j1?.json, { name: 'Bob', text: 'hi' });

  // The control plane's errors behave normally.
  const unauth = await http('POST', publish, { body: { channel: 'test:a', text: 'x' } });
  t.equal(unauth.status, 401);
  t.equal(unauth.body?.error?.code, 'Unauthorized');
  t.equal((await http('GET', `${control}/nope`)).status, 404);
  t.equal((await http('POST', publish, { key: API_KEY, body: { channel: 'test:a', text: 'ok' } })).status, 200);
});

t.test('a gateway process: frozen intrinsics, the same frames refused, identities intact', async (t) => {
  const { nats, pub } = await fixture(t, {});
  const seen = whoami(pub.nc);
  await pub.nc.flush();
  const gp = await GatewayProcess.start(testConfig(nats.url, { ...(await config()), logLevel: 'info' }));
  t.teardown(() => gp.stop());
  // The log line travels on stdout, the address the helper waits for on stderr: wait for it.
  for (const deadline = Date.now() + 15_000; gp.logs('intrinsics frozen').length === 0 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 100));
  t.equal(gp.logs('intrinsics frozen').length, 1, 'jetgate serve froze the intrinsics once started');
  const c = await RawClient.connect(gp.url, 'json');
  t.teardown(() => c.close());
  const errors = await sendAll(c, [...REFUSED, ...INHERITED]);
  errors.slice(0, REFUSED.length).forEach((e) => t.equal(e.code, ErrorCode.BadRequest));
  t.equal(await rpcInfo(c), null, 'anonymous caller: no info');
  const withInfo = await RawClient.connect(gp.url, 'proto', await sign(keys, 'HS256', { ...AUD, sub: 'u-info', exp: inSec(600), info: INFO }));
  t.teardown(() => withInfo.close());
  t.same(await rpcInfo(withInfo), INFO);
  t.equal(seen[0]?.header, undefined);
  t.equal((await http('POST', `${gp.controlUrl}/api/v1/publish`, { body: { channel: 'test:a', text: 'x' } })).status, 401, '401 stays 401');
  t.equal((await http('POST', `${gp.controlUrl}/api/v1/publish`, { key: API_KEY, body: { channel: 'test:a', text: 'x' } })).status, 200);
  const metrics = await http('GET', `${gp.controlUrl}/metrics`);
  t.equal(metrics.status, 200, 'OpenTelemetry\'s Prometheus exporter serves with frozen intrinsics');
  t.match(metrics.text, /jetgate_connections_opened_total/);
  t.equal(gp.exited, false);
});
