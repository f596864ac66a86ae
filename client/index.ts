/** jetgate client SDK: browsers and Node 20 from one code base. */
export { JetgateClient } from './client.js';
export type { CallOptions, ClientEvents, ClientOptions, ClientState, HistoryOptions, PublishOptions, RpcOptions, SharedOptions } from './options.js';
export type { BackoffOptions } from './backoff.js';
export type { WebSocketCtor, WebSocketLike } from './connection.js';
export type { Listener } from './emitter.js';
export { ClientCloseCode, JetgateError, type ErrorKind } from './errors.js';
export type {
  ClientInfo, ConnectInfo, DisconnectInfo, HistoryPage, JsonValue, Payload, Position, PresenceResult,
  Publication, PublishResult, RpcResult, SubscribedInfo, UnsubscribedInfo,
} from './messages.js';
export type { SubscribeOptions, Subscription, SubscriptionEvents, SubscriptionState } from './subscription.js';
export type { Format } from '../proto/codec.js';
export { CloseCode, ErrorCode, UnsubscribeCode } from '../proto/codes.js';
