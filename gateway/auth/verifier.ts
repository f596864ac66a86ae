/**
 * Verifies connection tokens (JWT, with jose) and turns them into identities. Every refusal is a
 * ClientError: TokenExpired for an expired token, BadToken for everything else (forged, tampered,
 * `alg: none`, wrong key or algorithm, not yet valid, wrong audience or issuer, malformed grants).
 * Tokens are never logged.
 */
import { errors, jwtVerify, type JWTVerifyOptions } from 'jose';
import { ErrorCode } from '../../proto/codes.js';
import type { AuthConfig } from '../config/schema.js';
import { ClientError } from '../errors.js';
import type { Logger } from '../log.js';
import { identityFromClaims } from './claims.js';
import type { Identity } from './identity.js';
import { KeyRing } from './keys.js';

export interface TokenVerifier {
  /** The identity a token stands for; throws ClientError (BadToken, TokenExpired) when refused. */
  verify(token: string): Promise<Identity>;
}

export class JwtVerifier implements TokenVerifier {
  private readonly options: JWTVerifyOptions;

  private constructor(private readonly auth: AuthConfig, private readonly keys: KeyRing) {
    this.options = {
      algorithms: keys.algorithms,
      clockTolerance: auth.clockToleranceSec,
      requiredClaims: auth.requireExp ? ['exp'] : [],
      ...(auth.audience.length ? { audience: auth.audience } : {}),
      ...(auth.issuer.length ? { issuer: auth.issuer } : {}),
    };
  }

  /** Loads the configured keys; throws JetgateError('AUTH_INVALID') when they are unusable. */
  static create(auth: AuthConfig, log: Logger): JwtVerifier {
    return new JwtVerifier(auth, KeyRing.load(auth, log));
  }

  async verify(token: string): Promise<Identity> {
    if (!this.keys.enabled) throw new ClientError(ErrorCode.BadToken, 'this gateway has no token keys configured (auth)');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.keys.keyFor, this.options));
    } catch (e) {
      throw refusal(e);
    }
    return identityFromClaims(payload, this.auth.claims);
  }

  close(): void {
    this.keys.close();
  }
}

function refusal(e: unknown): ClientError {
  if (e instanceof ClientError) return e;
  if (e instanceof errors.JWTExpired) return new ClientError(ErrorCode.TokenExpired, 'token expired');
  if (e instanceof errors.JWTClaimValidationFailed) {
    const why: Record<string, string> = { nbf: 'token not yet valid (nbf)', aud: 'token for another audience (aud)', iss: 'token from another issuer (iss)' };
    return new ClientError(ErrorCode.BadToken, why[e.claim] ?? `token refused: ${e.message}`);
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) return new ClientError(ErrorCode.BadToken, 'token signature does not verify');
  if (e instanceof errors.JOSEAlgNotAllowed) return new ClientError(ErrorCode.BadToken, 'token algorithm not accepted');
  // Malformed tokens, unknown key ids, keys of the wrong type: jose's messages never quote the token.
  if (e instanceof errors.JOSEError || e instanceof TypeError) return new ClientError(ErrorCode.BadToken, `token refused: ${e.message}`);
  throw e;
}
