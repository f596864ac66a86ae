/**
 * Safe decoding of untrusted JSON, shared by every place where outside input becomes objects:
 * frames of both subprotocols (proto/codec.ts, also in the client SDK: no Node-only APIs), token
 * claims, presence entries, cluster commands, the server API's bodies, the producer helper's caller
 * info and configuration files.
 *
 * One rule everywhere, the one fastify's secure-json-parse applies: a key `__proto__`, or a key
 * `constructor` whose value is an object with a `prototype` key, is refused. Such keys are harmless
 * while they stay own properties of a parsed tree, but any code that walks, merges or assigns them
 * (`o[k] = v`, `o[a][b] = v`) writes into a prototype: `Object.prototype` of the whole process.
 * Refusing them at the border keeps every later walk safe. Nesting is bounded too (before any
 * recursive walk can overflow the stack), and counted without recursion.
 */

/** Deepest nesting accepted by default: the protocol's frame rule (docs/security.md). */
export const MAX_JSON_DEPTH = 32;

/** Refused JSON: not JSON, nested too deeply, or holding a key that reaches a prototype. */
export class UnsafeJsonError extends Error {
  override name = 'UnsafeJsonError';
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Throws UnsafeJsonError when `key` holding `value` could reach a prototype if walked or assigned. */
export function checkKey(key: string, value: unknown): void {
  if (key === '__proto__') throw new UnsafeJsonError('key "__proto__" refused (it would reach a prototype)');
  if (key === 'constructor' && value !== null && typeof value === 'object' && hasOwn(value, 'prototype')) {
    throw new UnsafeJsonError('key "constructor.prototype" refused (it would reach a prototype)');
  }
}

/**
 * Throws UnsafeJsonError for a decoded value nested deeper than `maxDepth` (objects and arrays
 * count one level each) or holding a refused key anywhere. Own keys only; no recursion.
 */
export function checkJsonValue(value: unknown, maxDepth = MAX_JSON_DEPTH): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [v, depth] = top;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > maxDepth) throw new UnsafeJsonError(`JSON nested deeper than ${maxDepth}`);
    if (Array.isArray(v)) {
      for (const e of v) stack.push([e, depth + 1]);
      continue;
    }
    for (const k of Object.keys(v)) {
      const e = (v as Record<string, unknown>)[k];
      checkKey(k, e);
      stack.push([e, depth + 1]);
    }
  }
}

/** Throws UnsafeJsonError when JSON text nests deeper than `maxDepth` (a scan: nothing is parsed). */
export function checkJsonDepth(text: string, maxDepth = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) throw new UnsafeJsonError(`JSON nested deeper than ${maxDepth}`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

// Text that cannot spell a refused key needs no walk after parsing (the hot path: every JSON
// frame). A refused key needs "__proto__" or "constructor" literally, or a \u escape to hide it.
const MAY_HOLD_REFUSED_KEY = /__proto__|constructor|\\u/;

/**
 * JSON.parse for untrusted text: nesting bounded (checked before parsing) and refused keys
 * refused. Throws UnsafeJsonError, whose message says what is wrong.
 */
export function parseJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  checkJsonDepth(text, maxDepth);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new UnsafeJsonError('invalid JSON');
  }
  if (v !== null && typeof v === 'object' && MAY_HOLD_REFUSED_KEY.test(text)) checkJsonValue(v, maxDepth);
  return v;
}

/** A field of a decoded object, own properties only (never one inherited from a prototype). */
export function ownField(o: object | null | undefined, key: string): unknown {
  return o != null && hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}
