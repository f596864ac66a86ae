/**
 * Loads the configuration: defaults <- file (JSON) <- environment, then validates the whole.
 * Environment keys are JETGATE_ followed by the key path in upper snake case
 * (JETGATE_WEBSOCKET_PORT, JETGATE_NATS_SERVERS=a,b); NATS_URL is a shorthand for nats.servers.
 * JSON (the file, list values in the environment) is parsed with the safe parser: a `__proto__` or
 * `constructor.prototype` key is a configuration error, never a write into a prototype.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Ajv, type ErrorObject } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { parseJson } from '../../proto/safe-json.js';
import { ConfigSchema, type Config, type NamespaceConfig } from './schema.js';
import { compileGrants } from '../auth/grants.js';
import { PatternError } from '../auth/patterns.js';
import { JetgateError } from '../errors.js';

export class ConfigError extends JetgateError {
  override name = 'ConfigError';
  constructor(message: string) {
    super('CONFIG_INVALID', message);
  }
}

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });
const validate = ajv.compile<Config>(ConfigSchema);

function envName(path: readonly string[]): string {
  return 'JETGATE_' + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

/** Every key the environment can set, with its variable name: derived from the schema. */
export function environmentKeys(schema: TSchema = ConfigSchema, path: string[] = []): Array<{ path: string[]; env: string; schema: TSchema }> {
  const props = (schema as { properties?: Record<string, TSchema> }).properties;
  if (schema.type === 'object' && props) {
    return Object.entries(props).flatMap(([k, s]) => environmentKeys(s, [...path, k]));
  }
  return [{ path, env: envName(path), schema }];
}

function parseEnvValue(raw: string, schema: TSchema, env: string): unknown {
  const type = schema.type ?? (schema.anyOf ? 'string' : undefined);
  if (type === 'integer' || type === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${env}: "${raw}" is not a number`);
    return n;
  }
  if (type === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new ConfigError(`${env}: "${raw}" is not a boolean (true/false)`);
  }
  if (type === 'array') {
    const items = (schema as { items?: TSchema }).items;
    const literals = (items?.anyOf as TSchema[] | undefined)?.every((s) => typeof s.const === 'string');
    if (items?.type === 'string' || literals) return raw.split(',').map((s) => s.trim()).filter(Boolean);
    try {
      return parseJson(raw);
    } catch (e) {
      throw new ConfigError(`${env}: expected a JSON array (${(e as Error).message})`);
    }
  }
  return raw;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let o = target;
  for (const p of path.slice(0, -1)) {
    if (!o[p] || typeof o[p] !== 'object') o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  o[path[path.length - 1] as string] = value;
}

function describe(e: ErrorObject): string {
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(root)';
  if (e.keyword === 'additionalProperties') return `${where === '(root)' ? '' : where + '.'}${String(e.params.additionalProperty)}: unknown key`;
  return `${where}: ${e.message ?? 'invalid'}`;
}

export interface LoadOptions {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Applied after file and environment (command-line flags). */
  overrides?: Record<string, unknown>;
}

/** Validates a configuration object (filling defaults in place) and checks cross-references. */
export function validateConfig(input: unknown): Config {
  const candidate = structuredClone(input ?? {});
  if (!validate(candidate)) {
    throw new ConfigError('invalid configuration: ' + (validate.errors ?? []).map(describe).join('; '));
  }
  const cfg = candidate as Config;
  const names = new Set<string>();
  for (const ns of cfg.namespaces) {
    if (names.has(ns.name)) throw new ConfigError(`namespaces: "${ns.name}" is defined twice`);
    names.add(ns.name);
    if (!/\{name\}/.test(ns.subject)) throw new ConfigError(`namespaces.${ns.name}.subject: template must contain {name}`);
    if (/[*>\s]/.test(ns.subject.replace(/\{(ns|name)\}/g, 'x'))) {
      throw new ConfigError(`namespaces.${ns.name}.subject: template may not contain wildcards or spaces`);
    }
    checkNamespaceGrants(ns);
  }
  checkLimits(cfg);
  const streams = new Set<string>();
  for (const s of cfg.streams) {
    if (streams.has(s.name)) throw new ConfigError(`streams: "${s.name}" is defined twice`);
    streams.add(s.name);
  }
  if (cfg.presence.heartbeatSec * 2 > cfg.presence.ttlSec) {
    throw new ConfigError('presence.heartbeatSec: at most half of presence.ttlSec, so one lost heartbeat does not expire live clients');
  }
  if (cfg.telemetry.traces && !cfg.telemetry.otlpEndpoint) throw new ConfigError('telemetry.traces: needs telemetry.otlpEndpoint');
  cfg.nodeId ??= `${hostname()}-${process.pid}`;
  return cfg;
}

/** Namespace grants must parse and stay inside their namespace. */
function checkNamespaceGrants(ns: NamespaceConfig): void {
  const what = `namespaces.${ns.name}.grants`;
  let grants;
  try {
    grants = compileGrants(what, ns.grants);
  } catch (e) {
    throw new ConfigError(e instanceof PatternError ? e.message : String(e));
  }
  for (const p of [...grants.subscribe, ...grants.publish, ...grants.rpc]) {
    if (p.namespace !== ns.name) throw new ConfigError(`${what}: "${p.source}" must start with "${ns.name}:"`);
  }
}

function checkLimits(cfg: Config): void {
  const ws = cfg.websocket;
  // A client that reconnects resubscribes all its channels at once: the burst must let it.
  if (ws.messageBurst <= ws.maxSubscriptions) {
    throw new ConfigError(`websocket.messageBurst (${ws.messageBurst}) must be above websocket.maxSubscriptions (${ws.maxSubscriptions}): a reconnecting client resubscribes everything at once`);
  }
  if (!ws.tls.certFile !== !ws.tls.keyFile) throw new ConfigError('websocket.tls: set both certFile and keyFile, or neither');
  if (cfg.auth.publicKey && cfg.auth.publicKeyFile) throw new ConfigError('auth: set publicKey or publicKeyFile, not both');
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  let raw: Record<string, unknown> = {};
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read config file ${opts.file}: ${(e as Error).message}`);
    }
    try {
      raw = parseJson(text) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`config file ${opts.file} is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (env.NATS_URL) setPath(raw, ['nats', 'servers'], env.NATS_URL.split(',').map((s) => s.trim()));
  for (const key of environmentKeys()) {
    const value = env[key.env];
    if (value !== undefined) setPath(raw, key.path, parseEnvValue(value, key.schema, key.env));
  }
  for (const [k, v] of Object.entries(opts.overrides ?? {})) setPath(raw, k.split('.'), v);
  return validateConfig(raw);
}
