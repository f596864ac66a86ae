/**
 * A publication as the hub holds it, with its frames encoded lazily once per wire format and kept:
 * every subscriber of a format shares the same bytes.
 */
import { encodeServer, type Format, type Publication } from '../../proto/codec.js';
import type { PubRecord } from '../history/reader.js';
import type { Transcoder } from '../schemas/transcoder.js';
import type { Span } from '../telemetry/tracing.js';

/** What a held publication costs besides its payload and subject: the objects, the time, the slot. */
const PUB_OVERHEAD = 400;

export class Pub {
  private proto: Uint8Array | undefined;
  private json: string | undefined;
  /** Receive span of a traced live publication, until its fan-out. */
  span: Span | undefined = undefined;

  constructor(
    readonly channel: string,
    readonly rec: PubRecord,
    /** Channel-relative subject, for wildcard channels. */
    private readonly relative: string | undefined,
    private readonly transcoder: Transcoder,
  ) {}

  get seq(): number {
    return this.rec.seq;
  }

  /** Estimated memory while held: the payload and, once encoded, a frame per format (window budgets count it). */
  get bytes(): number {
    return PUB_OVERHEAD + this.rec.subject.length + this.rec.data.length * 3;
  }

  frame(format: 'proto'): Uint8Array;
  frame(format: 'json'): string;
  frame(format: Format): Uint8Array | string;
  frame(format: Format): Uint8Array | string {
    if (format === 'proto') return (this.proto ??= encodeServer('proto', { pub: this.message(false) }));
    return (this.json ??= encodeServer('json', { pub: this.message(true) }));
  }

  /** The publication as a protocol message (JSON subprotocol: payload transcoded where possible). */
  message(asJson: boolean): Publication {
    const { seq, data, type, time, headers } = this.rec;
    const pub: Publication = { channel: this.channel, seq, time };
    if (type) pub.type = type;
    if (headers) pub.headers = headers;
    if (this.relative) pub.subject = this.relative;
    const decoded = asJson ? this.transcoder.toJson(type, data) : undefined;
    if (decoded !== undefined) pub.json = decoded;
    else pub.data = data;
    return pub;
  }
}
