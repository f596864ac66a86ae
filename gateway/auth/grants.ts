/**
 * Grants: the channel and method patterns a connection may use, per kind of right. They come from
 * the token (claims) and from namespace configuration (`namespaces[].grants`). Pure: no I/O.
 */
import { compilePattern, PatternError, type Pattern } from './patterns.js';

/** Kinds of rights a grant gives: reading a channel, publishing to it, calling a method. */
export type GrantKind = 'subscribe' | 'publish' | 'rpc';

export type Grants = Readonly<Record<GrantKind, readonly Pattern[]>>;

export const NO_GRANTS: Grants = Object.freeze({ subscribe: [], publish: [], rpc: [] });

/** Most patterns in one grant list (each request scans the list). */
export const MAX_GRANT_PATTERNS = 256;

/** Compiles a list of pattern strings; throws PatternError naming the list. */
export function compileGrantList(what: string, list: unknown): Pattern[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new PatternError(`${what}: must be a list of patterns`);
  if (list.length > MAX_GRANT_PATTERNS) throw new PatternError(`${what}: more than ${MAX_GRANT_PATTERNS} patterns`);
  return list.map((p: unknown) => {
    if (typeof p !== 'string') throw new PatternError(`${what}: patterns must be strings`);
    try {
      return compilePattern(p);
    } catch (e) {
      throw new PatternError(`${what}: ${(e as Error).message}`);
    }
  });
}

/** Compiles grant lists by kind (e.g. `{subscribe: ["lobby:*"]}`); missing kinds grant nothing. */
export function compileGrants(what: string, lists: Partial<Record<GrantKind, unknown>>): Grants {
  return {
    subscribe: compileGrantList(`${what}.subscribe`, lists.subscribe),
    publish: compileGrantList(`${what}.publish`, lists.publish),
    rpc: compileGrantList(`${what}.rpc`, lists.rpc),
  };
}
