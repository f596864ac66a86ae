import t from 'tap';
import { CloseCode } from '../../proto/codes.js';
import { closeCodeLabel, closeReason } from '../../gateway/telemetry/close-codes.js';
import { Stats } from '../../gateway/telemetry/stats.js';
import { natsHeaderGetter, sampledFlag } from '../../gateway/telemetry/tracing.js';
import { natsHeaders } from '../../gateway/nats/connection.js';

t.test('close codes get stable names', async (t) => {
  t.equal(closeReason(CloseCode.SlowConsumer), 'SlowConsumer');
  t.equal(closeReason(CloseCode.Kicked), 'Kicked');
  t.equal(closeReason(1006), 'Abnormal');
  t.equal(closeReason(4999), 'Other');
  t.equal(closeCodeLabel(4008), '4008');
  t.equal(closeCodeLabel(1006), '1006');
  t.equal(closeCodeLabel(4999), 'other', 'a code a client chose is no label of its own');
  t.equal(closeCodeLabel(3123), 'other');
});

t.test('closes are counted by code', async (t) => {
  const s = new Stats();
  s.connectionClosed(4008);
  s.connectionClosed(4008);
  s.connectionClosed(1000);
  for (let code = 3000; code < 3100; code++) s.connectionClosed(code);
  t.same([...s.closed], [['4008', 2], ['1000', 1], ['other', 100]], 'codes outside the documented set share one entry');
});

t.test('trace context is read from NATS headers', async (t) => {
  const h = natsHeaders();
  h.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  h.set('tracestate', 'k=v');
  t.equal(natsHeaderGetter.get(h, 'traceparent'), '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  t.equal(natsHeaderGetter.get(h, 'missing'), undefined);
  t.same(natsHeaderGetter.keys(h).sort(), ['traceparent', 'tracestate']);
});

t.test('the sampled flag of a traceparent', async (t) => {
  t.equal(sampledFlag('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), true);
  t.equal(sampledFlag('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00'), false);
  t.equal(sampledFlag('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03'), true, 'other flags may be set');
  t.equal(sampledFlag('01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-extra'), true, 'a later version: the propagator decides');
});
