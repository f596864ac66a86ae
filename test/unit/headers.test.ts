import t from 'tap';
import { checkHeaderValue } from '../../gateway/auth/headers.js';
import { ErrorCode } from '../../proto/codes.js';

t.test('fields the gateway writes into headers must be printable ASCII', async (t) => {
  t.equal(checkHeaderValue('type', 'lobby.v1.PlayerJoined'), 'lobby.v1.PlayerJoined');
  for (const bad of ['a b', 'a\r\nb', 'a\u0000', 'ｔype', 'x'.repeat(300)]) {
    t.throws(() => checkHeaderValue('type', bad), { code: ErrorCode.BadRequest, message: /^type:/ }, JSON.stringify(bad.slice(0, 10)));
  }
});
