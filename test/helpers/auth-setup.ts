/** A gateway configuration with token auth on every key source, and namespaces that need grants. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK } from 'jose';
import type { KeySet } from './tokens.js';

/** HS256 (secret), RS256 (PEM key), ES256 (JWKS file, kid "ec1"); `extra` merges over the auth section. */
export async function authConfig(keys: KeySet, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const jwksFile = join(mkdtempSync(join(tmpdir(), 'jg-jwks-')), 'jwks.json');
  const { d: _private, ...ec } = await exportJWK(keys.ec.privateKey);
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...ec, kid: 'ec1', alg: 'ES256', use: 'sig' }] }));
  return {
    auth: { hmacSecret: keys.hmacSecret, publicKey: keys.rsa.publicPem, jwksFile, audience: ['jetgate-test'], clockToleranceSec: 0, ...extra },
    namespaces: [
      { name: 'test', stream: 'TEST', anonymous: true, window: 100 },
      { name: 'private', stream: 'TEST', subject: 'test.private.{name}' },
      { name: 'user', stream: 'TEST', subject: 'test.user.{name}', grants: { subscribe: ['user:{sub}'] } },
      { name: 'metrics', stream: 'TEST', subject: 'test.metrics.{name}', allowWildcards: true },
    ],
  };
}

/** Claims every test token carries. */
export const AUD = { aud: 'jetgate-test' };
