/**
 * Payloads carry the time they were meant to be sent: 16 ASCII digits of microseconds on the
 * monotonic clock (CLOCK_MONOTONIC, shared by every process on the machine), then filler up to the
 * payload size. ASCII, so the same bytes travel as a binary payload, a NATS message body and a
 * Socket.IO string alike.
 */
export const STAMP_DIGITS = 16;

/** Microseconds on the machine-wide monotonic clock. */
export function nowMicros(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + Math.floor(ns / 1e3);
}

/** A payload of `size` bytes (at least STAMP_DIGITS) with room for a stamp at its start. */
export function makePayload(size: number): Buffer {
  if (size < STAMP_DIGITS) throw new Error(`payloads must hold at least ${STAMP_DIGITS} bytes`);
  return Buffer.alloc(size, 0x2e); // '.'
}

/** Writes `micros` into the payload's first STAMP_DIGITS bytes. */
export function writeStamp(payload: Buffer, micros: number): void {
  let v = Math.floor(micros);
  for (let i = STAMP_DIGITS - 1; i >= 0; i--) {
    payload[i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
}

/** Reads a stamp at `offset`; NaN when the bytes there are not one. */
export function readStamp(buf: Uint8Array, offset: number): number {
  if (offset + STAMP_DIGITS > buf.length) return NaN;
  let v = 0;
  for (let i = offset; i < offset + STAMP_DIGITS; i++) {
    const d = (buf[i] as number) - 0x30;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}
