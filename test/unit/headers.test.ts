import t from 'tap';
import { checkHeaderValue, stripReservedHeaders } from '../../gateway/auth/headers.js';
import { ErrorCode } from '../../proto/codes.js';

t.test('reserved, malformed and oversized client headers are stripped', async (t) => {
  const out = stripReservedHeaders({
    'X-Trace': 'abc',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    'Nats-Msg-Id': 'forged',
    'nats-rollup': 'all',
    'NATS-Expected-Last-Sequence': '1',
    'Jetgate-User': 'admin',
    'jetgate-type': 'x.Y',
    'Bad Name': 'x',
    'Bad:Name': 'x',
    'X-Split': 'a\r\nNats-Rollup: all',
    'X-Nul': 'a\u0000b',
    'X-Long': 'x'.repeat(2000),
    '': 'empty',
  });
  t.same(out, { 'X-Trace': 'abc', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
  t.same(stripReservedHeaders(undefined), {});
  const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`X-H${i}`, 'v']));
  t.equal(Object.keys(stripReservedHeaders(many)).length, 32, 'at most 32 kept');
});

t.test('fields the gateway writes into headers must be printable ASCII', async (t) => {
  t.equal(checkHeaderValue('type', 'lobby.v1.PlayerJoined'), 'lobby.v1.PlayerJoined');
  for (const bad of ['a b', 'a\r\nb', 'a\u0000', 'ｔype', 'x'.repeat(300)]) {
    t.throws(() => checkHeaderValue('type', bad), { code: ErrorCode.BadRequest, message: /^type:/ }, JSON.stringify(bad.slice(0, 10)));
  }
});
