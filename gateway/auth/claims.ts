/**
 * A verified token's claims -> the connection's Identity. Pure: no I/O. The token's signature and
 * time claims are checked before this (verifier.ts); this checks the shape of what it grants, so a
 * token minted by a buggy issuer is refused rather than half-understood: time claims must be
 * whole seconds within reach, and no claim may hold a key that reaches a prototype (the `info`
 * claim travels to services and presence lists as it is). Claims are read as own properties only.
 */
import type { JsonValue } from '../../proto/codec.js';
import { ErrorCode } from '../../proto/codes.js';
import type { AuthConfig } from '../config/schema.js';
import { checkJsonValue, ownField } from '../../proto/safe-json.js';
import { ClientError } from '../errors.js';
import { compileGrantList, type GrantKind } from './grants.js';
import type { Identity } from './identity.js';

/** Longest user id accepted; user ids reach logs, presence and service headers. */
export const MAX_USER_LENGTH = 256;

// Printable characters only: user ids travel in NATS headers, where CR/LF would split a header.
const USER = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u;

/** Furthest ahead a time claim may lie: tokens meant never to expire should omit `exp` instead. */
export const MAX_TOKEN_HORIZON_SEC = 10 * 366 * 24 * 3600;

/** Registered time claims (RFC 7519), in seconds since the epoch. */
const TIME_CLAIMS = ['exp', 'nbf', 'iat'] as const;

function badToken(message: string): ClientError {
  return new ClientError(ErrorCode.BadToken, message);
}

/** Throws BadToken unless each time claim present is a whole number of seconds from 1970 to the horizon. */
function checkTimeClaims(payload: Record<string, unknown>, nowMs: number): void {
  const horizon = Math.floor(nowMs / 1000) + MAX_TOKEN_HORIZON_SEC;
  for (const name of TIME_CLAIMS) {
    const v = ownField(payload, name);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > horizon) {
      throw badToken(`claim "${name}" must be whole seconds since 1970, at most ${MAX_TOKEN_HORIZON_SEC / (366 * 24 * 3600)} years ahead`);
    }
  }
}

export function identityFromClaims(payload: Record<string, unknown>, claims: AuthConfig['claims'], nowMs = Date.now()): Identity {
  try {
    checkJsonValue(payload);
  } catch (e) {
    throw badToken(`token claims refused: ${(e as Error).message}`);
  }
  checkTimeClaims(payload, nowMs);
  const user = ownField(payload, claims.user);
  if (typeof user !== 'string' || user === '') throw badToken(`token has no user id (claim "${claims.user}")`);
  if (user.length > MAX_USER_LENGTH || !USER.test(user)) {
    throw badToken(`user id (claim "${claims.user}") must be at most ${MAX_USER_LENGTH} printable characters`);
  }
  const grant = (kind: GrantKind) => {
    try {
      return compileGrantList(`claim "${claims[kind]}"`, ownField(payload, claims[kind]));
    } catch (e) {
      throw badToken((e as Error).message);
    }
  };
  const grants = { subscribe: grant('subscribe'), publish: grant('publish'), rpc: grant('rpc') };
  const info = ownField(payload, claims.info);
  if (info !== undefined && (info === null || typeof info !== 'object' || Array.isArray(info))) {
    throw badToken(`claim "${claims.info}" must be a JSON object`);
  }
  const exp = ownField(payload, 'exp');
  return {
    user,
    expiresAt: typeof exp === 'number' ? exp * 1000 : 0,
    grants,
    ...(info ? { info: info as Record<string, JsonValue> } : {}),
  };
}
