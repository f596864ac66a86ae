/**
 * The producer helper: what a service uses to publish protobuf events that jetgate delivers to
 * clients (docs/producers.md). One call stores a typed message in JetStream with the headers of
 * the convention (Jetgate-Type, Nats-Msg-Id, traceparent) and returns the stream's ack.
 */
import { context as otelContext, propagation, type Context } from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import '../proto/numbers.js';
import { Header, isReservedHeader } from '../proto/headers.js';

import { typeName, type MessageType } from './types.js';

export { Header } from '../proto/headers.js';
export { callerOf, decodeRequest, respond, type Caller } from './service.js';
export { typeName, type Decoder, type MessageType } from './types.js';

export interface PublishOptions {
  /** Nats-Msg-Id: publishing again with the same id within the stream's window stores it once. */
  msgId?: string;
  /** W3C trace context to pass on; by default taken from `context` (or the active OpenTelemetry context). */
  traceparent?: string;
  tracestate?: string;
  context?: Context;
  /** More headers; names starting with Jetgate- or Nats- are the convention's own and refused. */
  headers?: Record<string, string>;
  /** How long to wait for the stream's ack (ms). */
  timeoutMs?: number;
}

export interface PublishAck {
  stream: string;
  /** The stream sequence clients see as the publication's `seq`. */
  seq: number;
  /** The msgId was seen within the window: stored once, earlier, at `seq`. */
  duplicate: boolean;
}

/** The headers of one publication (Jetgate-Type, trace context, the caller's extra headers). */
export function producerHeaders(type: string, opts: PublishOptions = {}): MsgHdrs {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (isReservedHeader(k)) throw new Error(`header ${k} is reserved: use the option that sets it`);
    h.set(k, v);
  }
  h.set(Header.Type, type);
  if (opts.traceparent) {
    h.set(Header.Traceparent, opts.traceparent);
    if (opts.tracestate) h.set(Header.Tracestate, opts.tracestate);
  } else {
    // A no-op unless the service registered an OpenTelemetry propagator (its SDK does).
    propagation.inject(opts.context ?? otelContext.active(), h, { set: (carrier, key, value) => carrier.set(key, value) });
  }
  return h;
}

export class Producer {
  private readonly js: JetStreamClient;

  constructor(nc: NatsConnection) {
    this.js = jetstream(nc);
  }

  /** Stores `message` as `type` on `subject`; resolves when JetStream has it. */
  async publish<T>(subject: string, type: MessageType<T>, message: T, opts: PublishOptions = {}): Promise<PublishAck> {
    const data = type.encode(message).finish();
    const ack = await this.js.publish(subject, data, {
      headers: producerHeaders(typeName(type), opts),
      ...(opts.msgId ? { msgID: opts.msgId } : {}),
      ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
    });
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  }
}
