/**
 * The demo's stand-in for an app backend's login: it hands the lobby page short-lived connection
 * tokens (HS256 JWTs) for the gateway. A player is whoever holds the random key their browser made
 * up and keeps (localStorage); there is no password, it is a demo.
 *
 * - `sub` (the gateway's user id) is a hash of that key, never the key itself: user ids are shown
 *   to everyone in presence and passed to services, and the key is what gets a token.
 * - `info` carries the display name and the public player id the lobby service gives that user
 *   (services/lobby/identity.ts), so presence entries can be matched with a lobby's roster.
 * - No grants: the namespaces' own settings (jetgate.json) say what the demo pages may do.
 *
 * DEV_TOKEN_SECRET is the secret of the example configuration (jetgate.json `auth.hmacSecret`):
 * for trying things out on one machine only. Anything else sets its own secret on both sides
 * (JETGATE_AUTH_HMAC_SECRET, which the gateway and the demo server both read).
 */
import { createHash } from 'node:crypto';
import { mintToken } from '../gateway/auth/mint.js';
import { playerIdOf } from '../services/lobby/identity.js';
import { CONTROL, LIMITS } from '../services/lobby/rules.js';

/** jetgate.json's `auth.hmacSecret`. Development only: it is public, in this repository. */
export const DEV_TOKEN_SECRET = 'jetgate-dev-only-secret-do-not-use-outside-make-dev';
/** jetgate.json's `auth.audience`. */
export const DEMO_AUDIENCE = 'jetgate-demo';
/** Tokens live this long by default; the SDK fetches the next one before expiry. */
export const DEFAULT_TOKEN_TTL_SEC = 600;

const KEY = /^[A-Za-z0-9_-]{16,128}$/;

export interface TokenIssuerOptions {
  /** HS256 secret, the gateway's `auth.hmacSecret` (at least 32 bytes). */
  secret: string;
  ttlSec?: number;
  audience?: string;
  now?: () => number;
}

export interface IssuedToken {
  token: string;
  /** The token's user id (`sub`): what presence lists as `user`. */
  user: string;
  /** The player id the lobby service gives this user. */
  player: string;
  /** Expiry, unix ms. */
  expiresAt: number;
}

export class TokenRequestError extends Error {}

/** The user id for a player key. */
export function userOf(playerKey: string): string {
  return 'p-' + createHash('sha256').update(`jetgate-demo-player:${playerKey}`).digest('base64url').slice(0, 22);
}

export function tokenIssuer(opts: TokenIssuerOptions): (req: { key?: unknown; name?: unknown }) => Promise<IssuedToken> {
  if (Buffer.byteLength(opts.secret) < 32) throw new Error('the token secret must be at least 32 bytes');
  const ttlSec = opts.ttlSec ?? DEFAULT_TOKEN_TTL_SEC;
  const audience = opts.audience ?? DEMO_AUDIENCE;
  const now = opts.now ?? Date.now;
  return async ({ key, name }) => {
    if (typeof key !== 'string' || !KEY.test(key)) throw new TokenRequestError('key: 16 to 128 of A-Z a-z 0-9 _ -');
    if (name !== undefined && typeof name !== 'string') throw new TokenRequestError('name: a string');
    const display = (name ?? '').trim().replace(/\s+/g, ' ');
    if ([...display].length > LIMITS.name || CONTROL.test(display)) throw new TokenRequestError(`name: at most ${LIMITS.name} characters, no control characters`);
    const user = userOf(key);
    const player = playerIdOf({ user, clientId: '', info: undefined }, undefined);
    const { token, expiresAt } = await mintToken({ info: display ? { name: display, player } : { player } },
      { secret: opts.secret, subject: user, audience, ttlSec, now: now() });
    return { token, user, player, expiresAt };
  };
}
