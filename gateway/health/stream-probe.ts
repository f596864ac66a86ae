/**
 * Checks now and then that JetStream answers for the gateway's streams, so readiness stays honest
 * while NATS is connected but JetStream is not serving (a cluster without quorum, a deleted stream).
 */
import type { Logger } from '../log.js';
import type { Streams } from '../nats/streams.js';
import type { Readiness } from './readiness.js';

const EVERY_MS = 5_000;

export class StreamProbe {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private last: boolean | undefined;

  constructor(private readonly streams: Streams, private readonly readiness: Readiness, private readonly log: Logger) {}

  start(): void {
    this.timer ??= setInterval(() => void this.check(), EVERY_MS).unref();
  }

  /** Checks at once (e.g. after a NATS reconnect); overlapping checks are skipped. */
  async check(): Promise<void> {
    if (this.running || !this.timer) return;
    this.running = true;
    let ok = false;
    try {
      ok = await this.streams.available();
    } catch (e) {
      this.log.debug({ err: (e as Error).message }, 'stream check failed');
    } finally {
      this.running = false;
    }
    if (!this.timer) return; // stopped meanwhile
    if (ok !== this.last && this.last !== undefined) {
      if (ok) this.log.info('JetStream streams available again');
      else this.log.warn('JetStream streams unavailable: not ready');
    }
    this.last = ok;
    this.readiness.update({ streams: ok });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
