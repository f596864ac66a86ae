/**
 * Client fields the gateway writes into NATS headers itself (the payload type). Client headers as
 * a whole go through gateway/headers/outgoing.ts. Pure: no I/O.
 */
import { ErrorCode } from '../../proto/codes.js';
import { ClientError } from '../errors.js';

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
