/**
 * Protobuf <-> JSON for payloads, with the message types of the .proto files in `schemas`.
 * JSON clients get a payload decoded once per message; unknown types are not an error.
 */
import protobuf from 'protobufjs';
import type { JsonValue } from '../../proto/codec.js';
import { ownField } from '../../proto/safe-json.js';

const TO_JSON: protobuf.IConversionOptions = { longs: String, enums: String, bytes: String, defaults: true, json: true };

export class Transcoder {
  private readonly root: protobuf.Root;
  private readonly types = new Map<string, protobuf.Type | null>();

  constructor(files: readonly string[]) {
    this.root = files.length ? new protobuf.Root().loadSync([...files], { keepCase: false }) : new protobuf.Root();
  }

  /** The message type of that full name, or null when no schema defines it. */
  type(name: string): protobuf.Type | null {
    let t = this.types.get(name);
    if (t === undefined) {
      try {
        t = this.root.lookupType(name.startsWith('.') ? name : '.' + name);
      } catch {
        t = null;
      }
      this.types.set(name, t);
    }
    return t;
  }

  /** Payload as JSON, or undefined when the type is unknown or the bytes do not decode. */
  toJson(typeName: string | undefined, data: Uint8Array): JsonValue | undefined {
    if (!typeName) return undefined;
    const t = this.type(typeName);
    if (!t) return undefined;
    try {
      return t.toObject(t.decode(data), TO_JSON) as JsonValue;
    } catch {
      return undefined;
    }
  }

  /** JSON payload as protobuf bytes; throws with a message when it does not fit the type. */
  fromJson(typeName: string, json: JsonValue): Uint8Array {
    const t = this.type(typeName);
    if (!t) throw new Error(`unknown message type "${typeName}"`);
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('payload must be a JSON object');
    // Not t.verify(): it wants the runtime form and refuses canonical JSON (64-bit integers as
    // strings, enums by name), which fromObject reads. fromObject ignores unknown fields, though.
    checkFields(t, json, '');
    return t.encode(t.fromObject(json as Record<string, unknown>)).finish();
  }

  /** True when data decodes as that type (used to validate client publishes). */
  decodes(typeName: string, data: Uint8Array): boolean {
    const t = this.type(typeName);
    if (!t) return false;
    try {
      t.decode(data);
      return true;
    } catch {
      return false;
    }
  }
}

/** Throws for a field the type does not declare (a typo would otherwise be dropped silently). */
function checkFields(t: protobuf.Type, json: JsonValue, path: string): void {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${path || 'payload'}: object expected`);
  for (const [key, value] of Object.entries(json)) {
    // Own fields only: a client's key "constructor" or "toString" names no field.
    const field = ownField(t.fields, key) as protobuf.Field | undefined;
    if (!field) throw new Error(`${path}${key}: no such field in ${t.fullName.slice(1)}`);
    field.resolve();
    if (value === null || field.map) continue;
    if (field.repeated && !Array.isArray(value)) throw new Error(`${path}${key}: array expected`);
    for (const item of field.repeated ? (value as JsonValue[]) : [value]) {
      if (field.resolvedType instanceof protobuf.Type) checkFields(field.resolvedType, item, `${path}${key}.`);
      else if (!scalarFits(field, item)) throw new Error(`${path}${key}: not a valid ${field.resolvedType ? 'enum value' : field.type}`);
    }
  }
}

const INTEGER = /^-?\d+$/;

/** Canonical JSON forms: 64-bit integers also as strings, enums by name or number, bytes as base64. */
function scalarFits(field: protobuf.Field, v: JsonValue): boolean {
  if (field.resolvedType instanceof protobuf.Enum) return (typeof v === 'string' && ownField(field.resolvedType.values, v) !== undefined) || Number.isInteger(v);
  switch (field.type) {
    case 'string': return typeof v === 'string';
    case 'bytes': return typeof v === 'string';
    case 'bool': return typeof v === 'boolean';
    case 'double': case 'float': return typeof v === 'number' || v === 'NaN' || v === 'Infinity' || v === '-Infinity';
    default: return Number.isInteger(v) || (typeof v === 'string' && INTEGER.test(v));
  }
}
