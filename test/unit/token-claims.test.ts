import t from 'tap';
import { identityFromClaims, MAX_TOKEN_HORIZON_SEC } from '../../gateway/auth/claims.js';
import { validateConfig } from '../../gateway/config/load.js';
import { ErrorCode } from '../../proto/codes.js';

const claims = validateConfig({}).auth.claims;
const NOW = 1_800_000_000_000;
const nowSec = NOW / 1000;

function code(payload: Record<string, unknown>): number | 'ok' {
  try {
    identityFromClaims(payload, claims, NOW);
    return 'ok';
  } catch (e) {
    return (e as { code?: number }).code ?? -1;
  }
}

t.test('time claims must be whole seconds from 1970 to the horizon', async (t) => {
  t.equal(code({ sub: 'a', exp: nowSec + 600, nbf: nowSec - 5, iat: nowSec }), 'ok');
  t.equal(code({ sub: 'a', exp: nowSec + MAX_TOKEN_HORIZON_SEC }), 'ok', 'exactly at the horizon');
  for (const [name, v] of [['exp', 1e300], ['exp', nowSec + MAX_TOKEN_HORIZON_SEC + 1], ['exp', 1.5e9 + 0.5], ['exp', -1], ['exp', 'soon'],
    ['exp', Number.MAX_SAFE_INTEGER + 2], ['nbf', 1e300], ['iat', 1e300], ['iat', nowSec + 0.25], ['nbf', null]] as const) {
    t.equal(code({ sub: 'a', [name]: v }), ErrorCode.BadToken, `${name}: ${String(v)}`);
  }
  t.equal(identityFromClaims({ sub: 'a', exp: nowSec + 60 }, claims, NOW).expiresAt, NOW + 60_000, 'expiresAt is exact unix ms');
});

t.test('claims with keys that reach a prototype are refused; claims are read as own properties', async (t) => {
  t.equal(code(JSON.parse('{"sub":"a","info":{"__proto__":{"role":"admin"}}}')), ErrorCode.BadToken);
  t.equal(code(JSON.parse('{"sub":"a","other":[{"constructor":{"prototype":{}}}]}')), ErrorCode.BadToken, 'any claim, not only info');
  let deep: unknown = 1;
  for (let i = 0; i < 40; i++) deep = { d: deep };
  t.equal(code({ sub: 'a', info: deep }), ErrorCode.BadToken, 'info nested deeper than 32');
  const inherits = Object.create({ sub: 'admin', info: { role: 'admin' }, subscribe: ['*:>'] }) as Record<string, unknown>;
  t.equal(code(inherits), ErrorCode.BadToken, 'an inherited user id is no user id');
  inherits.sub = 'a';
  const id = identityFromClaims(inherits, claims, NOW);
  t.equal(id.info, undefined, 'an inherited info is no info');
  t.same(id.grants.subscribe, [], 'inherited grants grant nothing');
  t.same(identityFromClaims({ sub: 'a', info: { name: 'Ann', constructor: 'x' } }, claims, NOW).info, { name: 'Ann', constructor: 'x' });
});
