/**
 * Close codes as metric labels, from a closed set. Clients choose the code of a close they start
 * (any of 1000–4999 and beyond): each would be a new `/metrics` series, so only the codes the
 * protocol documents (docs/protocol.md) keep their number and every other one is "other". Pure.
 */
import { CloseCode } from '../../proto/codes.js';

const CLOSE_NAMES = new Map<number, string>([
  ...Object.entries(CloseCode).map(([name, code]) => [code, name] as [number, string]),
  [1005, 'NoStatus'],
  [1006, 'Abnormal'],
  [1009, 'MessageTooBig'],
]);

/** The label every close code outside the documented set shares. */
export const OTHER_CLOSE = 'other';

/** A stable name for a WebSocket close code ('Other' for codes the gateway does not define). */
export function closeReason(code: number): string {
  return CLOSE_NAMES.get(code) ?? 'Other';
}

/** The code's metric label: its number when documented, else "other". */
export function closeCodeLabel(code: number): string {
  return CLOSE_NAMES.has(code) ? String(code) : OTHER_CLOSE;
}
