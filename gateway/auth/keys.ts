/**
 * The keys tokens are verified with: an HMAC secret (HS256), a PEM public key (RS256 or ES256), and
 * a JWKS file (keys chosen by "kid"), which is re-read when it changes so keys can be rotated
 * without a restart. Each algorithm only ever gets a key of its own kind: a public key is never
 * used as an HMAC secret (the HS/RS confusion attack).
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import { createLocalJWKSet, type FlattenedJWSInput, type JWSHeaderParameters } from 'jose';
import { ErrorCode } from '../../proto/codes.js';
import { parseJson } from '../../proto/safe-json.js';
import type { Algorithm, AuthConfig } from '../config/schema.js';
import { ClientError, JetgateError } from '../errors.js';
import type { Logger } from '../log.js';

type Jwks = ReturnType<typeof createLocalJWKSet>;

function invalid(message: string): JetgateError {
  return new JetgateError('AUTH_INVALID', `auth: ${message}`);
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw invalid(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
}

/** A PEM public key and the one algorithm it can verify. */
function loadPem(pem: string, where: string): { key: KeyObject; alg: Algorithm } {
  if (/PRIVATE KEY/.test(pem)) throw invalid(`${where} holds a private key; give the gateway only the public key`);
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    throw invalid(`${where} is not a PEM public key: ${(e as Error).message}`);
  }
  if (key.asymmetricKeyType === 'rsa') return { key, alg: 'RS256' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, alg: 'ES256' };
  throw invalid(`${where}: an RSA key (RS256) or a P-256 EC key (ES256) is needed, not ${key.asymmetricKeyType}`);
}

function parseJwks(text: string, file: string): Jwks {
  try {
    return createLocalJWKSet(parseJson(text) as Parameters<typeof createLocalJWKSet>[0]);
  } catch (e) {
    throw invalid(`${file} is not a JSON Web Key Set: ${(e as Error).message}`);
  }
}

export class KeyRing {
  private jwks: Jwks | undefined;

  private constructor(
    private readonly secret: KeyObject | undefined,
    private readonly pem: { key: KeyObject; alg: Algorithm } | undefined,
    private readonly jwksFile: string | undefined,
    /** Algorithms accepted: allowed by the configuration and backed by a key. */
    readonly algorithms: Algorithm[],
    private readonly log: Logger,
  ) {}

  /** Loads every configured key; throws JetgateError('AUTH_INVALID') saying what is wrong. */
  static load(auth: AuthConfig, log: Logger): KeyRing {
    const secret = auth.hmacSecret ? createSecretKey(Buffer.from(auth.hmacSecret, 'utf8')) : undefined;
    const pem = auth.publicKey ? loadPem(auth.publicKey, 'publicKey')
      : auth.publicKeyFile ? loadPem(readText(auth.publicKeyFile, 'publicKeyFile'), auth.publicKeyFile)
        : undefined;
    const has = (alg: Algorithm) => alg === 'HS256' ? !!secret : pem?.alg === alg || !!auth.jwksFile;
    const algorithms = auth.algorithms.filter(has);
    if ((secret || pem || auth.jwksFile) && algorithms.length === 0) {
      throw invalid(`no configured key serves any of the allowed algorithms (${auth.algorithms.join(', ')})`);
    }
    const ring = new KeyRing(secret, pem, auth.jwksFile, algorithms, log);
    if (auth.jwksFile) ring.watchJwks(auth.jwksFile, auth.jwksPollMs);
    return ring;
  }

  /** Whether any key is configured (else every non-empty token is refused). */
  get enabled(): boolean {
    return this.algorithms.length > 0;
  }

  /** The key for a token's header (jose's key callback); BadToken when there is none. */
  readonly keyFor = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<KeyObject | CryptoKey> => {
    const alg = header.alg;
    if (alg === 'HS256' && this.secret) return this.secret;
    if (alg !== 'HS256') {
      // A "kid" names a JWKS key; without one, the PEM key of that algorithm comes first.
      const pem = this.pem;
      if (pem && pem.alg === alg && (!header.kid || !this.jwks)) return pem.key;
      if (this.jwks) return this.jwks(header, token);
    }
    throw new ClientError(ErrorCode.BadToken, `no key for algorithm ${String(alg)}`);
  };

  private watchJwks(file: string, intervalMs: number): void {
    this.jwks = parseJwks(readText(file, 'jwksFile'), file);
    watchFile(file, { interval: intervalMs, persistent: false }, (cur: Stats, prev: Stats) => {
      if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size && cur.ino === prev.ino) return;
      try {
        this.jwks = parseJwks(readText(file, 'jwksFile'), file);
        this.log.info({ file }, 'JWKS reloaded');
      } catch (e) {
        // Keep the keys we have: a half-written or broken file must not lock everyone out.
        this.log.error({ file, err: (e as Error).message }, 'JWKS reload failed; keeping the previous keys');
      }
    });
  }

  close(): void {
    if (this.jwksFile) unwatchFile(this.jwksFile);
  }
}
