/**
 * Client authentication in the benchmarks: every system requires it, so connection set-up includes
 * it everywhere. jetgate, Socket.IO and raw uWebSockets.js verify an HS256 JWT (jose, the same
 * shared secret); nats-server's WebSocket listener checks a static token (`websocket {
 * authorization { token } }`): its own JWT scheme needs an operator, accounts and nkey-signed user
 * JWTs plus a nonce signature per connection, which no client here would fake comparably.
 * Tokens are signed before a scenario's clock starts, one per client (sub `bench-<i>`).
 */
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import type { SystemName } from '../loadgen/protocols.js';

/** The HS256 secret the servers verify tokens with (jetgate wants at least 32 bytes). */
export const BENCH_JWT_SECRET = 'jetgate-bench-hs256-secret-0123456789abcdef';
/** nats-server's WebSocket token. */
export const BENCH_NATS_TOKEN = 'jetgate-bench-nats-token';
/** Lifetime of a signed token: longer than any scenario. */
const TOKEN_TTL_SEC = 3_600;

const key = (secret: string) => new TextEncoder().encode(secret);
const BENCH_KEY = key(BENCH_JWT_SECRET);

/** Verification as the peers do it (jetgate does its own, with the same checks). */
export function verifyBenchToken(token: string): Promise<JWTPayload> {
  return jwtVerify(token, BENCH_KEY, { algorithms: ['HS256'], requiredClaims: ['exp'] }).then((r) => r.payload);
}

/** One HS256 JWT per client, `sub` bench-<i>; `secret` other than the bench's: tokens that must be refused. */
export async function signTokens(n: number, secret = BENCH_JWT_SECRET): Promise<string[]> {
  const k = key(secret);
  const now = Math.floor(Date.now() / 1000);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(await new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(`bench-${i}`).setIssuedAt(now).setExpirationTime(now + TOKEN_TTL_SEC).sign(k));
  }
  return out;
}

/** What each of `n` clients of `system` presents: the static token for nats-server, else a JWT each. */
export async function clientTokens(system: SystemName, n: number): Promise<string[]> {
  return system === 'nats' ? Array.from({ length: n }, () => BENCH_NATS_TOKEN) : signTokens(n);
}
