/**
 * Defence in depth against prototype pollution: freezes the prototypes every object of the process
 * inherits from, so that even a decoding hole nobody has found yet cannot add a property to all of
 * them (the root defence is proto/safe-json.ts, at every border). Called only by the process entry
 * points (`jetgate serve`, the worker entry) once everything is loaded and started — never by
 * library code, which tests import into their own process. `freezeIntrinsics: false` turns it off.
 *
 * Error.prototype stays writable: nats.js (`NatsError`) and @fastify/error set `this.name` in their
 * constructors, which throws once the inherited `name` is frozen. Constructors stay writable too
 * (libraries set `Error.stackTraceLimit`).
 */
import type { Logger } from './log.js';

// %TypedArray%.prototype, the iterator prototypes and the async ones have no global name.
const hidden = (f: () => unknown): object => Object.getPrototypeOf(f()) as object;

function intrinsicPrototypes(): object[] {
  return [
    Object.prototype, Function.prototype, Array.prototype, String.prototype, Number.prototype,
    Boolean.prototype, Symbol.prototype, BigInt.prototype, RegExp.prototype, Date.prototype,
    Promise.prototype, Map.prototype, Set.prototype, WeakMap.prototype, WeakSet.prototype,
    ArrayBuffer.prototype, DataView.prototype, hidden(() => Uint8Array.prototype),
    hidden(() => [][Symbol.iterator]()), hidden(() => Object.getPrototypeOf([][Symbol.iterator]())),
    hidden(() => async function* () {}.prototype), hidden(() => async function () {}),
    hidden(() => function* () {}),
  ];
}

/** Freezes the shared intrinsic prototypes of this process (idempotent), and says so in the log. */
export function freezeIntrinsics(log: Logger): void {
  for (const p of intrinsicPrototypes()) Object.freeze(p);
  log.info('intrinsics frozen');
}
