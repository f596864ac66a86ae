/**
 * Mints HS256 connection tokens with a shared secret: what `jetgate token` prints for development
 * and what the demo server hands its pages. Real apps mint tokens in their own backend; the claims
 * the gateway reads are in docs/security.md.
 */
import { SignJWT, type JWTPayload } from 'jose';

export interface MintOptions {
  /** HS256 secret (the gateway's `auth.hmacSecret`, at least 32 bytes). */
  secret: string;
  /** The user id (`sub`). */
  subject: string;
  ttlSec: number;
  audience?: string;
  issuer?: string;
  /** Unix ms; for tests. */
  now?: number;
}

export interface MintedToken {
  token: string;
  /** Expiry, unix ms. */
  expiresAt: number;
}

/** Signs `claims` (grants, info: whatever the configuration's claim names say) for `subject`. */
export async function mintToken(claims: JWTPayload, opts: MintOptions): Promise<MintedToken> {
  if (Buffer.byteLength(opts.secret) < 32) throw new Error('the token secret must be at least 32 bytes');
  const iat = Math.floor((opts.now ?? Date.now()) / 1000);
  const exp = iat + opts.ttlSec;
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(opts.subject).setIssuedAt(iat).setExpirationTime(exp);
  if (opts.audience) jwt = jwt.setAudience(opts.audience);
  if (opts.issuer) jwt = jwt.setIssuer(opts.issuer);
  return { token: await jwt.sign(new TextEncoder().encode(opts.secret)), expiresAt: exp * 1000 };
}
