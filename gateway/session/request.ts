/**
 * Requests other than the connection's own (connect, refresh, subscribe, unsubscribe, ping): one
 * handler per request body, each in the module of its feature. A handler returns the reply body or throws a
 * ClientError.
 */
import type { ClientMessage, Format, ServerMessage } from '../../proto/codec.js';
import type { Identity } from '../auth/identity.js';

/** What a handler knows of the connection that sent the request. */
export interface Requester {
  readonly id: string;
  readonly identity: Identity;
  readonly format: Format;
}

type Body<K extends keyof ClientMessage> = NonNullable<ClientMessage[K]>;

export interface RequestHandlers {
  publish?: (from: Requester, req: Body<'publish'>) => Promise<ServerMessage>;
  rpc?: (from: Requester, req: Body<'rpc'>) => Promise<ServerMessage>;
  presence?: (from: Requester, req: Body<'presence'>) => Promise<ServerMessage>;
  history?: (from: Requester, req: Body<'history'>) => Promise<ServerMessage>;
}

export type HandledBody = keyof RequestHandlers;
