/**
 * The Nats-Msg-Id of a client publish. JetStream stores a message once per id within the stream's
 * duplicate window, so a client that retries with the same idempotency key (the SDK does after a
 * reconnect) is stored once. The id is scoped by user and channel, so one user's key can never
 * suppress another's publish, and hashed, so it has a fixed size whatever the client sends. Pure.
 */
import { createHash } from 'node:crypto';
import { ErrorCode } from '../../proto/codes.js';
import { ClientError } from '../errors.js';

export const MAX_KEY_LENGTH = 128;
const KEY = /^[\x21-\x7e]*$/;

/** undefined when the client sent no key (no de-duplication). Throws BadRequest for a bad key. */
export function publishMsgId(user: string, channel: string, key: string | null | undefined): string | undefined {
  if (!key) return undefined;
  if (key.length > MAX_KEY_LENGTH || !KEY.test(key)) {
    throw new ClientError(ErrorCode.BadRequest, `idempotency key: at most ${MAX_KEY_LENGTH} printable ASCII characters`);
  }
  return 'jg-' + createHash('sha256').update(`${user}\n${channel}\n${key}`).digest('base64url');
}
