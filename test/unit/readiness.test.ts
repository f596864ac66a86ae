import t from 'tap';
import { Readiness, combineReadiness, type ReadinessState } from '../../gateway/health/readiness.js';

t.test('ready only with NATS, streams and the listener up, and not draining', async (t) => {
  const r = new Readiness();
  const seen: ReadinessState[] = [];
  r.onChange((s) => seen.push(s));
  t.equal(r.get().ready, false, 'not ready before anything is up');
  r.update({ nats: true, streams: true, listening: true });
  t.same(r.get(), { ready: true, nats: true, streams: true, listening: true, draining: false });
  r.update({ nats: true });
  t.equal(seen.length, 1, 'no event without a change');
  r.update({ nats: false });
  t.same(r.get(), { ready: false, nats: false, streams: true, listening: true, draining: false }, 'NATS down');
  r.update({ nats: true, draining: true, listening: false });
  t.equal(r.get().ready, false, 'draining');
  t.equal(seen.length, 3);
});

const up: ReadinessState = { ready: true, nats: true, streams: true, listening: true, draining: false };

t.test('a node of workers is ready when every listening worker is', async (t) => {
  t.equal(combineReadiness([up, up], false).ready, true);
  t.same(combineReadiness([up, { ...up, ready: false, nats: false }], false), { ready: false, nats: false, streams: true, listening: true, draining: false },
    'one worker without NATS: a new connection may land on it');
  t.equal(combineReadiness([up, { ...up, ready: false, listening: false, draining: true }], false).ready, true,
    'a worker that drained alone (being replaced) gets no connections');
  t.equal(combineReadiness([], false).ready, false, 'no worker yet');
  t.same(combineReadiness([up, up], true), { ready: false, nats: true, streams: true, listening: true, draining: true }, 'the supervisor drains');
});
