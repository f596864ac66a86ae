/**
 * Turns at reading JetStream, shared by every client of the gateway process (pure: no timers, no
 * NATS). A turn is one read in progress — a replay chunk, a history page, a gap recovery — and
 * holds at most one JetStream consumer, so `maxActive` bounds the consumers the gateway has open.
 *
 * Clients wait in a fair queue: turns go round-robin across owners (connections), an owner
 * running fewer reads first, so one connection with hundreds of waiting replays cannot starve
 * another connection's one replay. An
 * owner runs at most `perOwnerActive` reads at once and has at most `perOwnerTotal` running or
 * waiting (past it: refused 'owner'); at most `maxQueued` client turns wait gateway-wide (past it:
 * refused 'gateway' — the newest turn of the owner waiting for the most, so a flood cannot lock
 * others out of the queue). The gateway's own gap recoveries go first and have `reserved` turns clients
 * can never take, so clients' replays cannot starve them; they are never refused.
 */
import { newTurnCounters, type TurnCounters } from '../telemetry/stats.js';

export interface SchedulerLimits {
  /** Reads running at once, gateway-wide. */
  maxActive: number;
  /** Of `maxActive`, turns only recoveries may take. */
  reserved: number;
  /** Client turns waiting at once, gateway-wide. */
  maxQueued: number;
  /** Reads one owner may run at once. */
  perOwnerActive: number;
  /** Reads one owner may have running or waiting. */
  perOwnerTotal: number;
}

/** Why a turn was refused: the owner's own bound, or the gateway's queue. */
export type Refusal = 'owner' | 'gateway';

export type TurnState = 'waiting' | 'active' | 'done';

/** One read's turn. `granted` resolves true when it may read, false when cancelled first. */
export class Turn {
  state: TurnState = 'waiting';
  /** Set when the turn was refused while waiting (the gateway's queue was full). */
  refused: Refusal | undefined;
  readonly granted: Promise<boolean>;
  private settle!: (granted: boolean) => void;

  constructor(readonly owner: string | null, private readonly onRelease: (t: Turn) => void) {
    this.granted = new Promise((resolve) => (this.settle = resolve));
  }

  /** Ends the turn: frees its slot when running, leaves the queue when waiting. Idempotent. */
  release(): void {
    if (this.state !== 'done') this.onRelease(this);
  }

  /** @internal the scheduler's side */
  grant(): void {
    this.state = 'active';
    this.settle(true);
  }

  /** @internal */
  finish(): void {
    const was = this.state;
    this.state = 'done';
    if (was === 'waiting') this.settle(false);
  }
}

interface Owner {
  active: number;
  waiting: Turn[];
  /** When it was last given a turn (a tick of the scheduler; 0: never). */
  served: number;
}

export class TurnScheduler {
  private readonly owners = new Map<string, Owner>();
  /** Owners with waiting turns (dispatch picks among them). */
  private readonly waitingOwners = new Set<string>();
  private readonly recoveries: Turn[] = [];
  private active = 0;
  private clientActive = 0;
  private ticks = 0;
  private queued = 0;

  constructor(readonly limits: SchedulerLimits, readonly counters: TurnCounters = newTurnCounters()) {}

  /** A client's turn (owner: its connection). Refused when a bound is reached. */
  request(owner: string): Turn | Refusal {
    const o = this.owners.get(owner) ?? { active: 0, waiting: [], served: 0 };
    if (o.active + o.waiting.length >= this.limits.perOwnerTotal) return this.refuse('owner');
    const runsNow = o.waiting.length === 0 && o.active < this.limits.perOwnerActive && this.clientSlotFree() && this.recoveries.length === 0;
    if (!runsNow && this.queued >= this.limits.maxQueued && !this.evictFor(o)) return this.refuse('gateway');
    this.owners.set(owner, o);
    const turn = new Turn(owner, (t) => this.release(t));
    if (runsNow) {
      this.start(turn, o);
    } else {
      this.waitingOwners.add(owner);
      o.waiting.push(turn);
      this.queued++;
      this.sync();
    }
    return turn;
  }

