import t from 'tap';
import { ErrorCode } from '../../proto/codes.js';
import { ReadTurns } from '../../gateway/replay/reads.js';
import { TurnScheduler, type SchedulerLimits, type Turn } from '../../gateway/replay/scheduler.js';

const limits = (over: Partial<SchedulerLimits> = {}): SchedulerLimits => ({ maxActive: 4, reserved: 1, maxQueued: 100, perOwnerActive: 2, perOwnerTotal: 50, ...over });

const turn = (s: TurnScheduler, owner: string): Turn => {
  const r = s.request(owner);
  if (typeof r === 'string') throw new Error(`refused: ${r}`);
  return r;
};

/** Resolves once pending promise callbacks ran. */
const settle = () => new Promise((r) => setImmediate(r));

t.test('clients run up to the budget minus the reserve, each owner up to its own bound', async (t) => {
  const s = new TurnScheduler(limits());
  const a = [turn(s, 'a'), turn(s, 'a'), turn(s, 'a')];
  const b = [turn(s, 'b'), turn(s, 'b')];
  t.same(a.map((x) => x.state), ['active', 'active', 'waiting'], 'owner a: two at once');
  t.same(b.map((x) => x.state), ['active', 'waiting'], 'b gets the third client turn; the fourth is reserved');
  t.same({ active: s.counters.active, queued: s.counters.queued }, { active: 3, queued: 2 });
  const r = s.recovery();
  t.equal(r.state, 'active', 'a recovery takes the reserved turn at once');
  t.equal(await r.granted, true);
});

t.test('round-robin: one owner with hundreds waiting cannot starve another owner\'s one read', async (t) => {
  const s = new TurnScheduler(limits({ maxActive: 2, reserved: 0, perOwnerActive: 2, perOwnerTotal: 1000, maxQueued: 1000 }));
  const flood = Array.from({ length: 500 }, () => turn(s, 'flood'));
  const one = turn(s, 'good');
  t.equal(one.state, 'waiting', 'the good owner waits: both turns are the flood\'s');
  flood[0]!.release();
  t.equal(one.state, 'active', 'the next free turn goes to the good owner, not the flood\'s 3rd');
  // Then the flood continues, one at a time.
  one.release();
  t.equal(flood[2]!.state, 'active');
  t.equal(flood.filter((x) => x.state === 'active').length, 2);
});

t.test('turns alternate between owners that both have work', async (t) => {
  const s = new TurnScheduler(limits({ maxActive: 1, reserved: 0, perOwnerActive: 1 }));
  const order: string[] = [];
  const all = ['a', 'a', 'a', 'b', 'b', 'b'].map((o) => ({ o, t: turn(s, o) }));
  for (let i = 0; i < all.length; i++) {
    const running = all.find((x) => x.t.state === 'active')!;
    order.push(running.o);
    running.t.release();
  }
  t.same(order, ['a', 'b', 'a', 'b', 'a', 'b']);
});

t.test('refusals: the owner\'s bound (running + waiting), then the gateway\'s queue', async (t) => {
  const s = new TurnScheduler(limits({ maxActive: 2, reserved: 1, perOwnerActive: 1, perOwnerTotal: 3, maxQueued: 4 }));
  turn(s, 'a');
  turn(s, 'a');
  turn(s, 'a');
  t.equal(s.request('a'), 'owner', 'a 4th read of one owner: refused (owner)');
  turn(s, 'b');
  turn(s, 'c');
  t.equal(s.counters.queued, 4, 'a waits twice, b and c once: the queue is full');
  t.equal(turn(s, 'd').state, 'waiting', 'd takes the place of a\'s newest waiting turn');
  t.equal(s.request('e'), 'gateway', 'with every owner waiting once, a newcomer is refused (gateway)');
  t.same({ owner: s.counters.refusedOwner, gateway: s.counters.refusedGateway }, { owner: 1, gateway: 2 }, 'all counted');
  t.equal(s.recovery().state, 'active', 'recoveries are never refused (and take the reserve)');
  t.equal(s.recovery().state, 'waiting', 'past the whole budget they wait, first in line');
});

t.test('a full queue refuses the flood, not the owner waiting for one read', async (t) => {
  const s = new TurnScheduler(limits({ maxActive: 2, reserved: 1, perOwnerActive: 1, perOwnerTotal: 50, maxQueued: 5 }));
  const flood = Array.from({ length: 6 }, () => turn(s, 'flood')); // one runs, five wait: the queue is full
  t.equal(s.counters.queued, 5);
  const good = turn(s, 'good');
  t.equal(good.state, 'waiting', 'the good owner still gets a place in the queue');
  t.equal(flood[5]!.state, 'done', 'the flood\'s newest waiting turn made room');
  t.equal(flood[5]!.refused, 'gateway', 'refused (gateway)');
  t.equal(await flood[5]!.granted, false);
  const more: Turn[] = [];
  for (let r = s.request('good'); typeof r !== 'string'; r = s.request('good')) more.push(r);
  t.equal(more.length, 1, 'evicting stops once the two owners wait about as much (3 and 2)');
  t.equal(flood.filter((x) => x.state === 'waiting').length, 3);
  flood[0]!.release();
  t.equal(good.state, 'active', 'and the good owner is served next');
});

t.test('recoveries go before every waiting client', async (t) => {
  const s = new TurnScheduler(limits({ maxActive: 2, reserved: 1, perOwnerActive: 2 }));
  const r0 = s.recovery();
  const c0 = turn(s, 'a');
  const c1 = turn(s, 'a');
  const r1 = s.recovery();
  t.same([r0.state, c0.state, c1.state, r1.state], ['active', 'active', 'waiting', 'waiting']);
  c0.release();
  t.equal(r1.state, 'active', 'the freed turn goes to the waiting recovery');
  t.equal(c1.state, 'waiting');
  r0.release();
  t.equal(c1.state, 'active', 'then to the client');
});

