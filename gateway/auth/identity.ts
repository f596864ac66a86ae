/**
 * Who is on a connection, and what they may do. Filled at Connect; anonymous until token auth says
 * otherwise. Every request that touches a channel asks `authorize` first.
 */
import type { JsonValue } from '../../proto/codec.js';
import { ErrorCode } from '../../proto/codes.js';
import type { NamespaceConfig } from '../config/schema.js';
import { ClientError } from '../errors.js';

export type Action = 'subscribe' | 'history' | 'presence';

export interface Identity {
  /** User id ('' for anonymous). */
  user: string;
  /** Free-form information about the user, passed to services and presence. */
  info?: Record<string, JsonValue>;
  /** Token expiry (unix ms); 0 when it does not expire. */
  expiresAt: number;
}

export const ANONYMOUS: Identity = Object.freeze({ user: '', expiresAt: 0 });

/** Throws PermissionDenied unless the identity may do `action` on a channel of that namespace. */
export function authorize(identity: Identity, ns: NamespaceConfig, action: Action, channel: string): void {
  if (identity.user === '' && !ns.anonymous) {
    throw new ClientError(ErrorCode.PermissionDenied, `${action} on ${channel}: namespace "${ns.name}" requires a token`);
  }
}
