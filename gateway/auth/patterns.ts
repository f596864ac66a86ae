/**
 * Grant patterns: which channels (or RPC methods) a grant covers. Pure: no I/O.
 *
 *   pattern   = ( namespace | "*" ) ":" segment *( "/" segment )
 *   segment   = "*"                  one segment, any value
 *             | ">"                  (last only) one or more segments
 *             | 1*( [A-Za-z0-9_-] | "{sub}" )   literally, "{sub}" being the connection's user id
 *
 * A pattern covers a target when it covers every channel the target can stand for: `lobby:*`
 * covers `lobby:42` and the wildcard channel `lobby:*`, but `lobby:42` does not cover `lobby:*`.
 * `{sub}` is compared literally and only where the user id is itself a valid segment, so no user id
 * (`*`, `a/b`, `a.b`) can widen a pattern.
 */

const NAMESPACE = /^[a-z][a-z0-9_-]{0,31}$/;
const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;
const LITERAL = /^(?:[A-Za-z0-9_-]|\{sub\})+$/;
const SUB = '{sub}';

/** Longest pattern accepted (a channel name is at most 1024 characters in any configuration). */
export const MAX_PATTERN_LENGTH = 1024;

type Segment = { kind: 'one' } | { kind: 'rest' } | { kind: 'literal'; text: string; perUser: boolean };

export interface Pattern {
  readonly source: string;
  /** A namespace name, or '*' for every namespace. */
  readonly namespace: string;
  readonly segments: readonly Segment[];
}

export class PatternError extends Error {
  override name = 'PatternError';
}

/** Parses a grant pattern; throws PatternError saying what is wrong. */
export function compilePattern(source: string): Pattern {
  if (typeof source !== 'string' || source.length === 0) throw new PatternError('a pattern must be a non-empty string');
  if (source.length > MAX_PATTERN_LENGTH) throw new PatternError(`pattern longer than ${MAX_PATTERN_LENGTH} characters`);
  const colon = source.indexOf(':');
  if (colon < 0) throw new PatternError(`"${source}": a pattern looks like "namespace:name"`);
  const namespace = source.slice(0, colon);
  if (namespace !== '*' && !NAMESPACE.test(namespace)) throw new PatternError(`"${source}": bad namespace "${namespace}"`);
  const parts = source.slice(colon + 1).split('/');
  const segments = parts.map((p, i): Segment => {
    if (p === '*') return { kind: 'one' };
    if (p === '>') {
      if (i !== parts.length - 1) throw new PatternError(`"${source}": ">" may only be the last segment`);
      return { kind: 'rest' };
    }
    if (!LITERAL.test(p) || !SEGMENT.test(p.replaceAll(SUB, 'x'))) {
      throw new PatternError(`"${source}": segments hold letters, digits, "_", "-" and "{sub}", or are "*" or a final ">"`);
    }
    return { kind: 'literal', text: p, perUser: p.includes(SUB) };
  });
  return { source, namespace, segments };
}

/**
 * Whether `pattern` covers `target` ("namespace:a/b", wildcard segments allowed) for user `user`.
 * The target is expected to be validated already (channel grammar); this never widens on bad input.
 */
export function covers(pattern: Pattern, target: string, user: string): boolean {
  const colon = target.indexOf(':');
  if (colon < 0) return false;
  if (pattern.namespace !== '*' && pattern.namespace !== target.slice(0, colon)) return false;
  const segs = target.slice(colon + 1).split('/');
  const ps = pattern.segments;
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i] as Segment;
    if (p.kind === 'rest') return i < segs.length && segs.slice(i).every((s) => s !== '');
    const s = segs[i];
    if (s === undefined || s === '' || s === '>') return false;
    if (p.kind === 'one') continue;
    if (s === '*') return false;
    if (p.perUser) {
      if (!SEGMENT.test(user) || s !== p.text.replaceAll(SUB, user)) return false;
    } else if (s !== p.text) return false;
  }
  return segs.length === ps.length;
}

/** Whether any of `patterns` covers `target`. */
export function coversAny(patterns: readonly Pattern[], target: string, user: string): boolean {
  for (const p of patterns) if (covers(p, target, user)) return true;
  return false;
}
