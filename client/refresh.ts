/** Keeps the connection's token fresh: asks the app for a new one before the current one expires. */
import { JetgateError } from './errors.js';
import { Timer } from './timer.js';

/** Refresh this long before expiry at the latest... */
const LEAD_MS = 5_000;
/** ...and no sooner than this, so a skewed clock cannot turn refreshing into a busy loop. */
const MIN_DELAY_MS = 1_000;
/** Wait before retrying a failed refresh (the gateway closes with 4003 if the token runs out). */
const RETRY_MS = 5_000;

/**
 * Delay (ms) before refreshing a token that expires at `expiresAt` (unix ms): at 80% of the
 * remaining lifetime, and at least LEAD_MS before expiry. Undefined when the token never expires
 * or has already expired by this clock: the gateway then closes with 4003 and the reconnect
 * fetches a fresh token.
 */
export function refreshDelay(expiresAt: number, now: number): number | undefined {
  const remaining = expiresAt - now;
  if (!(expiresAt > 0) || remaining <= 0) return undefined;
  return Math.max(MIN_DELAY_MS, Math.min(remaining * 0.8, remaining - LEAD_MS));
}

export interface RefreshHost {
  getToken(): Promise<string>;
  /** Sends Refresh with the token; resolves with the new expiry (unix ms). */
  refresh(token: string): Promise<number>;
  error(err: JetgateError): void;
}

export class TokenRefresher {
  private readonly timer = new Timer();
  // Bumped by stop(): a refresh still awaiting the app or the gateway then leaves no trace.
  private generation = 0;

  constructor(private readonly host: RefreshHost) {}

  /** Plans the next refresh for a token that expires at `expiresAt` (0: never). */
  schedule(expiresAt: number): void {
    const delay = refreshDelay(expiresAt, Date.now());
    if (delay === undefined) this.timer.stop();
    else this.timer.start(delay, () => void this.run(this.generation));
  }

  stop(): void {
    this.generation++;
    this.timer.stop();
  }

  private async run(generation: number): Promise<void> {
    try {
      const token = await this.host.getToken();
      if (generation !== this.generation) return;
      const expiresAt = await this.host.refresh(token);
      if (generation === this.generation) this.schedule(expiresAt);
    } catch (e) {
      if (generation !== this.generation) return;
      this.host.error(e instanceof JetgateError ? e : new JetgateError('token', 'getToken failed', 0, true, { cause: e }));
      this.timer.start(RETRY_MS, () => void this.run(generation));
    }
  }
}
