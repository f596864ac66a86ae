/** Which connection ends call for a reconnect, and how soon. */
import { CloseCode, RECONNECT_CODES } from '../proto/codes.js';

/** The gateway's Disconnect push, when one came before the close. */
export interface DisconnectAdvice {
  reconnect?: boolean | null;
  reconnectAfterMs?: number | null;
}

/**
 * The least delay (ms) before reopening a connection the gateway or the network closed with
 * `code`, or undefined when the client should close for good. The caller adds backoff on top.
 */
export function reconnectAfter(code: number, advice: DisconnectAdvice | undefined, canRenewToken: boolean): number | undefined {
  const least = advice?.reconnectAfterMs ?? 0;
  if (advice?.reconnect || RECONNECT_CODES.has(code)) return least;
  // An expired token is worth a reconnect only when the app can hand over a fresh one.
  if (code === CloseCode.TokenExpired && canRenewToken) return least;
  return undefined;
}
