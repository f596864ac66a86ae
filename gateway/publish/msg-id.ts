/**
 * The Nats-Msg-Id of a client publish. JetStream stores a message once per id within the stream's
 * duplicate window, so a client that retries with the same idempotency key (the SDK does after a
 * reconnect) is stored once. The id is scoped by user and channel, so one user's key can never
 * suppress another's publish, and hashed, so it has a fixed size whatever the client sends. Pure.
 */
import { createHash } from 'node:crypto';
import { checkHeaderValue } from '../auth/headers.js';

export const MAX_KEY_LENGTH = 128;

/** undefined when the client sent no key (no de-duplication). Throws BadRequest for a bad key. */
export function publishMsgId(user: string, channel: string, key: string | null | undefined): string | undefined {
  if (!key) return undefined;
  checkHeaderValue('idempotency key', key, MAX_KEY_LENGTH);
  return 'jg-' + createHash('sha256').update(`${user}\n${channel}\n${key}`).digest('base64url');
}
