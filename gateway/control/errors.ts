/**
 * The control plane's one error shape, `{"error": {"code", "message", "requestId"}}`, and how
 * every failure maps onto it. `code` is stable: the protocol's error names (docs/protocol.md) for
 * what the data plane would refuse the same way, plus the HTTP-only ones below. Pure.
 */
import { ErrorCode } from '../../proto/codes.js';
import { ClientError } from '../errors.js';

export type ApiErrorCode =
  | 'Unauthorized'
  | 'ValidationFailed'
  | 'BadRequest'
  | 'NotFound'
  | 'PayloadTooLarge'
  | 'UnsupportedMediaType'
  | 'BadChannel'
  | 'UnknownNamespace'
  | 'BadPayload'
  | 'PresenceNotEnabled'
  | 'PublishFailed'
  | 'HistoryUnavailable'
  | 'Unavailable'
  | 'Overloaded'
  | 'Internal';

/** Every code with its HTTP status (docs/operations.md lists the same table). */
export const API_ERRORS: Readonly<Record<ApiErrorCode, number>> = {
  Unauthorized: 401,
  ValidationFailed: 400,
  BadRequest: 400,
  NotFound: 404,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  BadChannel: 400,
  UnknownNamespace: 404,
  BadPayload: 400,
  PresenceNotEnabled: 409,
  PublishFailed: 502,
  HistoryUnavailable: 503,
  Unavailable: 503,
  Overloaded: 503,
  Internal: 500,
};

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly code: ApiErrorCode, message: string) {
    super(message);
  }

  get status(): number {
    return API_ERRORS[this.code];
  }
}

export interface ErrorBody {
  error: { code: ApiErrorCode; message: string; requestId: string };
}

const PROTOCOL_NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

/** Fastify's own errors that are the caller's fault, by their code. */
const FASTIFY: Readonly<Record<string, ApiErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PayloadTooLarge',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UnsupportedMediaType',
};

/** Maps anything a route threw to the API error it stands for. */
export function apiErrorOf(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof ClientError) {
    const name = PROTOCOL_NAMES.get(e.code) ?? '';
    return new ApiError(name in API_ERRORS ? (name as ApiErrorCode) : 'Internal', e.message);
  }
  const err = e as { validation?: unknown; code?: string; statusCode?: number; message?: string };
  if (err.validation) return new ApiError('ValidationFailed', err.message ?? 'invalid request');
  const mapped = err.code ? FASTIFY[err.code] : undefined;
  if (mapped) return new ApiError(mapped, err.message ?? mapped);
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new ApiError('BadRequest', err.message ?? 'bad request');
  return new ApiError('Internal', 'internal error');
}
