import t from 'tap';
import { Emitter } from '../../client/emitter.js';
import { Timer } from '../../client/timer.js';

interface Events {
  n: number;
  s: string;
}

class Bus extends Emitter<Events> {
  fire<K extends keyof Events>(e: K, v: Events[K]): void {
    this.emit(e, v);
  }
}

t.test('on/off and the remover returned by on', async (t) => {
  const bus = new Bus();
  const seen: string[] = [];
  const a = (n: number): void => void seen.push(`a${n}`);
  const off = bus.on('n', a);
  bus.on('n', (n) => seen.push(`b${n}`));
  bus.on('s', (s) => seen.push(s));
  bus.fire('n', 1);
  off();
  bus.fire('n', 2);
  bus.fire('s', 'x');
  bus.off('s', () => {}); // unknown listener: no effect
  bus.fire('s', 'y');
  t.same(seen, ['a1', 'b1', 'b2', 'x', 'y']);
});

t.test('listeners added or removed during an emit do not disturb it', async (t) => {
  const bus = new Bus();
  const seen: string[] = [];
  const late = (): void => void seen.push('late');
  bus.on('n', () => {
    seen.push('first');
    bus.off('n', second);
    bus.on('n', late);
  });
  const second = (): void => void seen.push('second');
  bus.on('n', second);
  bus.fire('n', 1);
  t.same(seen, ['first', 'second'], 'this emit used its snapshot');
  seen.length = 0;
  bus.fire('n', 2);
  t.same(seen, ['first', 'late']);
});

t.test('a throwing listener does not stop the others; its error is rethrown from a microtask', async (t) => {
  const bus = new Bus();
  const seen: number[] = [];
  const rethrown: unknown[] = [];
  const realQueue = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (fn) => {
    try {
      fn();
    } catch (e) {
      rethrown.push(e);
    }
  };
  try {
    bus.on('n', () => {
      throw new Error('app bug');
    });
    bus.on('n', (n) => seen.push(n));
    bus.fire('n', 7);
  } finally {
    globalThis.queueMicrotask = realQueue;
  }
  t.same(seen, [7]);
  t.equal(rethrown.length, 1);
  t.equal((rethrown[0] as Error).message, 'app bug');
});

t.test('Timer: one pending run at a time, stop cancels, huge delays are clamped', async (t) => {
  const timer = new Timer();
  const runs: string[] = [];
  timer.start(10, () => runs.push('a'));
  timer.start(10, () => runs.push('b'));
  await new Promise((r) => setTimeout(r, 30));
  t.same(runs, ['b'], 'the restart replaced the first run');
  timer.start(10, () => runs.push('c'));
  timer.stop();
  await new Promise((r) => setTimeout(r, 30));
  t.same(runs, ['b'], 'stopped');
  // Unclamped, setTimeout would warn and fire at once for delays past 2^31-1 ms.
  timer.start(40 * 24 * 3600 * 1000, () => runs.push('too soon'));
  await new Promise((r) => setTimeout(r, 20));
  t.same(runs, ['b'], 'a 40-day delay does not fire at once');
  timer.stop();
});
