/**
 * Latency histograms (HdrHistogram, microseconds, 3 significant digits). Load-generator processes
 * ship theirs as compressed base64; the orchestrator merges them.
 */
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** Up to 60 s in µs, 3 significant digits; larger values are clamped (and show as the max). */
const HIGHEST = 60_000_000;

export function newHistogram(): Histogram {
  return hdr.build({ bitBucketSize: 'packed', lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST, numberOfSignificantValueDigits: 3, autoResize: false });
}

export function record(h: Histogram, micros: number): void {
  h.recordValue(Math.min(HIGHEST, Math.max(1, Math.round(micros))));
}

export function encode(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Merges encoded histograms into a new one. */
export function merge(encoded: readonly string[]): Histogram {
  const out = newHistogram();
  for (const e of encoded) {
    const h = hdr.decodeFromCompressedBase64(e, 'packed');
    out.add(h);
    h.destroy();
  }
  return out;
}

export interface LatencySummary {
  count: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export function summarize(h: Histogram): LatencySummary {
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}
