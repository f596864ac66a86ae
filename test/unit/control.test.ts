import t from 'tap';
import { ErrorCode } from '../../proto/codes.js';
import { keyChecker, presentedKey } from '../../gateway/control/auth.js';
import { parseCommand, targets } from '../../gateway/control/commands.js';
import { API_ERRORS, ApiError, apiErrorOf } from '../../gateway/control/errors.js';
import { ClientError } from '../../gateway/errors.js';

t.test('API keys: Bearer or X-API-Key, compared whole', async (t) => {
  t.equal(presentedKey({ authorization: 'Bearer abc' }), 'abc');
  t.equal(presentedKey({ authorization: 'bearer  abc ' }), 'abc');
  t.equal(presentedKey({ authorization: 'Basic abc' }), undefined);
  t.equal(presentedKey({ 'x-api-key': 'k' }), 'k');
  t.equal(presentedKey({ 'x-api-key': '' }), undefined);
  t.equal(presentedKey({}), undefined);
  const ok = keyChecker(['first-key-0123456789', 'second-key-0123456789']);
  t.ok(ok('first-key-0123456789'));
  t.ok(ok('second-key-0123456789'));
  t.notOk(ok('first-key-012345678'), 'a prefix is not the key');
  t.notOk(ok('first-key-0123456789x'));
  t.notOk(ok(undefined));
  t.notOk(keyChecker([])('anything'), 'no keys: nothing passes');
});

t.test('errors: protocol errors keep their names; fastify\'s map onto the same shape', async (t) => {
  const cases: Array<[unknown, string, number]> = [
    [new ClientError(ErrorCode.BadChannel, 'x'), 'BadChannel', 400],
    [new ClientError(ErrorCode.UnknownNamespace, 'x'), 'UnknownNamespace', 404],
    [new ClientError(ErrorCode.PresenceNotEnabled, 'x'), 'PresenceNotEnabled', 409],
    [new ClientError(ErrorCode.HistoryUnavailable, 'x', true), 'HistoryUnavailable', 503],
    [new ClientError(ErrorCode.PublishFailed, 'x'), 'PublishFailed', 502],
    [new ClientError(ErrorCode.PermissionDenied, 'x'), 'Internal', 500],
    [new ApiError('Unauthorized', 'x'), 'Unauthorized', 401],
    [Object.assign(new Error('body/x must be integer'), { validation: [{}], statusCode: 400 }), 'ValidationFailed', 400],
    [Object.assign(new Error('too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }), 'PayloadTooLarge', 413],
    [Object.assign(new Error('bad type'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }), 'UnsupportedMediaType', 415],
    [Object.assign(new Error('Unexpected token'), { statusCode: 400 }), 'BadRequest', 400],
    [new TypeError('oops'), 'Internal', 500],
  ];
  for (const [e, code, status] of cases) {
    const a = apiErrorOf(e);
    t.equal(a.code, code, code);
    t.equal(a.status, status);
  }
  t.equal(apiErrorOf(new TypeError('secret detail')).message, 'internal error', 'unexpected errors do not leak their message');
  for (const status of Object.values(API_ERRORS)) t.ok(status >= 400 && status < 600);
});

t.test('cluster commands: parsed strictly, aimed at a user or one connection', async (t) => {
  const enc = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));
  t.same(parseCommand(enc({ op: 'disconnect', target: { user: 'ann' }, reason: 'r' })), { op: 'disconnect', target: { user: 'ann' }, reason: 'r' });
  t.same(parseCommand(enc({ op: 'unsubscribe', target: { clientId: 'c1' }, channel: 'a:b' })), { op: 'unsubscribe', target: { clientId: 'c1' }, channel: 'a:b', reason: '' });
  for (const bad of [{ op: 'disconnect', target: { user: '' } }, { op: 'disconnect', target: {} }, { op: 'disconnect' },
    { op: 'unsubscribe', target: { user: 'a' } }, { op: 'explode', target: { user: 'a' } }]) {
    t.equal(parseCommand(enc(bad)), null, JSON.stringify(bad));
  }
  t.equal(parseCommand(new TextEncoder().encode('{')), null);
  const conn = { id: 'c1', identity: { user: 'ann' } };
  t.ok(targets({ user: 'ann' }, conn));
  t.notOk(targets({ user: 'bob' }, conn));
  t.ok(targets({ clientId: 'c1' }, conn));
  t.notOk(targets({ clientId: 'c2' }, conn));
  t.notOk(targets({ user: 'ann' }, { id: 'c3', identity: { user: '' } }), 'anonymous connections are no user\'s');
});
