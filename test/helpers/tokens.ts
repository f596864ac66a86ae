/** Keys and tokens for auth tests: real signatures (jose), and the forgeries attackers try. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT, base64url, type JWTPayload } from 'jose';

export interface KeySet {
  hmacSecret: string;
  rsa: { privateKey: KeyObject; publicPem: string };
  ec: { privateKey: KeyObject; publicPem: string };
}

function pair(type: 'rsa' | 'ec'): { privateKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = type === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

export function makeKeys(): KeySet {
  return { hmacSecret: 'test-secret-' + 'x'.repeat(40), rsa: pair('rsa'), ec: pair('ec') };
}

export type Alg = 'HS256' | 'RS256' | 'ES256';

/** Claims with a user and an expiry an hour away unless `claims` says otherwise. */
export async function sign(keys: KeySet, alg: Alg, claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const key = alg === 'HS256' ? new TextEncoder().encode(keys.hmacSecret) : alg === 'RS256' ? keys.rsa.privateKey : keys.ec.privateKey;
  return new SignJWT({ sub: 'alice', exp: now + 3600, ...claims }).setProtectedHeader({ ...header, alg }).sign(key);
}

/** An HS256 token signed with arbitrary secret bytes (e.g. the gateway's public key, as text). */
export function signHs256With(secret: string | Uint8Array, claims: JWTPayload = {}): Promise<string> {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  return new SignJWT({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 3600, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(key);
}

const enc = (o: unknown) => base64url.encode(JSON.stringify(o));

/** An unsecured token: `alg: none`, no signature. */
export function unsigned(claims: JWTPayload = {}): string {
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 3600, ...claims })}.`;
}

/** The same signature over a payload with changed claims. */
export function tamper(token: string, claims: JWTPayload): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p))) as JWTPayload;
  return `${h}.${enc({ ...payload, ...claims })}.${s}`;
}

/** Seconds from now, as a JWT time claim. */
export const inSec = (s: number): number => Math.floor(Date.now() / 1000) + s;
