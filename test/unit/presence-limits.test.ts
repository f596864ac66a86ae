import t from 'tap';
import { EventBatch, type MemberEvent } from '../../gateway/presence/event-batch.js';
import { SharedReads } from '../../gateway/presence/shared-reads.js';

const ev = (kind: MemberEvent['kind'], clientId: string): MemberEvent => ({ kind, clientId });

t.test('a batch cancels a join and leave of the same client and keeps the order of the rest', async (t) => {
  const b = new EventBatch<MemberEvent>();
  b.add(ev('join', 'x'));
  b.add(ev('join', 'y'));
  b.add(ev('leave', 'x'));
  t.same(b.take(), [ev('join', 'y')], 'x joined and left: nothing to say');
  t.equal(b.size, 0, 'taken: empty');
  b.add(ev('leave', 'y'));
  b.add(ev('join', 'y'));
  t.same(b.take(), [], 'left and came back: the list is as it was');
  for (let i = 0; i < 371; i++) {
    b.add(ev('join', 'churn'));
    b.add(ev('leave', 'churn'));
  }
  b.add(ev('join', 'churn'));
  b.add(ev('join', 'z'));
  t.same(b.take(), [ev('join', 'churn'), ev('join', 'z')], 'a storm costs one event per client');
});

/** A read the test resolves by hand. */
function deferred() {
  let resolve!: (v: string[]) => void;
  const value = new Promise<string[]>((r) => (resolve = r));
  return { value, resolve };
}

t.test('shared reads: one read per key at a time, reused for cacheMs, at most maxRunning', async (t) => {
  let now = 0;
  const reads = new SharedReads<string[]>(2, 500, () => now);
  let started = 0;
  const pending: Array<ReturnType<typeof deferred>> = [];
  const read = () => {
    started++;
    const d = deferred();
    pending.push(d);
    return d.value;
  };
  const a1 = reads.get('a', read)!;
  const a2 = reads.get('a', read)!;
  t.notOk(a1.shared);
  t.ok(a2.shared, 'a second request shares the read under way');
  t.equal(started, 1);
  t.ok(reads.get('b', read));
  t.equal(reads.get('c', read), undefined, 'a third key past maxRunning: refused');
  pending[0]!.resolve(['m1']);
  t.same(await a2.value, ['m1']);
  t.equal(reads.reading, 1);
  const a3 = reads.get('a', read)!;
  t.ok(a3.shared, 'within cacheMs the list is reused');
  t.same(await a3.value, ['m1']);
  t.equal(started, 2, 'no new read');
  now = 600;
  t.notOk(reads.get('a', read)!.shared, 'after cacheMs: read again');
  t.equal(reads.cached, 0, 'expired lists are dropped');
  t.equal(started, 3);
});

t.test('a change while a list is read keeps that list from being reused', async (t) => {
  const reads = new SharedReads<string[]>(4, 10_000, () => 0);
  const d = deferred();
  const first = reads.get('a', () => d.value)!;
  reads.forget('a');
  d.resolve(['old']);
  await first.value;
  await Promise.resolve();
  let again = 0;
  reads.get('a', async () => {
    again++;
    return ['new'];
  });
  t.equal(again, 1, 'read again');
  reads.forget('a');
  t.equal(reads.cached, 0, 'forget drops a kept list');
});

t.test('a failed read is not kept', async (t) => {
  const reads = new SharedReads<string[]>(1, 10_000, () => 0);
  const failed = reads.get('a', () => Promise.reject(new Error('nats down')))!;
  await t.rejects(failed.value);
  t.equal(reads.reading, 0, 'the slot is free again');
  t.notOk(reads.get('a', async () => ['ok'])!.shared, 'the next request reads');
});
