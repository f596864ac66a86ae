/**
 * The headers the gateway puts on a NATS message it sends for a client (a publish or an RPC):
 * the client's own headers minus reserved ones, then the caller's identity, which services can
 * trust because no client can set those names. Pure.
 */
import { Header, isReservedHeader } from '../../proto/headers.js';
import { ErrorCode } from '../../proto/codes.js';
import type { Identity } from '../auth/identity.js';
import { ClientError } from '../errors.js';

export const MAX_CLIENT_HEADERS = 16;
export const MAX_HEADER_VALUE = 1024;
/** RFC 9110 token: what a header name may hold. */
const NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export type HeaderList = Array<[name: string, value: string]>;

/**
 * Client headers without the reserved ones (Jetgate-*, Nats-*: dropped silently, so a client
 * cannot pose as someone else or steer JetStream, e.g. with Nats-Rollup). Throws BadRequest for
 * names or values that are not valid headers, or too many of them.
 */
export function stripReservedHeaders(headers: Record<string, string> | null | undefined): HeaderList {
  const entries = Object.entries(headers ?? {});
  if (entries.length > MAX_CLIENT_HEADERS) throw new ClientError(ErrorCode.BadRequest, `at most ${MAX_CLIENT_HEADERS} headers`);
  const out: HeaderList = [];
  for (const [name, value] of entries) {
    if (!NAME.test(name)) throw new ClientError(ErrorCode.BadRequest, `invalid header name ${JSON.stringify(name.slice(0, 64))}`);
    if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE || CONTROL.test(value)) {
      throw new ClientError(ErrorCode.BadRequest, `invalid value for header ${name}`);
    }
    if (!isReservedHeader(name)) out.push([name, value]);
  }
  return out;
}

/** Who is calling, for the service: Jetgate-User (absent when anonymous), -Client, -Info. */
export function identityHeaders(identity: Identity, clientId: string): HeaderList {
  const out: HeaderList = [];
  if (identity.user) out.push([Header.User, identity.user]);
  out.push([Header.Client, clientId]);
  if (identity.info && Object.keys(identity.info).length) out.push([Header.Info, JSON.stringify(identity.info)]);
  return out;
}

/** Everything a message sent for a client carries: its headers, its identity, the payload type. */
export function outgoingHeaders(identity: Identity, clientId: string, clientHeaders: Record<string, string> | null | undefined, type: string | undefined): HeaderList {
  const out = [...stripReservedHeaders(clientHeaders), ...identityHeaders(identity, clientId)];
  if (type) out.push([Header.Type, type]);
  return out;
}
