/**
 * The demo server's tokens (demo/tokens.ts, POST /token): the gateway of the example configuration
 * (jetgate.json) accepts them, and they say who the player is without giving away the key.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { JwtVerifier } from '../../gateway/auth/verifier.js';
import { validateConfig } from '../../gateway/config/load.js';
import { createLogger } from '../../gateway/log.js';
import { ErrorCode } from '../../proto/codes.js';
import { startDemoServer } from '../../demo/server.js';
import { DEMO_AUDIENCE, DEV_TOKEN_SECRET, tokenIssuer, userOf } from '../../demo/tokens.js';
import { playerIdOf } from '../../services/lobby/identity.js';

const devConfig = validateConfig(JSON.parse(readFileSync(new URL('../../../jetgate.json', import.meta.url), 'utf8')) as Record<string, unknown>);
const KEY = 'a1b2c3d4'.repeat(6);

t.test('jetgate.json verifies the demo server\'s default tokens; the identity is a hash of the key, with name and player id', async (t) => {
  t.equal(devConfig.auth.hmacSecret, DEV_TOKEN_SECRET, 'the demo server\'s default secret is jetgate.json\'s');
  t.same(devConfig.auth.audience, [DEMO_AUDIENCE], 'and its audience');
  const verifier = JwtVerifier.create(devConfig.auth, createLogger('silent'));
  t.teardown(() => verifier.close());
  const issue = tokenIssuer({ secret: DEV_TOKEN_SECRET });
  const issued = await issue({ key: KEY, name: '  Ann  the   Brave ' });
  const id = await verifier.verify(issued.token);
  t.equal(id.user, userOf(KEY));
  t.equal(id.user, issued.user);
  t.match(id.user, /^p-[A-Za-z0-9_-]{22}$/, 'a user id that is also a valid {sub} pattern segment');
  t.notMatch(issued.token + id.user, /a1b2c3d4/, 'the key is in neither the token nor the user id');
  t.same(id.info, { name: 'Ann the Brave', player: playerIdOf({ user: id.user, clientId: '', info: undefined }, undefined) }, 'info: the name and the lobby service\'s player id');
  t.equal(issued.player, (id.info as { player: string }).player);
  t.ok(id.expiresAt > Date.now() + 500_000 && id.expiresAt <= Date.now() + 600_000, 'short-lived: 10 minutes');
  t.same(id.grants, { subscribe: [], publish: [], rpc: [] }, 'no grants: the namespaces decide');

  t.same((await verifier.verify((await issue({ key: KEY })).token)).info, { player: issued.player }, 'no name yet: info without one');
  t.equal((await issue({ key: KEY, name: 'Bo' })).user, issued.user, 'same key, same user, whatever the name');
  t.not((await issue({ key: 'z'.repeat(48) })).user, issued.user, 'another key, another user');

  const other = tokenIssuer({ secret: 'another-secret-of-at-least-32-bytes!!' });
  await t.rejects(verifier.verify((await other({ key: KEY })).token), { code: ErrorCode.BadToken }, 'another secret: refused');
  const elsewhere = tokenIssuer({ secret: DEV_TOKEN_SECRET, audience: 'some-other-app' });
  await t.rejects(verifier.verify((await elsewhere({ key: KEY })).token), { code: ErrorCode.BadToken }, 'another audience: refused');
});

t.test('bad requests are refused', async (t) => {
  const issue = tokenIssuer({ secret: DEV_TOKEN_SECRET });
  for (const req of [{}, { key: 'short' }, { key: 'x'.repeat(129) }, { key: 'has spaces in it, 16+' }, { key: 42 }, { key: KEY, name: 'x'.repeat(25) }, { key: KEY, name: 'a\u0007b' }, { key: KEY, name: 7 }]) {
    await t.rejects(issue(req), /key|name/, JSON.stringify(req));
  }
  t.throws(() => tokenIssuer({ secret: 'too short' }), /32 bytes/);
});

t.test('POST /token on the demo server', async (t) => {
  const web = await startDemoServer({ port: 0, gatewayUrl: 'ws://127.0.0.1:1/ws' });
  t.teardown(() => new Promise<void>((r) => web.server.close(() => r())));
  const post = (body: string, type = 'application/json') => fetch(`${web.url}token`, { method: 'POST', headers: { 'content-type': type }, body });
  const ok = await post(JSON.stringify({ key: KEY, name: 'Ann' }));
  t.equal(ok.status, 200);
  t.equal(ok.headers.get('cache-control'), 'no-store');
  const body = (await ok.json()) as { token: string; user: string; player: string; expiresAt: number };
  t.same(Object.keys(body).sort(), ['expiresAt', 'player', 'token', 'user']);
  t.equal(body.user, userOf(KEY));
  t.equal((await (await fetch(`${web.url}token`)).text()), 'POST only', 'GET: 405');
  t.equal((await post('{"key":')).status, 400, 'malformed JSON');
  t.same(await (await post('{"key":"short"}')).json(), { error: 'key: 16 to 128 of A-Z a-z 0-9 _ -' }, 'a bad key: 400, saying why');
  t.equal((await post('[]')).status, 400, 'not an object');
  t.equal((await post(JSON.stringify({ key: KEY }), 'text/plain')).status, 415);
  t.equal((await post(JSON.stringify({ key: KEY, name: 'x'.repeat(2000) }))).status, 413, 'a large body');
});
