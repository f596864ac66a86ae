import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ErrorCode } from '../../proto/codes.js';
import { payloadOf } from '../../gateway/control/publish.js';
import { Transcoder } from '../../gateway/schemas/transcoder.js';

t.test('a publish body gives its payload one way only', async (t) => {
  const tc = new Transcoder([]);
  t.same([...payloadOf({ channel: 'a:b', data: Buffer.from([0, 255]).toString('base64') }, tc)], [0, 255]);
  t.equal(new TextDecoder().decode(payloadOf({ channel: 'a:b', text: 'héllo' }, tc)), 'héllo');
  t.equal(new TextDecoder().decode(payloadOf({ channel: 'a:b', json: { x: [1] } }, tc)), '{"x":[1]}');
  t.equal(new TextDecoder().decode(payloadOf({ channel: 'a:b', json: 'str', type: 'no.such.Type' }, tc)), '"str"', 'unknown type: JSON text');
  t.throws(() => payloadOf({ channel: 'a:b' }, tc), { code: ErrorCode.BadRequest });
  t.throws(() => payloadOf({ channel: 'a:b', text: 'a', json: 1 }, tc), { code: ErrorCode.BadRequest });
});

t.test('with a schema, JSON is encoded as its type and bytes must decode as it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jg-proto-'));
  const file = join(dir, 'm.proto');
  writeFileSync(file, 'syntax = "proto3"; package t; message M { string name = 1; int32 n = 2; }');
  const tc = new Transcoder([file]);
  const bytes = payloadOf({ channel: 'a:b', json: { name: 'x', n: 2 }, type: 't.M' }, tc);
  t.same(tc.toJson('t.M', bytes), { name: 'x', n: 2 });
  t.throws(() => payloadOf({ channel: 'a:b', json: { name: 5 }, type: 't.M' }, tc), { code: ErrorCode.BadPayload });
  t.throws(() => payloadOf({ channel: 'a:b', data: Buffer.from([0xff, 0xff, 0xff]).toString('base64'), type: 't.M' }, tc), { code: ErrorCode.BadPayload });
  t.same(payloadOf({ channel: 'a:b', data: Buffer.from(bytes).toString('base64'), type: 't.M' }, tc), bytes);
});
