/**
 * Loads uWebSockets.js and refuses its JavaScript fallback: the package silently falls back to a
 * slow implementation when its native binary does not load (other Node versions, other platforms).
 */
import uWS from 'uWebSockets.js';
import { JetgateError } from '../errors.js';
import type { Logger } from '../log.js';

export { uWS };
export type { WebSocket as UwsSocket, TemplatedApp, us_listen_socket as ListenSocket } from 'uWebSockets.js';

export function isNative(): boolean {
  return /\[native code\]/.test(String(uWS.App));
}

export function checkNative(allowFallback: boolean, log: Logger): void {
  if (isNative()) return;
  const why = `uWebSockets.js is running its JavaScript fallback, not the native binary (Node ${process.version} on ${process.platform}-${process.arch}); ` +
    'the native binaries cover Node 16/18/20 on Linux, macOS and Windows';
  if (!allowFallback) {
    throw new JetgateError('UWS_FALLBACK', `${why}. Refusing to start: set websocket.allowJsFallback (JETGATE_WEBSOCKET_ALLOW_JS_FALLBACK=true) to run anyway.`);
  }
  for (let i = 0; i < 3; i++) log.warn(`WARNING: ${why}. Throughput will be a fraction of normal.`);
}
