/**
 * RPC method names ("<namespace>:<method>") and the NATS subject each maps to through its
 * namespace's `rpcSubject` template. Pure: no I/O.
 */
import { ErrorCode } from '../../proto/codes.js';
import type { Config, NamespaceConfig } from '../config/schema.js';
import { ClientError, JetgateError } from '../errors.js';
import { subjectCovered } from '../nats/subjects.js';

const METHOD = /^([a-z][a-z0-9_-]{0,31}):([A-Za-z0-9_-]{1,64})$/;

export interface MethodRef {
  method: string;
  namespace: NamespaceConfig;
  subject: string;
}

export function rpcSubjectOf(ns: NamespaceConfig, method: string): string {
  return ns.rpcSubject.replace(/\{ns\}/g, ns.name).replace(/\{method\}/g, method);
}

/** Throws BadRequest (malformed), UnknownNamespace, or RpcNotAllowed (no RPC there). */
export function resolveMethod(namespaces: ReadonlyMap<string, NamespaceConfig>, method: string | null | undefined): MethodRef {
  const m = METHOD.exec(method ?? '');
  if (!m) throw new ClientError(ErrorCode.BadRequest, 'method must look like "namespace:method" (letters, digits, "_", "-")');
  const ns = namespaces.get(m[1] as string);
  if (!ns) throw new ClientError(ErrorCode.UnknownNamespace, `unknown namespace "${m[1]}"`);
  const name = m[2] as string;
  if (!ns.rpcSubject) throw new ClientError(ErrorCode.RpcNotAllowed, `namespace "${ns.name}" has no RPC`);
  if (ns.rpcMethods.length && !ns.rpcMethods.includes(name)) throw new ClientError(ErrorCode.RpcNotAllowed, `no method "${name}" on namespace "${ns.name}"`);
  return { method: method as string, namespace: ns, subject: rpcSubjectOf(ns, name) };
}

/** The timeout of one call: what the client asked for, capped by the namespace (0: its default). */
export function rpcTimeout(requestedMs: number | null | undefined, ns: NamespaceConfig): number {
  return requestedMs ? Math.min(requestedMs, ns.rpcTimeoutMs) : ns.rpcTimeoutMs;
}

/**
 * Start-up check of every rpcSubject: a template with {method} and no wildcards, not stored by a
 * configured stream (JetStream would answer the request with a publish ack).
 */
export function checkRpcConfig(config: Pick<Config, 'namespaces' | 'streams'>): void {
  for (const ns of config.namespaces) {
    if (!ns.rpcSubject) continue;
    const key = `namespaces.${ns.name}.rpcSubject`;
    if (!ns.rpcSubject.includes('{method}')) throw new JetgateError('CONFIG_INVALID', `${key}: template must contain {method}`);
    const sample = rpcSubjectOf(ns, 'x');
    if (/[*>\s{}]/.test(sample) || sample.split('.').some((t) => t === '')) {
      throw new JetgateError('CONFIG_INVALID', `${key}: "${ns.rpcSubject}" is not a valid subject template`);
    }
    const stream = config.streams.find((s) => s.subjects.some((p) => subjectCovered(p, sample)));
    if (stream) throw new JetgateError('CONFIG_INVALID', `${key}: subjects "${sample}" are stored by stream ${stream.name}; RPC subjects must not be`);
  }
}
