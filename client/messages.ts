/**
 * The shapes the SDK hands to apps: protocol messages with proto3 defaults filled in (the wire
 * omits zero values), and conversions from the codec's wire form.
 */
import type { ClientInfo as WireClientInfo, JsonValue, Position as WirePosition, Publication as WirePublication, ServerMessage } from '../proto/codec.js';

export type { JsonValue };

/** Where a subscriber is in a channel: stream sequence of the last publication, and stream epoch. */
export interface Position {
  seq: number;
  epoch: string;
}

export interface Publication {
  channel: string;
  /** JetStream stream sequence: strictly increasing within a subscription. */
  seq: number;
  /** Unix ms. */
  time: number;
  /** Protobuf message type named by the producer ('' if none). */
  type: string;
  /** Channel-relative subject, for wildcard channels ('' otherwise). */
  subject: string;
  headers: Record<string, string>;
  /** Payload bytes (binary subprotocol). */
  data?: Uint8Array;
  /** Payload as JSON (JSON subprotocol). */
  json?: JsonValue;
}

export interface ClientInfo {
  user: string;
  clientId: string;
  info?: Record<string, JsonValue>;
}

/** A payload sent with publish or rpc: bytes, or JSON, optionally naming its protobuf type. */
export interface Payload {
  data?: Uint8Array;
  json?: JsonValue;
  type?: string;
}

export interface ConnectInfo {
  clientId: string;
  node: string;
  /** Seconds between the gateway's pings (0: none). */
  pingInterval: number;
  /** Token expiry, unix ms (0: never). */
  expiresAt: number;
}

export interface PublishResult {
  channel: string;
  seq: number;
  /** The idempotency key was seen before: this publication was stored once, earlier. */
  duplicate: boolean;
}

export interface RpcResult {
  type: string;
  data?: Uint8Array;
  json?: JsonValue;
}

export interface PresenceResult {
  channel: string;
  clients: ClientInfo[];
}

export interface HistoryPage {
  channel: string;
  publications: Publication[];
  /** The channel's current position. */
  position: Position;
  /** Pass as `fromSeq` for the next page; 0 when there is none. */
  nextSeq: number;
}

export interface SubscribedInfo {
  channel: string;
  /**
   * True only when the subscription resumed from a position (`since`, or the SDK's automatic
   * resume) and nothing after it was lost. False on a first subscribe and whenever publications
   * may be missing: the app should (re)load its state then.
   */
  recovered: boolean;
  /** The channel's position at subscribe time: replayed publications end here, live ones follow. */
  position: Position;
}

export interface UnsubscribedInfo {
  channel: string;
  /** An UnsubscribeCode. */
  code: number;
  reason: string;
  /** The SDK subscribes again by itself. */
  resubscribe: boolean;
}

export interface DisconnectInfo {
  /** WebSocket close code: the gateway's, or a ClientCloseCode when the SDK ended the connection. */
  code: number;
  reason: string;
  /** Delay before the reconnect (ms); undefined when the client closes for good. */
  reconnectInMs: number | undefined;
}

export function toPosition(p: WirePosition | null | undefined): Position {
  return { seq: p?.seq ?? 0, epoch: p?.epoch ?? '' };
}

export function toPublication(p: WirePublication): Publication {
  const pub: Publication = {
    channel: p.channel ?? '',
    seq: p.seq ?? 0,
    time: p.time ?? 0,
    type: p.type ?? '',
    subject: p.subject ?? '',
    headers: (p.headers as Record<string, string> | null | undefined) ?? {},
  };
  if (p.data) pub.data = p.data;
  if (p.json !== undefined) pub.json = p.json;
  return pub;
}

export function toClientInfo(c: WireClientInfo | null | undefined): ClientInfo {
  const info: ClientInfo = { user: c?.user ?? '', clientId: c?.clientId ?? '' };
  if (c?.info) info.info = c.info;
  return info;
}

type Body<K extends keyof ServerMessage> = NonNullable<ServerMessage[K]>;

export function toConnectInfo(r: Body<'connect'>): ConnectInfo {
  return { clientId: r.clientId ?? '', node: r.node ?? '', pingInterval: r.pingInterval ?? 0, expiresAt: r.expiresAt ?? 0 };
}

export function toPublishResult(r: Body<'publish'>): PublishResult {
  return { channel: r.channel ?? '', seq: r.seq ?? 0, duplicate: r.duplicate === true };
}

export function toRpcResult(r: Body<'rpc'>): RpcResult {
  const out: RpcResult = { type: r.type ?? '' };
  if (r.data) out.data = r.data;
  if (r.json !== undefined) out.json = r.json;
  return out;
}

export function toPresenceResult(r: Body<'presence'>): PresenceResult {
  return { channel: r.channel ?? '', clients: (r.clients ?? []).map(toClientInfo) };
}

export function toHistoryPage(r: Body<'history'>): HistoryPage {
  return {
    channel: r.channel ?? '',
    publications: (r.publications ?? []).map(toPublication),
    position: toPosition(r.position),
    nextSeq: r.nextSeq ?? 0,
  };
}
