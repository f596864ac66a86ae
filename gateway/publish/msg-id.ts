/**
 * The Nats-Msg-Id of a client publish. JetStream stores a message once per id within the stream's
 * duplicate window, so a client that retries with the same idempotency key is stored once. The id
 * is scoped, so one client's key can never suppress another's publish: by user for a token's
 * connections (the SDK retries after a reconnect, on a new connection of the same user), by the
 * connection itself for anonymous ones (they all share user "", and anyone can be anonymous). It is
 * hashed, so it has a fixed size whatever the client sends. Pure.
 */
import { createHash } from 'node:crypto';
import { checkHeaderValue } from '../auth/headers.js';

export const MAX_KEY_LENGTH = 128;

/**
 * undefined when the client sent no key (no de-duplication). Throws BadRequest for a bad key.
 * `user` is "" for an anonymous connection, whose keys are then scoped to `connection` (its id).
 */
export function publishMsgId(user: string, connection: string, channel: string, key: string | null | undefined): string | undefined {
  if (!key) return undefined;
  checkHeaderValue('idempotency key', key, MAX_KEY_LENGTH);
  // User ids are printable (no newline), so neither scope can be forged from the other.
  const scope = user === '' ? `connection\n${connection}` : `user\n${user}`;
  return 'jg-' + createHash('sha256').update(`${scope}\n${channel}\n${key}`).digest('base64url');
}
