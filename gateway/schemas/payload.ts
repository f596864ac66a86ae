/**
 * A payload a client sends (publish or RPC) turned into the bytes that go to NATS, checked:
 * size, declared type, and that it decodes as that type when the gateway knows it. JSON payloads
 * are encoded to protobuf with their type, so services always receive protobuf.
 */
import type { JsonValue } from '../../proto/codec.js';
import { ErrorCode } from '../../proto/codes.js';
import { ClientError } from '../errors.js';
import type { Transcoder } from './transcoder.js';
import { checkHeaderValue } from '../auth/headers.js';

export interface PayloadIn {
  data?: Uint8Array | null;
  json?: JsonValue;
  type?: string | null;
}

export interface PayloadRules {
  maxBytes: number;
  /** The type every payload must have (a missing type means this one). */
  requiredType?: string | undefined;
}

export interface PayloadOut {
  data: Uint8Array;
  type: string | undefined;
}

export function resolvePayload(p: PayloadIn, rules: PayloadRules, transcoder: Transcoder): PayloadOut {
  // The type goes into a NATS header: printable ASCII only (no CR/LF to split the header).
  const type = (p.type ? checkHeaderValue('type', p.type) : undefined) || rules.requiredType || undefined;
  if (rules.requiredType && type !== rules.requiredType) {
    throw new ClientError(ErrorCode.BadPayload, `payload type must be ${rules.requiredType}, not ${type}`);
  }
  const known = type ? transcoder.type(type) !== null : false;
  if (p.json !== undefined) {
    if (p.data?.length) throw new ClientError(ErrorCode.BadRequest, 'send data or json, not both');
    if (!type || !known) throw new ClientError(ErrorCode.BadPayload, `a json payload needs a message type the gateway knows (got ${type ? `"${type}"` : 'none'})`);
    let data: Uint8Array;
    try {
      data = transcoder.fromJson(type, p.json);
    } catch (e) {
      throw new ClientError(ErrorCode.BadPayload, `json does not fit ${type}: ${(e as Error).message}`);
    }
    return { data: checkSize(data, rules.maxBytes), type };
  }
  const data = checkSize(p.data ?? new Uint8Array(), rules.maxBytes);
  if (type && known && !transcoder.decodes(type, data)) throw new ClientError(ErrorCode.BadPayload, `payload does not decode as ${type}`);
  return { data, type };
}

function checkSize(data: Uint8Array, max: number): Uint8Array {
  if (data.length > max) throw new ClientError(ErrorCode.PayloadTooLarge, `payload of ${data.length} bytes; at most ${max}`);
  return data;
}
