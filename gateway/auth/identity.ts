/**
 * Who is on a connection, and what they may do. Filled at Connect (and replaced by Refresh) from
 * the token; anonymous without one. Every request that touches a channel or method asks
 * `authorize` first. Pure: no I/O.
 *
 * A request is allowed when any of these says so:
 * - anonymous connections: the namespace's `anonymous` setting lists the action;
 * - authenticated connections: the same, or a grant of the token, or a grant of the namespace
 *   (`namespaces[].grants`, given to every authenticated connection) covering the target.
 * subscribe, history and presence are all reading a channel: the `subscribe` grant covers them.
 */
import type { JsonValue } from '../../proto/codec.js';
import { ErrorCode } from '../../proto/codes.js';
import type { Action, NamespaceConfig } from '../config/schema.js';
import { ClientError } from '../errors.js';
import { compileGrants, NO_GRANTS, type GrantKind, type Grants } from './grants.js';
import { coversAny } from './patterns.js';

export type { Action };

export interface Identity {
  /** User id ('' for anonymous). */
  user: string;
  /** Free-form information about the user, passed to services and presence. */
  info?: Record<string, JsonValue>;
  /** Token expiry (unix ms); 0 when it does not expire. */
  expiresAt: number;
  /** What the token grants, on top of the namespaces' rules. */
  grants: Grants;
}

export const ANONYMOUS: Identity = Object.freeze({ user: '', expiresAt: 0, grants: NO_GRANTS });

const GRANT_OF: Readonly<Record<Action, GrantKind>> = {
  subscribe: 'subscribe',
  history: 'subscribe',
  presence: 'subscribe',
  publish: 'publish',
  rpc: 'rpc',
};

/** What `anonymous: true` means: reading, never writing. */
const READ_ACTIONS: readonly Action[] = ['subscribe', 'history', 'presence'];

// Namespace grants are validated with the configuration; compiled once per namespace object.
const namespaceGrants = new WeakMap<NamespaceConfig, Grants>();

function grantsOf(ns: NamespaceConfig): Grants {
  let g = namespaceGrants.get(ns);
  if (!g) namespaceGrants.set(ns, (g = compileGrants(`namespaces.${ns.name}.grants`, ns.grants ?? {})));
  return g;
}

function anonymousMay(ns: NamespaceConfig, action: Action): boolean {
  const a = ns.anonymous;
  return a === true ? READ_ACTIONS.includes(action) : Array.isArray(a) && a.includes(action);
}

/** Whether the identity may do `action` on `target` (a channel, or "namespace:method" for rpc) of `ns`. */
export function isAllowed(identity: Identity, ns: NamespaceConfig, action: Action, target: string): boolean {
  if (anonymousMay(ns, action)) return true;
  if (identity.user === '') return false;
  const kind = GRANT_OF[action];
  return coversAny(identity.grants[kind], target, identity.user) || coversAny(grantsOf(ns)[kind], target, identity.user);
}

/** Throws PermissionDenied unless the identity may do `action` on `target` of that namespace. */
export function authorize(identity: Identity, ns: NamespaceConfig, action: Action, target: string): void {
  if (isAllowed(identity, ns, action, target)) return;
  throw new ClientError(ErrorCode.PermissionDenied, identity.user === ''
    ? `${action} on ${target}: namespace "${ns.name}" requires a token`
    : `${action} on ${target}: not granted to this connection`);
}
