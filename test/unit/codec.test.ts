import t from 'tap';
import { decodeClient, decodeServer, encodeClient, encodeServer, joinFrames, FrameError, type ServerMessage } from '../../proto/codec.js';
import { jetgate } from '../../proto/gen/protocol.js';

const pub: ServerMessage = { pub: { channel: 'lobby:1', seq: 2 ** 40 + 7, data: Uint8Array.from([0, 1, 255]), type: 'x.Y', time: 1_700_000_000_123, headers: { a: 'b' } } };

t.test('binary: several envelopes in one message, 64-bit sequences exact', async (t) => {
  const one = encodeServer('proto', pub);
  const [a, b] = decodeServer('proto', joinFrames('proto', [one, one]));
  t.equal(a?.pub?.seq, 2 ** 40 + 7);
  t.same(Array.from(b?.pub?.data ?? []), [0, 1, 255]);
  t.same(b?.pub?.headers, { a: 'b' });
});

t.test('JSON: canonical mapping, plain JSON payloads both ways', async (t) => {
  const line = encodeServer('json', { id: 3, pub: { channel: 'c:d', seq: 9, json: { seq: 1, list: [true, null, 'x'] } } });
  t.same(JSON.parse(line), { id: 3, pub: { channel: 'c:d', seq: '9', json: { seq: 1, list: [true, null, 'x'] } } }, '64-bit as string; payload untouched');
  const bytes = encodeServer('json', pub);
  t.equal(JSON.parse(bytes).pub.data, 'AAH/', 'bytes as base64');
  const [m] = decodeServer('json', joinFrames('json', [line, bytes]).split('\n')[0]!);
  t.same(m?.pub?.json, { seq: 1, list: [true, null, 'x'] });
  const bin = decodeServer('proto', encodeServer('proto', { pub: { channel: 'c:d', seq: 1, json: { a: [1, { b: 'c' }] } } }));
  t.same(bin[0]?.pub?.json, { a: [1, { b: 'c' }] }, 'Value fields survive the binary form too');
  const [c] = decodeClient('json', encodeClient('json', { id: 1, publish: { channel: 'a:b', json: { n: 1 } } }));
  t.same(c?.publish?.json, { n: 1 });
});

t.test('malformed input is a FrameError, never something else', async (t) => {
  const cases: Array<[string, Uint8Array | string, 'proto' | 'json']> = [
    ['truncated length', Uint8Array.from([0x80]), 'proto'],
    ['length past the end', Uint8Array.from([9, 1]), 'proto'],
    ['overlong varint', Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 'proto'],
    ['garbage', new TextEncoder().encode('hello world'), 'proto'],
    ['text on binary', 'hi', 'proto'],
    ['bad JSON', '{', 'json'],
    ['not an object', '[1]', 'json'],
    ['deep', '['.repeat(100), 'json'],
    ['wrong type', '{"subscribe":5}', 'json'],
    ['bad utf-8', Uint8Array.from([0xc3, 0x28]), 'json'],
    ['empty', '', 'json'],
  ];
  for (const [what, data, format] of cases) {
    t.throws(() => decodeClient(format, data), FrameError, what);
  }
  const many = joinFrames('proto', Array.from({ length: 101 }, () => encodeClient('proto', { ping: {} })));
  t.throws(() => decodeClient('proto', many), FrameError, 'too many envelopes');
});

t.test('binary publications (framed by hand) are byte for byte what protobufjs writes', async (t) => {
  const { jetgate } = await import('../../proto/gen/protocol.js');
  const protobufjs = (msg: ServerMessage): number[] => {
    const body = jetgate.v1.ServerMessage.encode(msg as never).finish();
    const len: number[] = [];
    for (let n = body.length; ; n = Math.floor(n / 128)) {
      if (n < 128) {
        len.push(n);
        break;
      }
      len.push((n % 128) | 0x80);
    }
    return [...len, ...body];
  };
  const cases: Array<[string, ServerMessage]> = [
    ['every field', pub],
    ['ASCII, no extras', { pub: { channel: 'bench:c0', seq: 1, data: new Uint8Array(64).fill(46), time: 1_795_000_000_000 } }],
    ['largest safe sequence', { pub: { channel: 'a:b', seq: Number.MAX_SAFE_INTEGER, time: 1 } }],
    ['non-ASCII text', { pub: { channel: 'chat:é', seq: 5, type: 'ü.Ω', headers: { 'X-ä': '😀 ok', empty: '' }, subject: 'wild/🚀' } }],
    ['empty data, zero seq', { pub: { channel: 'a:b', seq: 0, data: new Uint8Array(), time: 0 } }],
    ['a payload past 127 bytes (two-byte lengths)', { pub: { channel: 'a:b', seq: 300, data: new Uint8Array(1024).fill(7), time: 2 ** 41 } }],
  ];
  for (const [what, msg] of cases) {
    t.same(Array.from(encodeServer('proto', msg)), protobufjs(msg), what);
    t.same(decodeServer('proto', encodeServer('proto', msg))[0]?.pub?.seq ?? 0, msg.pub?.seq ?? 0, `${what}: decodes`);
  }
  const withId = encodeServer('proto', { id: 4, pub: { channel: 'a:b', seq: 1 } });
  t.equal(decodeServer('proto', withId)[0]?.id, 4, 'a message with more than the publication takes the generic path');
});

t.test('no frame reaches a prototype: refused keys, and walks through own properties only', async (t) => {
  const intrinsics = () => [Object.prototype, Object, Function.prototype, Array.prototype].map((o) => Reflect.ownKeys(o).map(String).sort().join(','));
  const before = intrinsics();
  for (const line of ['{"__proto__":{"info":{"role":"admin"}}}', '{"constructor":{"prototype":{"json":"pwned"}}}', '{"publish":{"json":{"a":[{"__proto__":{"x":1}}]}}}']) {
    t.throws(() => decodeClient('json', line), FrameError, line);
  }
  // Not refused (no prototype key), but the old walk followed them into Object and Function.prototype.
  t.same(decodeClient('json', '{"constructor":{"json":"x"},"toString":{"info":{"a":1}}}'), [{}]);
  t.same(decodeClient('json', '{"publish":{"channel":"a:b","json":{"constructor":{"name":"x"}}}}')[0]?.publish?.json, { constructor: { name: 'x' } });
  // Binary: a Struct field named __proto__ (or constructor holding prototype) is refused too.
  const struct = (key: string) => ({ structValue: { fields: { [key]: { structValue: { fields: { prototype: { numberValue: 1 } } } } } } });
  for (const key of ['__proto__', 'constructor']) {
    const bytes = jetgate.v1.ClientMessage.encode({ publish: { channel: 'a:b', json: struct(key) } }).finish();
    t.throws(() => decodeClient('proto', Uint8Array.from([bytes.length, ...bytes])), /refused/, `binary Struct key ${key}`);
  }
  t.same(intrinsics(), before, 'intrinsics unchanged');
});
