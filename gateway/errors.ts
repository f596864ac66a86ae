/**
 * Typed errors. JetgateError carries a stable string code for operators (startup, config, NATS);
 * ClientError carries a protocol code (proto/codes.ts) and becomes an Error reply to the client.
 */
import type { ErrorCode } from '../proto/codes.js';

export type GatewayErrorCode =
  | 'CONFIG_INVALID'
  | 'UWS_FALLBACK'
  | 'STREAM_MISSING'
  | 'STREAM_MISMATCH'
  | 'NATS_UNAVAILABLE'
  | 'LISTEN_FAILED'
  | 'PORT_IN_USE'
  | 'READ_INTERRUPTED'
  | 'WORKER_FAILED'
  | 'AUTH_INVALID'
  | 'TLS_INVALID';

export class JetgateError extends Error {
  override name = 'JetgateError';
  constructor(readonly code: GatewayErrorCode, message: string) {
    super(message);
  }
}

export class ClientError extends Error {
  override name = 'ClientError';
  constructor(readonly code: ErrorCode, message: string, readonly temporary = false) {
    super(message);
  }
}
