/**
 * One typed classification of what goes wrong when the gateway talks to NATS, so callers decide
 * on a kind (and whether trying again soon may work) instead of matching the client library's
 * error classes or messages. Temporary: no answer in time, nobody answering (JetStream restarting,
 * a leader election, no stream storing the subject yet), JetStream reporting itself unavailable,
 * the connection lost or closing. Not temporary: a missing stream, consumer or message, a
 * permission refused, a request JetStream rejected (a wrong expected sequence, a payload too
 * large), anything else.
 */
import { errors } from '@nats-io/nats-core';
import { JetStreamApiError } from '@nats-io/jetstream';
import { jserrors } from '@nats-io/jetstream/internal';

export type NatsFailureKind =
  | 'timeout'
  | 'no-responders'
  | 'jetstream-unavailable'
  | 'disconnected'
  | 'not-found'
  | 'permission'
  | 'bad-request'
  | 'failed';

const TEMPORARY: ReadonlySet<NatsFailureKind> = new Set(['timeout', 'no-responders', 'jetstream-unavailable', 'disconnected']);

export class NatsFailure extends Error {
  readonly temporary: boolean;

  constructor(readonly kind: NatsFailureKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NatsFailure';
    this.temporary = TEMPORARY.has(kind);
  }
}

function kindOf(e: unknown): NatsFailureKind {
  if (e instanceof errors.TimeoutError) return 'timeout';
  if (e instanceof errors.NoRespondersError) return 'no-responders';
  if (e instanceof errors.RequestError) {
    if (e.cause !== undefined) return kindOf(e.cause);
    return /disconnect/i.test(e.message) ? 'disconnected' : 'failed';
  }
  if (e instanceof jserrors.JetStreamNotEnabled) return 'jetstream-unavailable';
  if (e instanceof JetStreamApiError) {
    if (e.status === 404) return 'not-found';
    if (e.status === 503) return 'jetstream-unavailable';
    if (e.status === 403) return 'permission';
    return e.status === 400 ? 'bad-request' : 'failed';
  }
  if (e instanceof errors.ConnectionError || e instanceof errors.ClosedConnectionError || e instanceof errors.DrainingConnectionError) return 'disconnected';
  if (e instanceof errors.PermissionViolationError || e instanceof errors.AuthorizationError) return 'permission';
  if (e instanceof errors.InvalidSubjectError || e instanceof errors.InvalidArgumentError) return 'bad-request';
  return 'failed';
}

/** What a failure of a NATS call was (a NatsFailure is returned as it is). */
export function classify(e: unknown): NatsFailure {
  if (e instanceof NatsFailure) return e;
  return new NatsFailure(kindOf(e), e instanceof Error ? e.message : String(e), { cause: e });
}
