/**
 * Publishing through the server API: the payload as the body gives it (base64 bytes, UTF-8 text,
 * or JSON, encoded with the protobuf schema named by `type` when the gateway has it), stored in
 * JetStream under the channel's subject like any producer's publication.
 */
import { ErrorCode } from '../../proto/codes.js';
import { Header } from '../../proto/headers.js';
import type { JsonValue } from '../../proto/codec.js';
import type { ChannelRef } from '../channels/grammar.js';
import { checkHeaderValue } from '../auth/headers.js';
import { ClientError } from '../errors.js';
import { stripReservedHeaders } from '../headers/outgoing.js';
import type { JetStreamClient } from '../nats/connection.js';
import type { NatsFailure } from '../nats/failure.js';
import { storePublication } from '../nats/store.js';
import { resolvePayload } from '../schemas/payload.js';
import type { Transcoder } from '../schemas/transcoder.js';
import type { PublishBody } from './schemas.js';

/** The payload bytes of a publish body. Throws ClientError(BadRequest | BadPayload). */
export function payloadOf(input: PublishBody, transcoder: Transcoder): Uint8Array {
  const given = [input.data !== undefined, input.text !== undefined, input.json !== undefined].filter(Boolean).length;
  if (given !== 1) throw new ClientError(ErrorCode.BadRequest, 'give exactly one of data (base64), text, json');
  if (input.text !== undefined) return new TextEncoder().encode(input.text);
  // The request body limit bounds the size; the checks are a client publish's.
  const limits = { maxBytes: Number.POSITIVE_INFINITY };
  if (input.json !== undefined) {
    if (!input.type || !transcoder.type(input.type)) return new TextEncoder().encode(JSON.stringify(input.json));
    return resolvePayload({ json: input.json as JsonValue, type: input.type }, limits, transcoder).data;
  }
  return resolvePayload({ data: Buffer.from(input.data as string, 'base64'), type: input.type }, limits, transcoder).data;
}

/** Stores a publication; a repeated idempotency key within the stream's duplicate window is stored once. */
export async function publishTo(js: JetStreamClient, ref: ChannelRef, input: PublishBody, data: Uint8Array): Promise<{ seq: number; duplicate: boolean }> {
  if (ref.wildcard) throw new ClientError(ErrorCode.BadChannel, 'publish needs a channel without wildcards');
  // The key becomes the Nats-Msg-Id header: printable ASCII (CR/LF would split it), a 400 otherwise.
  if (input.idempotencyKey !== undefined) checkHeaderValue('idempotencyKey', input.idempotencyKey);
  const headers = [...stripReservedHeaders(input.headers)];
  if (input.type) headers.push([Header.Type, input.type]);
  try {
    const ack = await storePublication(js, { subject: ref.subject, data, headers, msgId: input.idempotencyKey });
    return { seq: ack.seq, duplicate: ack.duplicate };
  } catch (e) {
    const f = e as NatsFailure;
    // A temporary failure (failure.ts) is the API's 503: the same request may work in a moment.
    if (f.temporary) throw new ClientError(ErrorCode.Unavailable, `JetStream unavailable: ${f.message}`, true);
    throw new ClientError(ErrorCode.PublishFailed, `JetStream did not store the publication: ${f.message}`);
  }
}
