/**
 * Reads chosen headers from a NATS header block ("NATS/1.0\r\nName: value\r\n…") in one pass,
 * with nats.js's semantics (exact names, first value, trimmed, "" when absent) but without
 * building its map of every header: the live path reads four headers of every message. Pure.
 */
const utf8 = new TextDecoder();

/** The first value of each of `names` (same order). */
export function readHeaders(block: Uint8Array, names: readonly string[]): string[] {
  const out = names.map(() => '');
  const found = names.map(() => false);
  const text = utf8.decode(block);
  let left = names.length;
  // Line 0 is the version (and status); every later line is "Name: value".
  for (let at = text.indexOf('\r\n') + 2; at > 1 && at < text.length && left > 0;) {
    let end = text.indexOf('\r\n', at);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', at);
    if (colon > at && colon < end) {
      for (let i = 0; i < names.length; i++) {
        const name = names[i] as string;
        if (!found[i] && colon - at === name.length && text.startsWith(name, at)) {
          found[i] = true;
          out[i] = text.slice(colon + 1, end).trim();
          left--;
          break;
        }
      }
    }
    at = end + 2;
  }
  return out;
}
