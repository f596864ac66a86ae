/**
 * Frame codec of the jetgate protocol, shared by the gateway and the client SDK (no Node-only APIs).
 *
 * A WebSocket message holds one or more envelopes. Binary subprotocol: each envelope is a varint
 * length followed by the protobuf bytes. JSON subprotocol: each envelope is one line of protobuf
 * canonical JSON; lines are joined by "\n". Fields typed google.protobuf.Value (`json`) and
 * google.protobuf.Struct (`info`) are plain JSON values in memory, whatever the wire format.
 */
import $protobuf from 'protobufjs/minimal.js';
import { google, jetgate } from './gen/protocol.js';
import { checkKey, parseJson, UnsafeJsonError } from './safe-json.js';

// Sequences fit in a double (2^53); plain numbers keep every consumer free of Long objects.
$protobuf.util.Long = undefined as never;
$protobuf.configure();

const v1 = jetgate.v1;

export type Format = 'proto' | 'json';

/** WebSocket subprotocol names, as offered in Sec-WebSocket-Protocol. */
export const SUBPROTOCOL: Readonly<Record<Format, string>> = {
  proto: 'jetgate.v1.proto',
  json: 'jetgate.v1.json',
};

export function formatOfSubprotocol(name: string): Format | undefined {
  if (name === SUBPROTOCOL.proto) return 'proto';
  if (name === SUBPROTOCOL.json) return 'json';
  return undefined;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

type Fix<T> = {
  [K in keyof T]: K extends 'json' ? JsonValue | undefined
    : K extends 'info' ? Record<string, JsonValue> | undefined
    : T[K] extends Uint8Array | null | undefined ? T[K]
    : T[K] extends (infer U)[] | null | undefined ? Fix<U>[] | undefined
    : T[K] extends object | null | undefined ? Fix<NonNullable<T[K]>> | undefined
    : T[K];
};

export type Position = Fix<jetgate.v1.Position.$Properties>;
export type Publication = Fix<jetgate.v1.Publication.$Properties>;
export type ClientInfo = Fix<jetgate.v1.ClientInfo.$Properties>;
export type ClientMessage = Fix<jetgate.v1.ClientMessage.$Properties>;
export type ServerMessage = Fix<jetgate.v1.ServerMessage.$Properties>;
export type ClientBody = Exclude<keyof ClientMessage, 'id' | '$unknowns'>;
export type ServerBody = Exclude<keyof ServerMessage, 'id' | '$unknowns'>;

export const CLIENT_BODIES: readonly ClientBody[] = [
  'connect', 'subscribe', 'unsubscribe', 'publish', 'rpc', 'presence', 'history', 'refresh', 'ping', 'pong',
];
export const SERVER_BODIES: readonly ServerBody[] = [
  'connect', 'subscribe', 'unsubscribe', 'publish', 'rpc', 'presence', 'history', 'refresh', 'error',
  'pub', 'join', 'leave', 'unsubscribed', 'disconnect', 'ping', 'pong',
];

/** Thrown for input that is not a valid frame; `message` says what is wrong. */
export class FrameError extends Error {
  override name = 'FrameError';
}

export interface DecodeLimits {
  /** Most envelopes accepted in one WebSocket message. */
  maxEnvelopes: number;
  /** Deepest JSON nesting accepted (bounds the work of decoding hostile input). */
  maxDepth: number;
}

const DEFAULT_LIMITS: DecodeLimits = { maxEnvelopes: 100, maxDepth: 32 };

// ---------------------------------------------------------------------------------------------
// google.protobuf.Value / Struct <-> plain JSON

function toValue(x: JsonValue): google.protobuf.Value.$Properties {
  if (x === null) return { nullValue: google.protobuf.NullValue.NULL_VALUE };
  switch (typeof x) {
    case 'boolean': return { boolValue: x };
    case 'number': return { numberValue: x };
    case 'string': return { stringValue: x };
    default:
      if (Array.isArray(x)) return { listValue: { values: x.map(toValue) } };
      return { structValue: toStruct(x) };
  }
}

function toStruct(o: Record<string, JsonValue>): google.protobuf.Struct.$Properties {
  const fields: Record<string, google.protobuf.Value.$Properties> = {};
  for (const k of Object.keys(o)) fields[k] = toValue(o[k] as JsonValue);
  return { fields };
}

function fromValue(v: google.protobuf.Value.$Properties | null | undefined, depth = 0): JsonValue {
  if (depth > DEFAULT_LIMITS.maxDepth) throw new FrameError('value nested too deeply');
  if (!v) return null;
  if (v.structValue != null) return fromStruct(v.structValue, depth + 1);
  if (v.listValue != null) return (v.listValue.values ?? []).map((e) => fromValue(e, depth + 1));
  if (v.stringValue != null) return v.stringValue;
  if (v.numberValue != null) return v.numberValue;
  if (v.boolValue != null) return v.boolValue;
  return null;
}

function fromStruct(s: google.protobuf.Struct.$Properties | null | undefined, depth = 0): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  const fields = s?.fields ?? {};
  for (const k of Object.keys(fields)) {
    const v = fromValue(fields[k], depth + 1);
    // The JSON subprotocol's rule for binary Structs too: `out.__proto__ = v` would replace out's prototype.
    try {
      checkKey(k, v);
    } catch (e) {
      throw new FrameError((e as Error).message);
    }
    out[k] = v;
  }
  return out;
}

