/** The one error type the SDK produces: `kind` says where it came from, `code` what it means there. */
import { CloseCode } from '../proto/codes.js';

/**
 * - `server`: the gateway answered a request with an Error; `code` is an ErrorCode.
 * - `timeout`: no reply within the request timeout; `code` is 0.
 * - `disconnected`: the connection dropped while the request was in flight; `code` is the close code.
 * - `closed`: the client is closed (by `close()`, or for good by the gateway); `code` is the close code.
 * - `unsubscribed`: the gateway ended a subscription; `code` is an UnsubscribeCode.
 * - `protocol`: the gateway sent something this SDK cannot read; `code` is 0.
 * - `token`: the app's `getToken` callback failed; `code` is 0 and the cause is attached.
 */
export type ErrorKind = 'server' | 'timeout' | 'disconnected' | 'closed' | 'unsubscribed' | 'protocol' | 'token';

export class JetgateError extends Error {
  override name = 'JetgateError';

  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly code = 0,
    /** Retrying the same operation later may succeed. */
    readonly temporary = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Close codes the SDK uses when it ends a connection itself. They are sent in the close frame (for
 * the gateway's logs) and reported in the 'disconnected' event; every one of them is followed by a
 * reconnect. 4900-4999 stays clear of the gateway's own codes.
 */
export const ClientCloseCode = {
  /** `close()` was called. */
  Normal: CloseCode.Normal,
  /** The gateway sent a frame that could not be decoded. */
  ProtocolError: CloseCode.ProtocolError,
  /** Nothing arrived from the gateway for the ping interval plus a grace (or while connecting). */
  NoActivity: 4900,
  /** The gateway did not answer a Subscribe in time. */
  SubscribeTimeout: 4901,
  /** The gateway refused Connect with a temporary error. */
  ConnectRefused: 4902,
} as const;
