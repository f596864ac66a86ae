/**
 * Spans of the gateway. nats.js has no OpenTelemetry instrumentation: a producer's W3C
 * `traceparent` is read from the NATS message headers (RePublish and JetStream reads keep them)
 * and the gateway's spans continue that trace.
 *
 *   jetgate.receive  a live publication, from its arrival to its hand-off to the fan-out; child of
 *                    the producer's span. Only for messages that carry a traceparent.
 *   jetgate.deliver  the fan-out of the event-loop turn's batch that carried it (one per traced
 *                    publication per node, never one per socket): subscriber count, batch size.
 *   jetgate.recover  a channel filling a live-path gap from JetStream; child of the receive span
 *                    of the message that revealed the gap, else a root span.
 *   jetgate.replay   a subscription replaying what a client missed (resume, rewind), root span.
 *
 * Sampling is parent-based: a producer's sampled flag decides for its messages; spans the gateway
 * starts itself are sampled at `telemetry.traceSampleRatio`. Without traces configured every
 * method returns undefined at the cost of one check.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type TextMapGetter, type Tracer } from '@opentelemetry/api';

export type { Span };
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Header } from '../../proto/headers.js';
import type { MsgHdrs } from '../nats/connection.js';


/** W3C trace context from NATS message headers. */
export const natsHeaderGetter: TextMapGetter<MsgHdrs> = {
  keys: (h) => h.keys(),
  get: (h, key) => h.get(key) || undefined,
};

const propagator = new W3CTraceContextPropagator();

/** The sampled bit of a version-00 traceparent (`00-<trace id>-<span id>-<flags>`); other versions: true. */
export function sampledFlag(traceparent: string): boolean {
  if (!traceparent.startsWith('00-') || traceparent.length !== 55) return true;
  return (parseInt(traceparent.slice(53), 16) & 1) === 1;
}

export class Tracing {
  constructor(private readonly tracer: Tracer | undefined) {}

  get enabled(): boolean {
    return this.tracer !== undefined;
  }

  /** A receive span continuing the producer's trace; undefined when untraced or not sampled. */
  receive(h: MsgHdrs | undefined, channel: string, subject: string, seq: number): Span | undefined {
    if (!this.tracer || !h) return undefined;
    // The parent-based sampler drops what the producer did not sample: decide that before paying
    // for context extraction and a non-recording span.
    const tp = h.get(Header.Traceparent);
    if (!tp || !sampledFlag(tp)) return undefined;
    const parent = propagator.extract(ROOT_CONTEXT, h, natsHeaderGetter);
    const span = this.tracer.startSpan('jetgate.receive', {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.operation.type': 'receive',
        'messaging.destination.name': subject,
        'jetgate.channel': channel,
        'jetgate.seq': seq,
      },
    }, parent);
    return span.isRecording() ? span : undefined;
  }

  /** Records the fan-out of a batch for a traced publication, then ends its receive span. */
  delivered(receive: Span, startTime: number, subscribers: number, batch: number): void {
    this.tracer?.startSpan('jetgate.deliver', {
      startTime,
      attributes: { 'jetgate.subscribers': subscribers, 'messaging.batch.message_count': batch },
    }, trace.setSpan(ROOT_CONTEXT, receive)).end();
    receive.end();
  }

  /** A channel's gap recovery from `fromSeq`; `cause` is the receive span that revealed the gap. */
  recover(channel: string, fromSeq: number, cause: Span | undefined): Span | undefined {
    return this.start('jetgate.recover', { 'jetgate.channel': channel, 'jetgate.from_seq': fromSeq }, cause);
  }

  /** A subscription's replay; `how` is the subscribe option that asked for it. */
  replay(channel: string, how: string): Span | undefined {
    return this.start('jetgate.replay', { 'jetgate.channel': channel, 'jetgate.replay': how }, undefined);
  }

  private start(name: string, attributes: Record<string, string | number>, parent: Span | undefined): Span | undefined {
    if (!this.tracer) return undefined;
    const span = this.tracer.startSpan(name, { attributes }, parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT);
    return span.isRecording() ? span : undefined;
  }
}

/** Ends a span with the outcome of the work it covered. */
export function endSpan(span: Span | undefined, err?: unknown, attributes?: Record<string, string | number | boolean>): void {
  if (!span) return;
  if (attributes) span.setAttributes(attributes);
  if (err !== undefined) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
  }
  span.end();
}
