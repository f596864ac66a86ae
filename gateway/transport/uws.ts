/**
 * The one place that loads uWebSockets.js: the native build that fits the running Node ABI and glibc
 * (uws-builds.ts chooses), and a refusal of the JavaScript fallback, which the 20.30 redistribution
 * slips in silently when its binary does not load. When no build fits (or UWS_USE_FALLBACK is set),
 * the fallback is loaded so that checkNative can say why at start-up, naming what was found and
 * what is needed.
 */
import { createRequire } from 'node:module';
import { JetgateError } from '../errors.js';
import type { Logger } from '../log.js';
import { chooseUwsBuild, describeRuntime, type Runtime, type UwsBuild } from './uws-builds.js';

type Uws = typeof import('uWebSockets.js');
export type { WebSocket as UwsSocket, TemplatedApp, us_listen_socket as ListenSocket } from 'uWebSockets.js';

const require = createRequire(import.meta.url);

function runtime(): Runtime {
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  return { abi: Number(process.versions.modules), platform: process.platform, arch: process.arch, glibc: header?.glibcVersionRuntime, node: process.version };
}

const rt = runtime();
const choice = chooseUwsBuild(rt);
const forced = /^(1|true)$/i.test(process.env['UWS_USE_FALLBACK'] ?? '');
/** The build loaded, or undefined for the JavaScript fallback. */
const uwsBuild: UwsBuild | undefined = 'build' in choice && !forced ? choice.build : undefined;
const fallbackWhy = forced ? 'UWS_USE_FALLBACK is set' : 'none' in choice ? choice.none : '';

export const uWS: Uws = uwsBuild ? require(uwsBuild.pkg) : require('uWebSockets.js/dist/index');

function isNative(): boolean {
  return /\[native code\]/.test(String(uWS.App));
}

/** What runs, for start-up logs and test summaries. */
export function uwsDescription(): string {
  const what = uwsBuild && isNative() ? `uWebSockets.js ${uwsBuild.version} native (${uwsBuild.pkg})` : 'uWebSockets.js JavaScript fallback';
  return `${what} on ${describeRuntime(rt)}`;
}

export function checkNative(allowFallback: boolean, log: Logger): void {
  if (isNative()) return;
  const why = `uWebSockets.js is running its JavaScript fallback, not a native binary (${fallbackWhy || describeRuntime(rt)})`;
  if (!allowFallback) {
    throw new JetgateError('UWS_FALLBACK', `${why}. Refusing to start: set websocket.allowJsFallback (JETGATE_WEBSOCKET_ALLOW_JS_FALLBACK=true) to run anyway.`);
  }
  for (let i = 0; i < 3; i++) log.warn(`WARNING: ${why}. Throughput will be a fraction of normal.`);
}
