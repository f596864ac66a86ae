import t from 'tap';
import { errors } from '@nats-io/nats-core';
import { JetStreamApiError } from '@nats-io/jetstream';
import { jserrors } from '@nats-io/jetstream/internal';
import { NatsFailure, classify } from '../../gateway/nats/failure.js';
import { ackInfo } from '../../gateway/nats/pull.js';

const api = (code: number, err_code: number, description = 'x') => new JetStreamApiError({ code, err_code, description });

t.test('each failure of the client library gets one kind, and temporary follows the kind', async (t) => {
  const cases: Array<[string, unknown, NatsFailure['kind'], boolean]> = [
    ['request timeout', new errors.TimeoutError(), 'timeout', true],
    ['no responders (as a request reports it)', new errors.RequestError('503', { cause: new errors.NoRespondersError('svc.x') }), 'no-responders', true],
    ['JetStream publish with no stream answering', new jserrors.JetStreamNotEnabled('jetstream is not enabled'), 'jetstream-unavailable', true],
    ['JetStream answering 503', api(503, 10008, 'JetStream system temporarily unavailable'), 'jetstream-unavailable', true],
    ['connection lost mid-request', new errors.RequestError('connection disconnected'), 'disconnected', true],
    ['connection closed', new errors.ClosedConnectionError(), 'disconnected', true],
    ['stream not found', new jserrors.StreamNotFoundError({ code: 404, err_code: 10059, description: 'stream not found' }), 'not-found', false],
    ['no message found', api(404, 10037, 'no message found'), 'not-found', false],
    ['wrong last sequence', api(400, 10071, 'wrong last sequence: 3'), 'bad-request', false],
    ['permission', new errors.PermissionViolationError('Permissions Violation', 'publish', 'a.b'), 'permission', false],
    ['anything else', new Error('boom'), 'failed', false],
    ['not even an Error', 'boom', 'failed', false],
  ];
  for (const [what, e, kind, temporary] of cases) {
    const f = classify(e);
    t.same([f.kind, f.temporary], [kind, temporary], what);
    t.ok(f instanceof NatsFailure && f.message.length > 0, `${what}: a NatsFailure with a message`);
  }
  const f = classify(new errors.TimeoutError());
  t.equal(classify(f), f, 'a NatsFailure is returned as it is');
});

t.test('ack subjects of pulled messages give sequence, time and pending, in both forms', async (t) => {
  t.same(ackInfo('$JS.ACK.TEST.c1.1.42.7.1700000000000000000.3'), { seq: 42, timestampNanos: 1700000000000000000, pending: 3 });
  t.same(ackInfo('$JS.ACK.hub.ACCHASH.TEST.c1.1.42.7.1700000000000000000.3.tok'), { seq: 42, timestampNanos: 1700000000000000000, pending: 3 });
  for (const bad of ['', 'test.a', '$JS.ACK.TEST.c1.1', '$JS.ACK.TEST.c1.1.x.7.1.3']) t.equal(ackInfo(bad), null, JSON.stringify(bad));
});
