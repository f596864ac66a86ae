import t from 'tap';
import { JetgateError } from '../../client/errors.js';
import { PendingRequests, type Reply, type ReplyBody } from '../../client/requests.js';

type Outcome<K extends ReplyBody> = { ok: Reply<K> } | { err: JetgateError };

function track<K extends ReplyBody>(): { cb: { resolve(r: Reply<K>): void; reject(e: JetgateError): void }; outcome(): Outcome<K> | undefined } {
  let out: Outcome<K> | undefined;
  return {
    cb: { resolve: (ok) => (out = { ok }), reject: (err) => (out = { err }) },
    outcome: () => out,
  };
}

const frameOf = (id: number): string => `frame-${id}`;
const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

t.test('ids are non-zero, increasing, and a reply settles its own request', async (t) => {
  const reqs = new PendingRequests();
  const a = track<'publish'>();
  const b = track<'presence'>();
  t.equal(reqs.add(frameOf, 'publish', { timeoutMs: 0 }, a.cb), 'frame-1');
  t.equal(reqs.add(frameOf, 'presence', { timeoutMs: 0 }, b.cb), 'frame-2');
  t.ok(reqs.settle({ id: 2, presence: { channel: 'x', clients: [] } }));
  t.same(b.outcome(), { ok: { channel: 'x', clients: [] } });
  t.equal(a.outcome(), undefined, 'the other is still waiting');
  t.notOk(reqs.settle({ id: 2, presence: {} }), 'a second reply for the same id is not taken');
  t.notOk(reqs.settle({ id: 99, publish: {} }), 'unknown id');
  t.equal(reqs.size, 1);
});

t.test('error replies become server JetgateErrors; a wrong body is a protocol error', async (t) => {
  const reqs = new PendingRequests();
  const a = track<'publish'>();
  const b = track<'rpc'>();
  reqs.add(frameOf, 'publish', { timeoutMs: 0 }, a.cb);
  reqs.add(frameOf, 'rpc', { timeoutMs: 0 }, b.cb);
  reqs.settle({ id: 1, error: { code: 1010, message: 'slow down', temporary: true } });
  reqs.settle({ id: 2, publish: { seq: 1 } });
  const ea = (a.outcome() as { err: JetgateError }).err;
  t.ok(ea instanceof JetgateError);
  t.match(ea, { kind: 'server', code: 1010, temporary: true, message: 'slow down' });
  t.match((b.outcome() as { err: JetgateError }).err, { kind: 'protocol' });
});

t.test('a request without a reply times out and leaves no entry', async (t) => {
  const reqs = new PendingRequests();
  const a = track<'history'>();
  reqs.add(frameOf, 'history', { timeoutMs: 20 }, a.cb);
  await wait(5);
  t.equal(a.outcome(), undefined);
  await wait(40);
  t.match((a.outcome() as { err: JetgateError }).err, { kind: 'timeout', temporary: true });
  t.equal(reqs.size, 0);
  t.notOk(reqs.settle({ id: 1, history: {} }), 'a late reply is dropped');
});

t.test('unsent requests wait for takeUnsent, in order, once', async (t) => {
  const reqs = new PendingRequests();
  reqs.add(frameOf, 'publish', { timeoutMs: 0 }, track<'publish'>().cb);
  reqs.add(frameOf, 'connect', { timeoutMs: 0, sent: true }, track<'connect'>().cb);
  reqs.add(frameOf, 'presence', { timeoutMs: 0 }, track<'presence'>().cb);
  t.same(reqs.takeUnsent(), ['frame-1', 'frame-3'], 'the already-sent one is skipped');
  t.same(reqs.takeUnsent(), []);
});

t.test('connection lost: sent requests fail, retryable ones go out once more, unsent ones wait', async (t) => {
  const reqs = new PendingRequests();
  const plain = track<'rpc'>();
  const retry = track<'publish'>();
  const queued = track<'presence'>();
  reqs.add(frameOf, 'rpc', { timeoutMs: 0 }, plain.cb);
  reqs.add(frameOf, 'publish', { timeoutMs: 0, retries: 1 }, retry.cb);
  reqs.takeUnsent();
  reqs.add(frameOf, 'presence', { timeoutMs: 0 }, queued.cb);

  reqs.connectionLost(true, 1006, '');
  t.match((plain.outcome() as { err: JetgateError }).err, { kind: 'disconnected', code: 1006, temporary: true });
  t.equal(retry.outcome(), undefined, 'publish kept for a retry');
  t.equal(queued.outcome(), undefined, 'never sent: keeps waiting');
  t.same(reqs.takeUnsent(), ['frame-2', 'frame-3'], 'same frame (same idempotency key), original order');

  reqs.connectionLost(true, 1006, '');
  t.match((retry.outcome() as { err: JetgateError }).err, { kind: 'disconnected' }, 'only one retry');
  t.match((queued.outcome() as { err: JetgateError }).err, { kind: 'disconnected' });
  t.equal(reqs.size, 0);
});

t.test('no retry when the client will not reconnect; rejectAll clears timers', async (t) => {
  const reqs = new PendingRequests();
  const a = track<'publish'>();
  const b = track<'presence'>();
  reqs.add(frameOf, 'publish', { timeoutMs: 0, retries: 1, sent: true }, a.cb);
  reqs.connectionLost(false, 4002, 'unauthorized');
  t.match((a.outcome() as { err: JetgateError }).err, { kind: 'disconnected', code: 4002, temporary: false });
  reqs.add(frameOf, 'presence', { timeoutMs: 10_000 }, b.cb);
  reqs.rejectAll(new JetgateError('closed', 'client closed', 1000));
  t.match((b.outcome() as { err: JetgateError }).err, { kind: 'closed' });
  t.equal(reqs.size, 0);
  // Were the 10 s timer still pending, tap would wait for it; the test finishing fast shows it is not.
});

t.test('a throwing encoder registers nothing', async (t) => {
  const reqs = new PendingRequests();
  t.throws(() => reqs.add(() => { throw new TypeError('bad payload'); }, 'publish', { timeoutMs: 10_000 }, track<'publish'>().cb), TypeError);
  t.equal(reqs.size, 0);
});
