/**
 * For services that answer jetgate RPCs: who is calling (from the headers only the gateway can
 * set), the typed request, and a typed reply.
 */
import { headers as natsHeaders, type Msg, type MsgHdrs } from '@nats-io/nats-core';
import { Header } from '../proto/headers.js';
import { parseJson } from '../proto/safe-json.js';
import { typeName, type Decoder, type MessageType } from './types.js';

export interface Caller {
  /** User id from the caller's token; '' when anonymous. */
  user: string;
  /** The caller's connection id. */
  clientId: string;
  info: Record<string, unknown> | undefined;
}

/**
 * The caller of an RPC, from the gateway's headers. Clients cannot set these: the gateway strips
 * them. Throws when Jetgate-Info is not a JSON object, or holds a key that would reach a prototype
 * (`__proto__`, `constructor.prototype`): a service may merge it into its own objects.
 */
export function callerOf(headers: MsgHdrs | undefined): Caller {
  const text = headers?.get(Header.Info);
  const info = text ? parseJson(text) : undefined;
  if (info !== undefined && (info === null || typeof info !== 'object' || Array.isArray(info))) throw new Error(`${Header.Info} is not a JSON object`);
  return { user: headers?.get(Header.User) ?? '', clientId: headers?.get(Header.Client) ?? '', info: info as Record<string, unknown> | undefined };
}

/** The request's payload as `type`; throws when the caller sent another type or bytes that do not decode. */
export function decodeRequest<T>(msg: Pick<Msg, 'data' | 'headers'>, type: Decoder<T>): T {
  const sent = msg.headers?.get(Header.Type);
  const want = typeName(type);
  if (sent && sent !== want) throw new Error(`expected a ${want}, got a ${sent}`);
  return type.decode(msg.data);
}

/** Replies with a typed message: the gateway hands it to the caller as protobuf or as JSON. */
export function respond<T>(msg: Pick<Msg, 'respond'>, type: MessageType<T>, message: T): boolean {
  const h = natsHeaders();
  h.set(Header.Type, typeName(type));
  return msg.respond(type.encode(message).finish(), { headers: h });
}