/** Rewrites the Value/Struct fields of a body between their wire and plain forms, in place. */
function mapJsonFields(body: Record<string, unknown>, toWire: boolean): void {
  if ('json' in body && body.json !== undefined) {
    body.json = toWire ? toValue(body.json as JsonValue) : fromValue(body.json as google.protobuf.Value.$Properties);
  }
  if ('info' in body && body.info !== undefined) {
    body.info = toWire ? toStruct(body.info as Record<string, JsonValue>) : fromStruct(body.info as google.protobuf.Struct.$Properties);
  }
  for (const key of ['client', 'publications', 'clients'] as const) {
    const inner = body[key];
    if (Array.isArray(inner)) for (const e of inner) mapJsonFields(e as Record<string, unknown>, toWire);
    else if (inner && typeof inner === 'object') mapJsonFields(inner as Record<string, unknown>, toWire);
  }
}

function hasJsonFields(body: Record<string, unknown>): boolean {
  return 'json' in body || 'info' in body || 'client' in body || 'publications' in body || 'clients' in body;
}

// ---------------------------------------------------------------------------------------------
// Binary framing

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Uint8Array.from(out);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Prefixes encoded envelope bytes with their length: one binary frame, ready to concatenate. */
function delimit(bytes: Uint8Array): Uint8Array {
  return concat([varint(bytes.length), bytes]);
}

function splitDelimited(buf: Uint8Array, limits: DecodeLimits): Uint8Array[] {
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < buf.length) {
    let len = 0;
    let shift = 0;
    for (;;) {
      if (off >= buf.length) throw new FrameError('truncated length prefix');
      const b = buf[off++] as number;
      len += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      shift += 7;
      if (shift > 28) throw new FrameError('length prefix too long');
    }
    if (len > buf.length - off) throw new FrameError('envelope longer than the frame');
    out.push(buf.subarray(off, off + len));
    off += len;
    if (out.length > limits.maxEnvelopes) throw new FrameError(`more than ${limits.maxEnvelopes} envelopes in one frame`);
  }
  if (out.length === 0) throw new FrameError('empty frame');
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON (canonical mapping: 64-bit integers as strings, bytes as base64, lowerCamelCase names)

/** Fields declared uint64/int64 in protocol.proto: canonical JSON writes them as strings. */
const LONG_FIELDS: ReadonlySet<string> = new Set(['seq', 'time', 'sinceTime', 'expiresAt', 'fromSeq', 'nextSeq']);
/** Fields holding plain JSON (Value/Struct): written as they are. */
const JSON_FIELDS: ReadonlySet<string> = new Set(['json', 'info']);

function base64(bytes: Uint8Array): string {
  return $protobuf.util.base64.encode(bytes, 0, bytes.length);
}

