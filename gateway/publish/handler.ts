/**
 * The `publish` request: a client stores a publication in JetStream on a channel its namespace
 * opens to client publishes. The payload is checked (size, type), the caller's identity goes in
 * trusted headers, and the idempotency key becomes Nats-Msg-Id; the reply is the stored seq.
 */
import type { ClientMessage, ServerMessage } from '../../proto/codec.js';
import { ErrorCode } from '../../proto/codes.js';
import { authorize } from '../auth/identity.js';
import type { ChannelResolver } from '../channels/grammar.js';
import { ClientError, JetgateError } from '../errors.js';
import { outgoingHeaders } from '../headers/outgoing.js';
import type { Nats } from '../nats/connection.js';
import type { NatsFailure } from '../nats/failure.js';
import { storePublication } from '../nats/store.js';
import { resolvePayload } from '../schemas/payload.js';
import type { Transcoder } from '../schemas/transcoder.js';
import type { Requester } from '../session/request.js';
import type { Config } from '../config/schema.js';
import { publishMsgId } from './msg-id.js';

export interface PublishDeps {
  config: Config;
  resolver: ChannelResolver;
  transcoder: Transcoder;
  nats: Nats;
}

/** A publishType the gateway cannot decode would refuse every publish: stop at start-up instead. */
function checkPublishConfig(config: Config, transcoder: Transcoder): void {
  for (const ns of config.namespaces) {
    if (ns.publishType && !transcoder.type(ns.publishType)) {
      throw new JetgateError('CONFIG_INVALID', `namespaces.${ns.name}.publishType: "${ns.publishType}" is not a message type of the configured schemas`);
    }
  }
}

export function publishHandler(deps: PublishDeps) {
  checkPublishConfig(deps.config, deps.transcoder);
  return async (from: Requester, req: NonNullable<ClientMessage['publish']>): Promise<ServerMessage> => {
    const ref = deps.resolver.resolve(req.channel);
    if (ref.wildcard) throw new ClientError(ErrorCode.BadChannel, 'publish needs a channel without wildcards');
    const ns = ref.namespace;
    if (!ns.publish) throw new ClientError(ErrorCode.PublishNotAllowed, `namespace "${ns.name}" does not accept client publishes`);
    authorize(from.identity, ns, 'publish', ref.channel);
    const payload = resolvePayload(req, { maxBytes: ns.maxPayloadBytes, requiredType: ns.publishType }, deps.transcoder);
    const msgID = publishMsgId(from.identity.user, from.id, ref.channel, req.idempotencyKey);
    const headers = outgoingHeaders(from.identity, from.id, req.headers, payload.type);
    try {
      const ack = await storePublication(deps.nats.js, { subject: ref.subject, data: payload.data, headers, msgId: msgID });
      return { publish: { channel: ref.channel, seq: ack.seq, duplicate: ack.duplicate } };
    } catch (e) {
      const f = e as NatsFailure;
      // Temporary (no ack: JetStream restarting, a leader election): the same publish may work in a moment.
      throw new ClientError(ErrorCode.PublishFailed, `not stored: ${f.message}`, f.temporary);
    }
  };
}
