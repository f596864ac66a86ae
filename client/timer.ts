/** A restartable one-shot timer: at most one pending callback, cleared on stop. */

// setTimeout keeps its delay in a signed 32-bit integer: anything longer would fire at once.
const MAX_DELAY_MS = 2 ** 31 - 1;

export class Timer {
  private handle: ReturnType<typeof setTimeout> | undefined;

  /** Runs `fn` after `ms` (clamped to setTimeout's range), replacing any pending run. */
  start(ms: number, fn: () => void): void {
    this.stop();
    this.handle = setTimeout(() => {
      this.handle = undefined;
      fn();
    }, Math.min(Math.max(0, ms), MAX_DELAY_MS));
  }

  stop(): void {
    if (this.handle === undefined) return;
    clearTimeout(this.handle);
    this.handle = undefined;
  }
}
