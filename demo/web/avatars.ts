/**
 * Avatar colours of the lobby page, by seat as in most games: the first player (the lobby's
 * creator) is blue, the next orange, then green, pink, ... So the people shown together have
 * clearly different colours (a lobby holds at most 8 players, as many as the palette's colours),
 * and every screen showing the same roster shows the same colours. A player keeps their colour
 * unless someone who joined before them leaves. Pure: no DOM, unit-tested.
 */

/**
 * Eight colours, the most different first (CIE76 ΔE ≥ 28 between any two, ≥ 50 among the first
 * four), each with a contrast of at least 4.2 against the white initial on it.
 */
export const PALETTE = ['#2f6fde', '#c8571b', '#23884a', '#c2306a', '#8348c8', '#8c7a12', '#0f7f86', '#65708a'] as const;

/** A colour per distinct id, in the order the ids first appear; after 8 the colours repeat. */
export function avatarColors(ids: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const id of ids) if (!out.has(id)) out.set(id, PALETTE[out.size % PALETTE.length]!);
  return out;
}
