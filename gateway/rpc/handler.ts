/**
 * The `rpc` request: a NATS request to the method's service subject, with the caller's identity in
 * headers the service can trust, answered by the service's reply or a coded error (timeout, no
 * responders, the service's own error).
 */
import type { ClientMessage, ServerMessage } from '../../proto/codec.js';
import { ErrorCode } from '../../proto/codes.js';
import { Header } from '../../proto/headers.js';
import { authorize } from '../auth/identity.js';
import type { Config, NamespaceConfig } from '../config/schema.js';
import { ClientError } from '../errors.js';
import { outgoingHeaders } from '../headers/outgoing.js';
import { headerValue, natsHeaders, type Msg, type Nats } from '../nats/connection.js';
import { classify } from '../nats/failure.js';
import { resolvePayload } from '../schemas/payload.js';
import type { Transcoder } from '../schemas/transcoder.js';
import type { Requester } from '../session/request.js';
import { checkRpcConfig, resolveMethod, rpcTimeout } from './method.js';

export interface RpcDeps {
  config: Config;
  transcoder: Transcoder;
  nats: Nats;
}

export function rpcHandler(deps: RpcDeps) {
  checkRpcConfig(deps.config);
  const namespaces = new Map<string, NamespaceConfig>(deps.config.namespaces.map((ns) => [ns.name, ns]));
  return async (from: Requester, req: NonNullable<ClientMessage['rpc']>): Promise<ServerMessage> => {
    const ref = resolveMethod(namespaces, req.method);
    authorize(from.identity, ref.namespace, 'rpc', ref.method);
    const payload = resolvePayload(req, { maxBytes: ref.namespace.maxPayloadBytes }, deps.transcoder);
    const headers = natsHeaders();
    for (const [k, v] of outgoingHeaders(from.identity, from.id, req.headers, payload.type)) headers.set(k, v);
    const timeout = rpcTimeout(req.timeoutMs, ref.namespace);
    let reply: Msg;
    try {
      reply = await deps.nats.nc.request(ref.subject, payload.data, { timeout, headers });
    } catch (e) {
      throw requestError(e, ref.method, timeout);
    }
    // The NATS service framework's error convention (msg.respondError(code, description)).
    if (reply.headers?.has(Header.ServiceError)) {
      const text = headerValue(reply.headers, Header.ServiceError) ?? 'service error';
      const code = headerValue(reply.headers, Header.ServiceErrorCode);
      throw new ClientError(ErrorCode.RpcFailed, code ? `${text} (${code})` : text);
    }
    const type = headerValue(reply.headers, Header.Type);
    const json = from.format === 'json' ? deps.transcoder.toJson(type, reply.data) : undefined;
    return { rpc: { ...(type ? { type } : {}), ...(json !== undefined ? { json } : { data: reply.data }) } };
  };
}

function requestError(e: unknown, method: string, timeout: number): ClientError {
  const f = classify(e);
  if (f.kind === 'no-responders') return new ClientError(ErrorCode.RpcNoResponders, `no service answers ${method}`, true);
  if (f.kind === 'timeout') return new ClientError(ErrorCode.RpcTimeout, `${method} did not answer within ${timeout} ms`, true);
  return new ClientError(ErrorCode.Unavailable, `${method}: ${f.message}`, true);
}
