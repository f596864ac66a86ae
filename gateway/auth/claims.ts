/**
 * A verified token's claims -> the connection's Identity. Pure: no I/O. The token's signature and
 * time claims are checked before this (verifier.ts); this checks the shape of what it grants, so a
 * token minted by a buggy issuer is refused rather than half-understood.
 */
import type { JsonValue } from '../../proto/codec.js';
import { ErrorCode } from '../../proto/codes.js';
import type { AuthConfig } from '../config/schema.js';
import { ClientError } from '../errors.js';
import { compileGrantList, type GrantKind } from './grants.js';
import type { Identity } from './identity.js';

/** Longest user id accepted; user ids reach logs, presence and service headers. */
export const MAX_USER_LENGTH = 256;

// Printable characters only: user ids travel in NATS headers, where CR/LF would split a header.
const USER = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u;

function badToken(message: string): ClientError {
  return new ClientError(ErrorCode.BadToken, message);
}

export function identityFromClaims(payload: Record<string, unknown>, claims: AuthConfig['claims']): Identity {
  const user = payload[claims.user];
  if (typeof user !== 'string' || user === '') throw badToken(`token has no user id (claim "${claims.user}")`);
  if (user.length > MAX_USER_LENGTH || !USER.test(user)) {
    throw badToken(`user id (claim "${claims.user}") must be at most ${MAX_USER_LENGTH} printable characters`);
  }
  const grant = (kind: GrantKind) => {
    try {
      return compileGrantList(`claim "${claims[kind]}"`, payload[claims[kind]]);
    } catch (e) {
      throw badToken((e as Error).message);
    }
  };
  const grants = { subscribe: grant('subscribe'), publish: grant('publish'), rpc: grant('rpc') };
  const info = payload[claims.info];
  if (info !== undefined && (info === null || typeof info !== 'object' || Array.isArray(info))) {
    throw badToken(`claim "${claims.info}" must be a JSON object`);
  }
  const exp = payload.exp;
  return {
    user,
    expiresAt: typeof exp === 'number' ? exp * 1000 : 0,
    grants,
    ...(info ? { info: info as Record<string, JsonValue> } : {}),
  };
}