/** Plain message -> canonical JSON tree. Plain-JSON fields are passed through untouched. */
function toCanonical(v: unknown, key: string): unknown {
  if (v instanceof Uint8Array) return base64(v);
  if (typeof v === 'number' && LONG_FIELDS.has(key)) return String(v);
  if (Array.isArray(v)) return v.map((e) => toCanonical(e, key));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const e = (v as Record<string, unknown>)[k];
      if (JSON_FIELDS.has(k)) {
        if (e !== undefined) out[k] = e; // null is a JSON value like any other here
        continue;
      }
      if (e === undefined || e === null) continue;
      out[k] = toCanonical(e, k);
    }
    return out;
  }
  return v;
}

type PlainJsonSlot = { path: (string | number)[]; value: unknown };

/** Removes plain-JSON fields from a parsed tree (in place), recording where they were. */
function takeJsonFields(v: unknown, path: (string | number)[], slots: PlainJsonSlot[]): void {
  if (Array.isArray(v)) v.forEach((e, i) => takeJsonFields(e, [...path, i], slots));
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (JSON_FIELDS.has(k)) {
        slots.push({ path: [...path, k], value: o[k] });
        delete o[k];
      } else if (k !== 'headers') takeJsonFields(o[k], [...path, k], slots);
    }
  }
}

/**
 * Puts the plain-JSON fields back where they were, through own properties only: a path whose
 * container the message does not have (fromObject dropped an unknown field) is dropped too, never
 * followed into an inherited one (`constructor`, `toString`: the intrinsics).
 */
function putJsonFields(root: Record<string, unknown>, slots: PlainJsonSlot[]): void {
  for (const { path, value } of slots) {
    let o: unknown = root;
    for (const p of path.slice(0, -1)) {
      o = o !== null && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, p) ? (o as Record<string | number, unknown>)[p] : undefined;
    }
    if (o !== null && typeof o === 'object') (o as Record<string, unknown>)[path[path.length - 1] as string] = value;
  }
}

type Codec = typeof v1.ClientMessage | typeof v1.ServerMessage;

function plainOf(codec: Codec, instance: object): Record<string, unknown> {
  return codec.toObject(instance as never, { longs: Number, defaults: false }) as Record<string, unknown>;
}

function decodeJsonEnvelope(codec: Codec, line: string, limits: DecodeLimits): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = parseJson(line, limits.maxDepth);
  } catch (e) {
    throw new FrameError(e instanceof UnsafeJsonError ? e.message : 'invalid JSON');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new FrameError('envelope must be a JSON object');
  const slots: PlainJsonSlot[] = [];
  takeJsonFields(raw, [], slots);
  let plain: Record<string, unknown>;
  try {
    plain = plainOf(codec, codec.fromObject(raw as Record<string, unknown>));
  } catch (e) {
    throw new FrameError((e as Error).message);
  }
  putJsonFields(plain, slots);
  return plain;
}

function decodeBinaryEnvelope(codec: Codec, bytes: Uint8Array): Record<string, unknown> {
  let plain: Record<string, unknown>;
  try {
    plain = plainOf(codec, codec.decode(bytes));
  } catch (e) {
    throw new FrameError((e as Error).message);
  }
  for (const k of Object.keys(plain)) {
    const body = plain[k];
    if (body && typeof body === 'object' && hasJsonFields(body as Record<string, unknown>)) mapJsonFields(body as Record<string, unknown>, false);
  }
  return plain;
}

function encodeBinaryEnvelope(codec: Codec, msg: Record<string, unknown>): Uint8Array {
  let wire = msg;
  for (const k of Object.keys(msg)) {
    const body = msg[k];
    if (body && typeof body === 'object' && hasJsonFields(body as Record<string, unknown>)) {
      const copy = structuredCopy(body as Record<string, unknown>);
      mapJsonFields(copy, true);
      wire = { ...msg, [k]: copy };
    }
  }
  return delimit(codec.encode(wire as never).finish());
}