t.test('cancelling: a released waiting turn leaves the queue; dropOwner cancels all of an owner\'s waiting turns', async (t) => {
  const s = new TurnScheduler(limits({ maxActive: 2, reserved: 1, perOwnerActive: 1 }));
  const a0 = turn(s, 'a');
  const a1 = turn(s, 'a');
  const a2 = turn(s, 'a');
  const b0 = turn(s, 'b');
  a1.release();
  t.equal(await a1.granted, false, 'released while waiting: never granted');
  s.dropOwner('a');
  t.equal(await a2.granted, false, 'dropped owner: its waiting turn ends ungranted');
  t.equal(a0.state, 'active', 'its running turn runs on');
  t.equal(s.counters.queued, 1, 'only b waits');
  a0.release();
  t.equal(b0.state, 'active');
  a0.release();
  t.equal(s.counters.active, 1, 'releasing twice frees one turn only');
  b0.release();
  t.same({ active: s.counters.active, queued: s.counters.queued }, { active: 0, queued: 0 }, 'back to nothing');
  await settle();
});

t.test('a reserve as large as the budget still leaves clients one turn', async (t) => {
  const s = new TurnScheduler(limits({ maxActive: 2, reserved: 5 }));
  t.equal(turn(s, 'a').state, 'active');
  t.equal(turn(s, 'b').state, 'waiting');
});

t.test('random work: the bounds hold at every step and everything is served', async (t) => {
  const L = limits({ maxActive: 5, reserved: 2, perOwnerActive: 2, perOwnerTotal: 8, maxQueued: 20 });
  const s = new TurnScheduler(L);
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const live: Turn[] = [];
  let served = 0;
  for (let step = 0; step < 5_000; step++) {
    const x = rnd();
    if (x < 0.45) {
      const r = rnd() < 0.1 ? s.recovery() : s.request(`o${Math.floor(rnd() * 6)}`);
      if (typeof r !== 'string') live.push(r);
    } else if (live.length) {
      const i = Math.floor(rnd() * live.length);
      const [gone] = live.splice(i, 1);
      if (gone!.state === 'active') served++;
      gone!.release();
    }
    const active = live.filter((l) => l.state === 'active');
    if (active.length > L.maxActive) t.fail(`step ${step}: ${active.length} active`);
    const clients = active.filter((l) => l.owner !== null);
    if (clients.length > L.maxActive - L.reserved) t.fail(`step ${step}: ${clients.length} client turns`);
    const perOwner = new Map<string, number>();
    for (const c of clients) perOwner.set(c.owner!, (perOwner.get(c.owner!) ?? 0) + 1);
    if ([...perOwner.values()].some((n) => n > L.perOwnerActive)) t.fail(`step ${step}: an owner over its bound`);
    if (s.counters.active !== active.length) t.fail(`step ${step}: counter ${s.counters.active} != ${active.length}`);
    // Work-conserving: a free client turn never sits idle while a runnable owner waits.
    const waitingOwners = new Set(live.filter((l) => l.state === 'waiting' && l.owner !== null).map((l) => l.owner!));
    const runnable = [...waitingOwners].some((o) => (perOwner.get(o) ?? 0) < L.perOwnerActive);
    if (runnable && clients.length < L.maxActive - L.reserved && active.length < L.maxActive) t.fail(`step ${step}: idle turn while ${[...waitingOwners]} wait`);
  }
  for (const l of live.splice(0)) l.release();
  t.same({ active: s.counters.active, queued: s.counters.queued }, { active: 0, queued: 0 }, 'all released');
  t.ok(served > 500, `many reads served (${served})`);
});

t.test('ReadTurns: one claim per request, refusals as coded errors, a cancelled request stops', async (t) => {
  const s = new TurnScheduler(limits({ maxActive: 2, reserved: 1, perOwnerActive: 1, perOwnerTotal: 2, maxQueued: 1 }));
  let claims = 0;
  const a = new ReadTurns(s, 'a', () => void claims++);
  t.equal(await a.begin(), true, 'a turn at once');
  t.equal(await a.begin(), true, 'held: asking again is free');
  a.end();
  t.equal(await a.begin(), true);
  t.equal(claims, 1, 'claimed once for the whole request');
  const a2 = new ReadTurns(s, 'a');
  const waiting = a2.begin();
  await t.rejects(new ReadTurns(s, 'a').begin(), { code: ErrorCode.RateLimited, temporary: true }, 'the owner\'s bound: 1010');
  await t.rejects(new ReadTurns(s, 'b').begin(), { code: ErrorCode.Overloaded, temporary: true }, 'the gateway\'s queue: 1024');
  a2.cancel();
  t.equal(await waiting, false, 'cancelled while waiting: no turn');
  t.equal(await a2.begin(), false, 'and none later');
  await t.rejects(a2.hold(), { code: ErrorCode.Unavailable }, 'hold throws instead');
  const refusing = new ReadTurns(s, 'c', () => {
    throw new Error('no more requests');
  });
  await t.rejects(refusing.begin(), /no more requests/, 'a refused claim asks for no turn');
  t.equal(s.counters.queued, 0);
  a.cancel();
  t.equal(s.counters.active, 1, 'cancel leaves a running turn to its reader');
  a.end();
  t.equal(s.counters.active, 0);
});
