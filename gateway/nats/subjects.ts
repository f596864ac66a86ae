/** NATS subject matching (tokens, "*" and ">"). Pure. */

/** True when `subject` (which may itself hold wildcards) falls entirely under `pattern`. */
export function subjectCovered(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const pt = p[i];
    if (pt === '>') return i < s.length;
    const st = s[i];
    if (st === undefined) return false;
    if (st === '>') return false;
    if (pt !== '*' && pt !== st) return false;
    if (pt !== '*' && st === '*') return false;
  }
  return p.length === s.length;
}
