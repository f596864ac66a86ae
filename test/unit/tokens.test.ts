import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, SignJWT } from 'jose';
import { JwtVerifier } from '../../gateway/auth/verifier.js';
import { validateConfig } from '../../gateway/config/load.js';
import { createLogger } from '../../gateway/log.js';
import { ErrorCode } from '../../proto/codes.js';
import { inSec, makeKeys, sign, signHs256With, tamper, unsigned } from '../helpers/tokens.js';
import { waitFor } from '../helpers/ports.js';

const log = createLogger('silent');
const keys = makeKeys();
const dir = mkdtempSync(join(tmpdir(), 'jg-auth-'));
const pemFile = join(dir, 'ec.pem');
writeFileSync(pemFile, keys.ec.publicPem);

function verifier(auth: Record<string, unknown>): JwtVerifier {
  const v = JwtVerifier.create(validateConfig({ auth }).auth, log);
  t.teardown(() => v.close());
  return v;
}

/** The code a verification is refused with, or 'ok'. */
async function outcome(v: JwtVerifier, token: string): Promise<number | 'ok'> {
  try {
    await v.verify(token);
    return 'ok';
  } catch (e) {
    if (process.env.JETGATE_TEST_LOG) console.error((e as Error).message);
    return (e as { code?: number }).code ?? -1;
  }
}

const all = () => verifier({ hmacSecret: keys.hmacSecret, publicKey: keys.rsa.publicPem, audience: ['app'], issuer: ['https://id.example.com'] });
const good = { aud: 'app', iss: 'https://id.example.com' };

t.test('valid tokens of each algorithm; the identity carries user, expiry, grants and info', async (t) => {
  const v = all();
  for (const alg of ['HS256', 'RS256'] as const) t.equal(await outcome(v, await sign(keys, alg, good)), 'ok', alg);
  const ec = verifier({ publicKeyFile: pemFile });
  t.equal(await outcome(ec, await sign(keys, 'ES256')), 'ok', 'ES256 (key from a PEM file)');
  const exp = inSec(600);
  const id = await v.verify(await sign(keys, 'HS256', { ...good, sub: 'bob', exp, subscribe: ['lobby:*'], publish: ['lobby:{sub}'], rpc: ['svc:*'], info: { name: 'Bob' } }));
  t.equal(id.user, 'bob');
  t.equal(id.expiresAt, exp * 1000);
  t.same(id.info, { name: 'Bob' });
  t.same([id.grants.subscribe.map((p) => p.source), id.grants.publish.map((p) => p.source), id.grants.rpc.map((p) => p.source)], [['lobby:*'], ['lobby:{sub}'], ['svc:*']]);
});

t.test('each forged, stale or misdirected token is refused with its code', async (t) => {
  const v = all();
  const cases: Array<[string, Promise<string> | string, number]> = [
    ['expired', sign(keys, 'HS256', { ...good, exp: inSec(-3600) }), ErrorCode.TokenExpired],
    ['not yet valid (nbf)', sign(keys, 'HS256', { ...good, nbf: inSec(3600) }), ErrorCode.BadToken],
    ['wrong HMAC key', signHs256With('another-secret-' + 'y'.repeat(40), good), ErrorCode.BadToken],
    ['wrong RSA key', (async () => new SignJWT({ sub: 'a', exp: inSec(60), ...good }).setProtectedHeader({ alg: 'RS256' }).sign(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey))(), ErrorCode.BadToken],
    ['alg: none', unsigned(good), ErrorCode.BadToken],
    ['HS/RS confusion: HS256 signed with the RSA public key', signHs256With(keys.rsa.publicPem, good), ErrorCode.BadToken],
    ['tampered payload', sign(keys, 'RS256', good).then((tok) => tamper(tok, { sub: 'admin', subscribe: ['*:>'] })), ErrorCode.BadToken],
    ['wrong audience', sign(keys, 'HS256', { ...good, aud: 'other-app' }), ErrorCode.BadToken],
    ['no audience', sign(keys, 'HS256', { iss: good.iss }), ErrorCode.BadToken],
    ['wrong issuer', sign(keys, 'HS256', { ...good, iss: 'https://evil.example.com' }), ErrorCode.BadToken],
    ['no exp', sign(keys, 'HS256', { ...good, exp: undefined }), ErrorCode.BadToken],
    ['ES256 without an EC key', sign(keys, 'ES256', good), ErrorCode.BadToken],
    ['no user id', sign(keys, 'HS256', { ...good, sub: undefined }), ErrorCode.BadToken],
    ['user id with CR/LF', sign(keys, 'HS256', { ...good, sub: 'a\r\nNats-Rollup: all' }), ErrorCode.BadToken],
    ['malformed grant', sign(keys, 'HS256', { ...good, subscribe: ['lobby:a.b'] }), ErrorCode.BadToken],
    ['grant not a list', sign(keys, 'HS256', { ...good, publish: 'lobby:*' }), ErrorCode.BadToken],
    ['info not an object', sign(keys, 'HS256', { ...good, info: [1] }), ErrorCode.BadToken],
    ['not a JWT', 'hello', ErrorCode.BadToken],
    ['garbage segments', 'a.b.c', ErrorCode.BadToken],
    ['huge header', `${'e'.repeat(30_000)}.e30.`, ErrorCode.BadToken],
  ];
  for (const [what, token, code] of cases) t.equal(await outcome(v, await token), code, what);
});

