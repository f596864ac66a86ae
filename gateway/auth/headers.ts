/**
 * Client-supplied NATS headers. A client may not set the gateway's own headers (`Jetgate-*`: the
 * identity it forwards to services, the payload type) nor NATS's (`Nats-*`: dedupe ids, expected
 * sequences, rollups — `Nats-Rollup` would let a client purge a subject). Publish and RPC build
 * their NATS headers from client input through these helpers. Pure: no I/O.
 */
import { ErrorCode } from '../../proto/codes.js';
import { ClientError } from '../errors.js';

/** Header name prefixes only the gateway sets (compared case-insensitively). */
export const RESERVED_HEADER_PREFIXES: readonly string[] = ['nats-', 'jetgate-'];
export const MAX_CLIENT_HEADERS = 32;
export const MAX_HEADER_VALUE_LENGTH = 1024;

// An HTTP token (RFC 9110), which is also what NATS accepts in a header name.
const NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
// No control characters: CR or LF would end the header (and start another) on the NATS wire.
const VALUE = /^[^\p{Cc}]*$/u;

export function isReservedHeader(name: string): boolean {
  const n = name.toLowerCase();
  return RESERVED_HEADER_PREFIXES.some((p) => n.startsWith(p));
}

/**
 * The headers of `headers` a client may set: reserved names, names that are not HTTP tokens,
 * values with control characters or over MAX_HEADER_VALUE_LENGTH are dropped, and at most
 * MAX_CLIENT_HEADERS are kept.
 */
export function stripReservedHeaders(headers: Readonly<Record<string, string>> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  let kept = 0;
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (kept >= MAX_CLIENT_HEADERS) break;
    if (!NAME.test(name) || isReservedHeader(name)) continue;
    if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE_LENGTH || !VALUE.test(value)) continue;
    out[name] = value;
    kept++;
  }
  return out;
}

/**
 * Checks a client field the gateway puts into a NATS header itself (the payload type, an
 * idempotency key): printable, at most `maxLength` characters. Throws BadRequest naming the field.
 */
export function checkHeaderValue(field: string, value: string, maxLength = 256): string {
  if (value.length > maxLength || !/^[\x21-\x7e]*$/.test(value)) {
    throw new ClientError(ErrorCode.BadRequest, `${field}: at most ${maxLength} printable ASCII characters, no spaces`);
  }
  return value;
}