  /** A gap recovery's turn: served before any client's, never refused. */
  recovery(): Turn {
    const turn = new Turn(null, (t) => this.release(t));
    if (this.active < this.limits.maxActive) this.start(turn, undefined);
    else this.recoveries.push(turn);
    this.sync();
    return turn;
  }

  /** Cancels every waiting turn of an owner (its connection closed). Running ones end on their own. */
  dropOwner(owner: string): void {
    const o = this.owners.get(owner);
    if (!o) return;
    for (const t of o.waiting.splice(0)) {
      this.queued--;
      t.finish();
    }
    this.waitingOwners.delete(owner);
    if (o.active === 0) this.owners.delete(owner);
    this.sync();
  }

  /**
   * The queue is full: makes room for `o` by refusing the newest waiting turn of the owner with the
   * most waiting, when that is more than `o` would have. So a flood fills the queue only until
   * someone else needs it: floods get refused, not the connections waiting for one read.
   */
  private evictFor(o: Owner): boolean {
    let victim: Owner | undefined;
    for (const id of this.waitingOwners) {
      const w = this.owners.get(id) as Owner;
      if (!victim || w.waiting.length > victim.waiting.length) victim = w;
    }
    if (!victim || victim === o || victim.waiting.length <= o.waiting.length + 1) return false;
    const turn = victim.waiting.pop() as Turn;
    this.queued--;
    if (victim.waiting.length === 0) this.waitingOwners.delete(turn.owner as string);
    turn.refused = this.refuse('gateway');
    turn.finish();
    return true;
  }

  private refuse(why: Refusal): Refusal {
    if (why === 'owner') this.counters.refusedOwner++;
    else this.counters.refusedGateway++;
    return why;
  }

  /** Clients always have at least one turn, whatever `reserved` says. */
  private clientSlotFree(): boolean {
    return this.clientActive < Math.max(1, this.limits.maxActive - this.limits.reserved) && this.active < this.limits.maxActive;
  }

  private start(turn: Turn, o: Owner | undefined): void {
    this.active++;
    if (o) {
      o.active++;
      o.served = ++this.ticks;
      this.clientActive++;
    }
    turn.grant();
    this.sync();
  }

  private release(turn: Turn): void {
    const was = turn.state;
    turn.finish();
    if (turn.owner === null) {
      if (was === 'active') this.active--;
      else this.recoveries.splice(this.recoveries.indexOf(turn), 1);
    } else {
      const o = this.owners.get(turn.owner) as Owner;
      if (was === 'active') {
        this.active--;
        this.clientActive--;
        o.active--;
      } else {
        o.waiting.splice(o.waiting.indexOf(turn), 1);
        this.queued--;
        if (o.waiting.length === 0) this.waitingOwners.delete(turn.owner);
      }
      if (o.active === 0 && o.waiting.length === 0) this.owners.delete(turn.owner);
    }
    this.dispatch();
    this.sync();
  }

  /**
   * Hands free turns out: recoveries first, then clients round-robin: the owner running the fewest
   * reads first, ties to the one served least recently, so a busy owner yields to an idle one.
   */
  private dispatch(): void {
    while (this.recoveries.length && this.active < this.limits.maxActive) this.start(this.recoveries.shift() as Turn, undefined);
    while (this.waitingOwners.size && this.clientSlotFree()) {
      let pick: string | undefined;
      let best: Owner | undefined;
      for (const id of this.waitingOwners) {
        const o = this.owners.get(id) as Owner;
        if (o.active >= this.limits.perOwnerActive) continue;
        if (!best || o.active < best.active || (o.active === best.active && o.served < best.served)) {
          best = o;
          pick = id;
        }
      }
      if (!best || pick === undefined) return; // every waiting owner runs its most already
      const turn = best.waiting.shift() as Turn;
      this.queued--;
      if (best.waiting.length === 0) this.waitingOwners.delete(pick);
      this.start(turn, best);
    }
  }

  private sync(): void {
    this.counters.active = this.active;
    this.counters.queued = this.queued + this.recoveries.length;
  }
}