t.test('clock tolerance: a token expired a moment ago still passes; the algorithm allow-list is honoured', async (t) => {
  const v = verifier({ hmacSecret: keys.hmacSecret, clockToleranceSec: 30 });
  t.equal(await outcome(v, await sign(keys, 'HS256', { exp: inSec(-10) })), 'ok');
  t.equal(await outcome(v, await sign(keys, 'HS256', { exp: inSec(-60) })), ErrorCode.TokenExpired);
  const rsOnly = verifier({ hmacSecret: keys.hmacSecret, publicKey: keys.rsa.publicPem, algorithms: ['RS256'] });
  t.equal(await outcome(rsOnly, await sign(keys, 'HS256')), ErrorCode.BadToken, 'HS256 not allowed');
  t.equal(await outcome(rsOnly, await sign(keys, 'RS256')), 'ok');
  t.equal(await outcome(rsOnly, await signHs256With(keys.rsa.publicPem)), ErrorCode.BadToken, 'HS/RS confusion against an RS256-only gateway');
  const noExp = verifier({ hmacSecret: keys.hmacSecret, requireExp: false });
  t.equal((await noExp.verify(await sign(keys, 'HS256', { exp: undefined }))).expiresAt, 0, 'requireExp: false allows tokens that never expire');
  t.equal(await outcome(verifier({}), await sign(keys, 'HS256')), ErrorCode.BadToken, 'no keys configured: every token refused');
  const claims = verifier({ hmacSecret: keys.hmacSecret, claims: { user: 'uid', subscribe: 'https://example.com/channels' } });
  const id = await claims.verify(await sign(keys, 'HS256', { uid: 'u1', 'https://example.com/channels': ['a:b'] }));
  t.same([id.user, id.grants.subscribe.map((p) => p.source)], ['u1', ['a:b']], 'claim names are configurable');
});

t.test('JWKS file: keys chosen by kid; a rewritten file is picked up; a broken one keeps the old keys', async (t) => {
  const file = join(dir, 'jwks.json');
  const rsaJwk = { ...(await exportJWK(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey)), kid: 'old', alg: 'RS256' };
  const ecJwk = { ...(await exportJWK(keys.ec.privateKey)), kid: 'new', alg: 'ES256' };
  delete (ecJwk as { d?: string }).d; // public part only
  writeFileSync(file, JSON.stringify({ keys: [rsaJwk] }));
  const v = verifier({ jwksFile: file, jwksPollMs: 50 });
  const token = await sign(keys, 'ES256', {}, { kid: 'new' });
  t.equal(await outcome(v, token), ErrorCode.BadToken, 'unknown kid');
  // Written the way deploy tools do: a new file renamed over the old one.
  writeFileSync(file + '.tmp', JSON.stringify({ keys: [rsaJwk, ecJwk] }));
  renameSync(file + '.tmp', file);
  await waitFor('the rotated JWKS', async () => (await outcome(v, token)) === 'ok', 5_000, 50);
  writeFileSync(file, '{ half-written');
  await new Promise((r) => setTimeout(r, 300));
  t.equal(await outcome(v, token), 'ok', 'a broken file keeps the keys loaded before');
  t.equal(await outcome(v, await signHs256With(JSON.stringify(ecJwk))), ErrorCode.BadToken, 'no HS256 without an HMAC secret');
});

t.test('unusable key configuration stops the start-up with a clear message', async (t) => {
  const pkcs8 = keys.rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
  t.throws(() => verifier({ publicKey: pkcs8 }), { code: 'AUTH_INVALID', message: /private key/ });
  t.throws(() => verifier({ publicKey: 'not a key' }), { code: 'AUTH_INVALID', message: /not a PEM public key/ });
  t.throws(() => verifier({ publicKey: p384 }), { code: 'AUTH_INVALID', message: /P-256/ });
  t.throws(() => verifier({ publicKeyFile: join(dir, 'missing.pem') }), { code: 'AUTH_INVALID', message: /cannot read/ });
  t.throws(() => verifier({ jwksFile: pemFile }), { code: 'AUTH_INVALID', message: /JSON Web Key Set/ });
  t.throws(() => verifier({ hmacSecret: keys.hmacSecret, algorithms: ['RS256'] }), { code: 'AUTH_INVALID', message: /no configured key/ });
  t.throws(() => validateConfig({ auth: { hmacSecret: 'short' } }), /auth\.hmacSecret/);
});
