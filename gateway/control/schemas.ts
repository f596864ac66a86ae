/**
 * Request and response schemas of the control plane (JSON Schema through TypeBox): fastify
 * validates requests and serializes responses with them, and /docs/json publishes them.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { API_ERRORS } from './errors.js';
import { MAX_UNIX_MS } from '../../proto/codes.js';
import { MAX_PAGE } from '../requests/history.js';

const Channel = Type.String({ description: 'channel name, e.g. lobby:42', minLength: 1, maxLength: 1024, examples: ['lobby:42'] });
const Seq = (description: string) => Type.Integer({ minimum: 0, description });
const Json = Type.Unknown({ description: 'any JSON value' });
const Info = Type.Record(Type.String(), Type.Unknown(), { description: 'information about the user, from the token' });

export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.Union(Object.keys(API_ERRORS).map((c) => Type.Literal(c)), { description: 'stable error code (docs/operations.md)' }),
    message: Type.String(),
    requestId: Type.String({ description: 'also in the X-Request-Id response header and in the logs' }),
  }),
}, { $id: 'Error', description: 'every error of the control plane' });

/** Error responses a route may give, by status. */
export function errors(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref('Error')]));
}

export const Health = Type.Object({
  status: Type.Literal('ok'),
  node: Type.String(),
  uptimeSec: Type.Number(),
});

export const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Object({ nats: Type.Boolean(), streams: Type.Boolean(), listening: Type.Boolean(), draining: Type.Boolean() }),
});

export const PublishBody = Type.Object({
  channel: Channel,
  data: Type.Optional(Type.String({ contentEncoding: 'base64', description: 'payload bytes, base64', pattern: '^[A-Za-z0-9+/]*={0,2}$' })),
  text: Type.Optional(Type.String({ description: 'payload as UTF-8 text' })),
  json: Type.Optional(Type.Unknown({ description: 'payload as JSON: encoded with the protobuf schema of `type` when the gateway has it, else stored as JSON text' })),
  type: Type.Optional(Type.String({ description: 'protobuf message type (Jetgate-Type header)', maxLength: 256, pattern: '^[A-Za-z0-9_.]+$' })),
  headers: Type.Optional(Type.Record(Type.String({ pattern: '^(?![Nn][Aa][Tt][Ss]-|[Jj][Ee][Tt][Gg][Aa][Tt][Ee]-)[A-Za-z0-9-]{1,64}$' }), Type.String({ maxLength: 1024 }), {
    description: 'headers stored with the publication (not Nats-* or Jetgate-*)',
    additionalProperties: false,
  })),
  idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Nats-Msg-Id: the same key within the stream\'s duplicate window is stored once (keys are per stream, not per channel)' })),
}, { additionalProperties: false });
export type PublishBody = Static<typeof PublishBody>;

export const PublishResult = Type.Object({
  channel: Type.String(),
  seq: Type.Integer({ description: 'stream sequence of the publication' }),
  duplicate: Type.Boolean({ description: 'the idempotency key was seen before: stored once, earlier' }),
});

export const HistoryQuery = Type.Object({
  channel: Channel,
  fromSeq: Type.Optional(Seq('oldest first from this sequence (0: the oldest held); with reverse, newest first ending here (0: the newest)')),
  toSeq: Type.Optional(Seq('never past this sequence: the last of a forward page, the lowest of a reverse page')),
  sinceTime: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_UNIX_MS, description: 'oldest first from this time (unix ms); not with reverse; page on with fromSeq = nextSeq' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 100 })),
  reverse: Type.Optional(Type.Boolean({ default: false })),
}, { additionalProperties: false });
export type HistoryQuery = Static<typeof HistoryQuery>;

const Publication = Type.Object({
  seq: Type.Integer(),
  time: Type.Integer({ description: 'unix ms when JetStream stored it' }),
  type: Type.Optional(Type.String()),
  subject: Type.Optional(Type.String({ description: 'channel-relative subject, for wildcard channels' })),
  headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  data: Type.Optional(Type.String({ description: 'payload bytes, base64 (when the gateway has no schema for type)' })),
  json: Type.Optional(Json),
});

export const HistoryResult = Type.Object({
  channel: Type.String(),
  publications: Type.Array(Publication),
  position: Type.Object({ seq: Type.Integer(), epoch: Type.String() }, { description: 'the stream\'s current position' }),
  nextSeq: Type.Integer({ description: 'fromSeq of the next page; 0 when there is none' }),
});

export const ChannelQuery = Type.Object({ channel: Channel }, { additionalProperties: false });
export type ChannelQuery = Static<typeof ChannelQuery>;

export const PresenceResult = Type.Object({
  channel: Type.String(),
  clients: Type.Array(Type.Object({
    user: Type.String({ description: 'user id ("" for anonymous connections)' }),
    clientId: Type.String({ description: 'connection id' }),
    info: Type.Optional(Info),
    node: Type.String({ description: 'gateway node holding the connection' }),
  })),
});

export const ChannelsResult = Type.Object({
  node: Type.String(),
  channels: Type.Array(Type.Object({ channel: Type.String(), subscribers: Type.Integer() }), {
    description: 'channels active on this node, with their local subscriber counts',
  }),
});

const Target = {
  user: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'every connection of this user' })),
  clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'this one connection' })),
  reason: Type.Optional(Type.String({ maxLength: 256, description: 'told to the client' })),
};

// Exactly one of user and clientId.
const ONE_TARGET = { oneOf: [{ required: ['user'] }, { required: ['clientId'] }] };

export const DisconnectBody = Type.Object(Target, { additionalProperties: false, ...ONE_TARGET });
export type DisconnectBody = Static<typeof DisconnectBody>;

export const UnsubscribeBody = Type.Object({ ...Target, channel: Channel }, { additionalProperties: false, ...ONE_TARGET });
export type UnsubscribeBody = Static<typeof UnsubscribeBody>;

export const CommandResult = Type.Object({
  nodes: Type.Integer({ description: 'gateway nodes that answered in time' }),
  affected: Type.Integer({ description: 'connections closed, or subscriptions ended, on those nodes' }),
});