/** Copies the containers that mapJsonFields rewrites (bodies are small; payload bytes are shared). */
function structuredCopy(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...o };
  for (const key of ['client', 'publications', 'clients'] as const) {
    const inner = out[key];
    if (Array.isArray(inner)) out[key] = inner.map((e) => ({ ...(e as object) }));
    else if (inner && typeof inner === 'object') out[key] = { ...(inner as object) };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Publications: the one message sent per delivery, framed by hand (no protobufjs Writer, one
// allocation). Byte for byte what encodeBinaryEnvelope makes of `{ pub }` (test/unit/codec.test.ts).

const utf8Encoder = new TextEncoder();

/** protobufjs's own count, so the hand-framed bytes match its writer's. */
const utf8Length = $protobuf.util.utf8.length;

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    len++;
  }
  return len;
}

function putVarint(buf: Uint8Array, off: number, n: number): number {
  while (n >= 0x80) {
    buf[off++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[off++] = n;
  return off;
}

/** Writes a string field (tag, length, UTF-8) whose UTF-8 length is `len`. */
function putString(buf: Uint8Array, off: number, tag: number, s: string, len: number): number {
  buf[off++] = tag;
  off = putVarint(buf, off, len);
  if (len === s.length) for (let i = 0; i < len; i++) buf[off + i] = s.charCodeAt(i); // ASCII
  else utf8Encoder.encodeInto(s, buf.subarray(off, off + len));
  return off + len;
}

const stringFieldLength = (len: number) => 1 + varintLength(len) + len;

// Small frames are carved from shared slabs, as Node's Buffer pool does: a fresh ArrayBuffer costs
// more than encoding the frame (~0.5 µs against ~0.1). A slab lives while any of its frames is
// referenced (e.g. by a channel's recent window): 8 KiB at most per such frame.
const SLAB_BYTES = 8 * 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

function allocFrame(n: number): Uint8Array {
  if (n > SLAB_BYTES / 8) return new Uint8Array(n);
  if (slabUsed + n > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += n;
  return out;
}

/** The publication as one delimited ServerMessage envelope; undefined when it needs the generic encoder. */
function encodePubEnvelope(p: Publication): Uint8Array | undefined {
  const { channel, seq, data, type, time, headers, subject } = p;
  if (p.json != null || (seq != null && !(seq >= 0 && seq <= Number.MAX_SAFE_INTEGER)) || (time != null && !(time >= 0 && time <= Number.MAX_SAFE_INTEGER))) return undefined;
  const channelLen = channel ? utf8Length(channel) : 0;
  const typeLen = type ? utf8Length(type) : 0;
  const subjectLen = subject ? utf8Length(subject) : 0;
  let size = (channelLen ? stringFieldLength(channelLen) : 0) + (seq ? 1 + varintLength(seq) : 0) +
    (data?.length ? stringFieldLength(data.length) : 0) + (typeLen ? stringFieldLength(typeLen) : 0) +
    (time ? 1 + varintLength(time) : 0) + (subjectLen ? stringFieldLength(subjectLen) : 0);
  const entries: Array<[string, number, string, number, number]> = [];
  if (headers) {
    for (const k of Object.keys(headers)) {
      const v = headers[k] as string;
      const kl = utf8Length(k);
      const vl = utf8Length(v);
      const entry = stringFieldLength(kl) + stringFieldLength(vl); // map entries write empty strings too
      entries.push([k, kl, v, vl, entry]);
      size += 1 + varintLength(entry) + entry;
    }
  }
  const envelope = 1 + varintLength(size) + size; // field 11 (pub) of ServerMessage
  const out = allocFrame(varintLength(envelope) + envelope);
  let off = putVarint(out, 0, envelope);
  out[off++] = (11 << 3) | 2;
  off = putVarint(out, off, size);
  if (channelLen) off = putString(out, off, (1 << 3) | 2, channel as string, channelLen);
  if (seq) {
    out[off++] = 2 << 3;
    off = putVarint(out, off, seq);
  }
  if (data?.length) {
    out[off++] = (3 << 3) | 2;
    off = putVarint(out, off, data.length);
    out.set(data, off);
    off += data.length;
  }
  if (typeLen) off = putString(out, off, (4 << 3) | 2, type as string, typeLen);
  if (time) {
    out[off++] = 5 << 3;
    off = putVarint(out, off, time);
  }
  for (const [k, kl, v, vl, entry] of entries) {
    out[off++] = (6 << 3) | 2;
    off = putVarint(out, off, entry);
    off = putString(out, off, (1 << 3) | 2, k, kl);
    off = putString(out, off, (2 << 3) | 2, v, vl);
  }
  if (subjectLen) off = putString(out, off, (8 << 3) | 2, subject as string, subjectLen);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Public API

/** One encoded envelope of a format: a binary frame (Uint8Array) or a JSON line (string). */
export type Encoded<F extends Format = Format> = F extends 'proto' ? Uint8Array : string;

export function encodeServer(format: 'proto', msg: ServerMessage): Uint8Array;
export function encodeServer(format: 'json', msg: ServerMessage): string;
export function encodeServer(format: Format, msg: ServerMessage): Uint8Array | string;
export function encodeServer(format: Format, msg: ServerMessage): Uint8Array | string {
  if (format === 'json') return JSON.stringify(toCanonical(msg, ''));
  // Publications (one per delivery) skip protobufjs when they are the message's only field.
  if (msg.pub && !msg.id && Object.keys(msg).length === 1) {
    const fast = encodePubEnvelope(msg.pub);
    if (fast) return fast;
  }
  return encodeBinaryEnvelope(v1.ServerMessage, msg as Record<string, unknown>);
}

export function encodeClient(format: 'proto', msg: ClientMessage): Uint8Array;
export function encodeClient(format: 'json', msg: ClientMessage): string;
export function encodeClient(format: Format, msg: ClientMessage): Uint8Array | string;
export function encodeClient(format: Format, msg: ClientMessage): Uint8Array | string {
  return format === 'proto'
    ? encodeBinaryEnvelope(v1.ClientMessage, msg as Record<string, unknown>)
    : JSON.stringify(toCanonical(msg, ''));
}

/** Joins encoded envelopes of one format into one WebSocket message. */
export function joinFrames(format: 'proto', parts: readonly Uint8Array[]): Uint8Array;
export function joinFrames(format: 'json', parts: readonly string[]): string;
export function joinFrames(format: Format, parts: readonly (Uint8Array | string)[]): Uint8Array | string;
export function joinFrames(format: Format, parts: readonly (Uint8Array | string)[]): Uint8Array | string {
  if (parts.length === 1) return parts[0] as Uint8Array | string;
  return format === 'proto' ? concat(parts as Uint8Array[]) : (parts as string[]).join('\n');
}

function decodeAll(codec: Codec, format: Format, data: Uint8Array | string, limits: DecodeLimits): Record<string, unknown>[] {
  if (format === 'proto') {
    if (typeof data === 'string') throw new FrameError('text frame on the binary subprotocol');
    return splitDelimited(data, limits).map((b) => decodeBinaryEnvelope(codec, b));
  }
  const text = typeof data === 'string' ? data : utf8Decode(data);
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new FrameError('empty frame');
  if (lines.length > limits.maxEnvelopes) throw new FrameError(`more than ${limits.maxEnvelopes} envelopes in one frame`);
  return lines.map((l) => decodeJsonEnvelope(codec, l, limits));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function utf8Decode(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new FrameError('invalid UTF-8');
  }
}

/** Decodes one WebSocket message from a client. Throws FrameError on malformed input. */
export function decodeClient(format: Format, data: Uint8Array | string, limits: DecodeLimits = DEFAULT_LIMITS): ClientMessage[] {
  return decodeAll(v1.ClientMessage, format, data, limits) as ClientMessage[];
}

/** Decodes one WebSocket message from the gateway. Throws FrameError on malformed input. */
export function decodeServer(format: Format, data: Uint8Array | string, limits: DecodeLimits = DEFAULT_LIMITS): ServerMessage[] {
  return decodeAll(v1.ServerMessage, format, data, { ...limits, maxEnvelopes: Number.MAX_SAFE_INTEGER }) as ServerMessage[];
}

/** The body a message carries (its oneof case), or undefined when it carries none we know. */
export function bodyOf<M extends ClientMessage | ServerMessage>(msg: M, bodies: readonly string[]): string | undefined {
  const m = msg as Record<string, unknown>;
  for (const b of bodies) if (m[b] !== undefined && m[b] !== null) return b;
  return undefined;
}

export { base64 };
