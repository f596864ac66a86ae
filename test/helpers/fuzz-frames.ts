/**
 * Hostile client frames for fuzz tests (fast-check): random bytes and text, valid envelopes
 * mutated, and well-formed JSON of the wrong shape, for either subprotocol.
 */
import fc from 'fast-check';
import { encodeClient, joinFrames, type ClientMessage, type Format, type JsonValue } from '../../proto/codec.js';

const u32 = fc.nat({ max: 0xffff_ffff });
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 80 }), fc.constantFrom('', 'test:steady', 'test:a', 'test:*', 'test:>', 'a.b.>', '*'));
const channel = fc.oneof(
  fc.constantFrom('test:steady', 'test:a', 'test:b/c', 'test:*', 'nope:x', 'test:', ':', 'test:a.b', 'test:a b'),
  fc.stringMatching(/^test:[A-Za-z0-9_-]{1,8}$/),
  text,
);
const json = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<JsonValue>;

/** Requests of every kind, with arbitrary field values (the gateway must refuse or serve each). */
const message: fc.Arbitrary<ClientMessage> = fc.oneof(
  fc.record({ connect: fc.record({ token: text, name: text }, { requiredKeys: [] }) }),
  fc.record({
    subscribe: fc.record({
      channel, since: fc.record({ seq: fc.maxSafeNat(), epoch: text }, { requiredKeys: [] }), rewind: u32, sinceTime: fc.maxSafeNat(), latest: fc.boolean(),
    }, { requiredKeys: ['channel'] }),
  }),
  fc.record({ unsubscribe: fc.record({ channel }) }),
  fc.record({ history: fc.record({ channel, fromSeq: fc.maxSafeNat(), limit: u32, reverse: fc.boolean() }, { requiredKeys: ['channel'] }) }),
  fc.record({ refresh: fc.record({ token: text }) }),
  fc.record({ publish: fc.record({ channel, data: fc.uint8Array({ maxLength: 64 }), type: text, json, idempotencyKey: text }, { requiredKeys: [] }) }),
  fc.record({ rpc: fc.record({ method: text, data: fc.uint8Array({ maxLength: 64 }), json, timeoutMs: u32 }, { requiredKeys: [] }) }),
  fc.record({ presence: fc.record({ channel }) }),
  fc.constantFrom<ClientMessage>({ ping: {} }, { pong: {} }, {}),
).chain((body) => u32.map((id): ClientMessage => ({ id, ...body } as ClientMessage)));

function encodeAll(format: Format, msgs: ClientMessage[]): Uint8Array | string | undefined {
  try {
    return format === 'proto'
      ? joinFrames('proto', msgs.map((m) => encodeClient('proto', m)))
      : joinFrames('json', msgs.map((m) => encodeClient('json', m)));
  } catch {
    return undefined; // a value the encoder itself rejects
  }
}

/** Valid envelopes: one frame of 1-3 requests. */
const valid = (format: Format) => fc.array(message, { minLength: 1, maxLength: 3 }).map((m) => encodeAll(format, m) ?? encodeAll(format, [{ ping: {} }])!);

type Edit = { at: number; op: 'flip' | 'insert' | 'delete' | 'truncate' | 'repeat'; value: number };
const edits = fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('flip', 'insert', 'delete', 'truncate', 'repeat'), value: fc.nat({ max: 0x10ffff }) }), { minLength: 1, maxLength: 6 }) as fc.Arbitrary<Edit[]>;

function mutateBytes(b: Uint8Array, list: Edit[]): Uint8Array {
  let out = Array.from(b);
  for (const e of list) {
    const i = out.length ? e.at % out.length : 0;
    if (e.op === 'flip') out[i] = (out[i] ?? 0) ^ (1 << (e.value % 8));
    else if (e.op === 'insert') out.splice(i, 0, e.value & 0xff);
    else if (e.op === 'delete') out.splice(i, 1 + (e.value % 4));
    else if (e.op === 'truncate') out = out.slice(0, i);
    else out = out.concat(out.slice(i, i + 1 + (e.value % 32)));
  }
  return Uint8Array.from(out);
}

const SPECIAL = ['{', '}', '[', ']', '"', '\\', ':', ',', '\n', '0', '-', 'e', 'null', '\u0000', '\ud800', '\u2028', '💥'];

function mutateText(s: string, list: Edit[]): string {
  let out = s;
  for (const e of list) {
    const i = out.length ? e.at % out.length : 0;
    const ins = e.value % 3 === 0 ? (SPECIAL[e.value % SPECIAL.length] as string) : String.fromCodePoint(e.value % 0xd800);
    if (e.op === 'flip') out = out.slice(0, i) + ins + out.slice(i + 1);
    else if (e.op === 'insert') out = out.slice(0, i) + ins + out.slice(i);
    else if (e.op === 'delete') out = out.slice(0, i) + out.slice(i + 1 + (e.value % 4));
    else if (e.op === 'truncate') out = out.slice(0, i);
    else out += out.slice(i, i + 1 + (e.value % 32));
  }
  return out;
}

const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
};

/** A Publish whose google.protobuf.Value is nested `depth` lists deep, as one binary frame. */
function deepValue(depth: number): Uint8Array {
  // Built inside out: each level wraps the previous in ListValue.values and Value.list_value.
  const headers: number[][] = [];
  let size = 0;
  for (let i = 0; i < depth; i++) {
    const list = [0x0a, ...varint(size)];
    size += list.length;
    const value = [0x32, ...varint(size)];
    size += value.length;
    headers.push(list, value);
  }
  const publish = [0x22, ...varint(size)];
  size += publish.length;
  const msg = [0x08, 0x07, 0x2a, ...varint(size - 0)];
  headers.push(publish, msg.slice(0, 2), msg.slice(2));
  size += msg.length;
  return Uint8Array.from([...varint(size), ...headers.reverse().flat()]);
}

// A few depths, built once: around the decoder's limit (32) and far beyond it.
const DEEP = [16, 33, 200, 4_000].map(deepValue);

/** Frames for one subprotocol: Uint8Array (binary message) or string (text message). */
export function frames(format: Format): fc.Arbitrary<Uint8Array | string> {
  const bytes = fc.uint8Array({ maxLength: 2048 });
  if (format === 'proto') {
    return fc.oneof(
      { weight: 3, arbitrary: bytes },
      { weight: 5, arbitrary: fc.tuple(valid('proto'), edits).map(([f, e]) => mutateBytes(f as Uint8Array, e)) },
      { weight: 2, arbitrary: valid('proto') },
      { weight: 1, arbitrary: fc.constantFrom(...DEEP) },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }) }, // text on the binary subprotocol
    );
  }
  return fc.oneof(
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 1000 }) },
    { weight: 1, arbitrary: bytes }, // binary messages on the JSON subprotocol (invalid UTF-8 too)
    { weight: 5, arbitrary: fc.tuple(valid('json'), edits).map(([f, e]) => mutateText(f as string, e)) },
    { weight: 2, arbitrary: valid('json') },
    { weight: 2, arbitrary: fc.dictionary(fc.constantFrom('id', 'connect', 'subscribe', 'history', 'publish', 'rpc', 'refresh', 'json', 'info', 'channel'), fc.jsonValue({ maxDepth: 6 }), { maxKeys: 4 }).map((o) => JSON.stringify(o)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => '{"publish":{"json":' + '['.repeat(n) + ']'.repeat(n) + '}}') },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map((n) => Array.from({ length: n }, () => '{"ping":{}}').join('\n')) },
  );
}
