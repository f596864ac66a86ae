/**
 * Where presence lives in NATS, and what an entry holds. Pure.
 *
 *   KV key        <namespace>.<name>.<clientId>   e.g. lobby.42.3f2c…  (KV keys allow no ":";
 *                 namespaces and names hold no ".", so the mapping is one-to-one)
 *   event subject <prefix>.<channel>               e.g. _jg.presence.lobby:42 (one token: ":"
 *                 and "/" are plain subject characters; the grammar keeps out ".", "*", ">")
 */
import type { JsonValue } from '../../proto/codec.js';
import { parseJson } from '../../proto/safe-json.js';

/** One connection subscribed to a channel, as presence reports it. */
export interface PresenceEntry {
  user: string;
  clientId: string;
  info?: Record<string, JsonValue>;
  /** Gateway node holding the connection. */
  node: string;
}

function channelKey(channel: string): string {
  return channel.replace(':', '.');
}

export function memberKey(channel: string, clientId: string): string {
  return `${channelKey(channel)}.${clientId}`;
}

/** KV key pattern of every entry of a channel. */
export function channelPattern(channel: string): string {
  return `${channelKey(channel)}.*`;
}

export function eventSubject(prefix: string, channel: string): string {
  return `${prefix}.${channel}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeEntry(e: PresenceEntry): Uint8Array {
  return encoder.encode(JSON.stringify(e));
}

/**
 * An entry read back from KV; null for anything that is not one (written by someone else, or
 * holding a key that would reach a prototype: entries go out to every presence reader).
 */
export function decodeEntry(data: Uint8Array): PresenceEntry | null {
  try {
    const v = parseJson(decoder.decode(data)) as Partial<PresenceEntry> | null;
    if (!v || typeof v.user !== 'string' || typeof v.clientId !== 'string' || typeof v.node !== 'string') return null;
    const e: PresenceEntry = { user: v.user, clientId: v.clientId, node: v.node };
    if (v.info && typeof v.info === 'object' && !Array.isArray(v.info)) e.info = v.info;
    return e;
  } catch {
    return null;
  }
}
