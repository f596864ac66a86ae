/**
 * A client request's access to JetStream through the gateway's turn scheduler: it takes a turn
 * before reading and gives it back between reads (while its socket drains, between replay chunks),
 * so a slow or paused client holds no turn and no consumer. Refusals become the documented errors:
 * 1010 for the connection's own bound, 1024 Overloaded for the gateway's queue (both temporary).
 */
import { ErrorCode } from '../../proto/codes.js';
import { ClientError } from '../errors.js';
import type { Refusal, Turn, TurnScheduler } from './scheduler.js';

function refusalError(why: Refusal, scheduler: TurnScheduler): ClientError {
  return why === 'owner'
    ? new ClientError(ErrorCode.RateLimited, `more than ${scheduler.limits.perOwnerTotal} replays and history reads in flight; wait for them`, true)
    : new ClientError(ErrorCode.Overloaded, 'the gateway is reading JetStream for too many clients; retry after a backoff', true);
}

export class ReadTurns {
  private turn: Turn | undefined;
  private cancelled = false;
  /** Whether the request ever asked for a turn (it then counts as a request in flight). */
  claimed = false;

  /** @param claim called before the first turn is asked for; throws to refuse the request */
  constructor(private readonly scheduler: TurnScheduler, private readonly owner: string, private readonly claim: () => void = () => undefined) {}

  /**
   * Holds a turn, waiting for one unless held already; false when cancelled (before or while
   * waiting). Throws ClientError when refused.
   */
  async begin(): Promise<boolean> {
    if (this.cancelled) return false;
    if (this.turn?.state === 'active') return true;
    if (!this.claimed) {
      this.claim();
      this.claimed = true;
    }
    const t = this.scheduler.request(this.owner);
    if (typeof t === 'string') throw refusalError(t, this.scheduler);
    this.turn = t;
    const granted = await t.granted;
    if (t.refused) throw refusalError(t.refused, this.scheduler);
    return granted;
  }

  /** Like `begin`, but throws when cancelled: for reads that cannot simply stop. */
  async hold(): Promise<void> {
    if (!(await this.begin())) throw new ClientError(ErrorCode.Unavailable, 'the request was cancelled', true);
  }

  /** Gives the turn back (the request may ask again). */
  end(): void {
    this.turn?.release();
    this.turn = undefined;
  }

  /**
   * No more turns: a waiting one leaves the queue at once; a running one is given back by its
   * reader (`end`) once its consumer is deleted, so turns keep bounding consumers.
   */
  cancel(): void {
    this.cancelled = true;
    if (this.turn?.state === 'waiting') this.end();
  }
}
