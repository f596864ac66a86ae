/**
 * What a tab joining a channel the worker already subscribes to must get before the live flow:
 * its own start option (`since`, `rewind`, `sinceTime`, `latest`) answered from the channel's
 * history, as the gateway would answer a subscribe. The worker's one gateway subscription is left
 * alone, so the other tabs are never disturbed. Pure: the history read is passed in.
 */
import type { HistoryPage, Publication } from '../messages.js';
import type { StartOptions } from '../position.js';

export type ReadHistory = (o: { fromSeq: number; limit: number; reverse: boolean }) => Promise<HistoryPage>;

export interface Backfill {
  /** Ascending by seq; the caller still drops what the tab already has. */
  pubs: Publication[];
  /** As the gateway's `recovered`: for `since`, whether everything after it follows. */
  recovered: boolean;
}

/** Largest history page the gateway serves. */
const PAGE = 1_000;

/**
 * Reads what `start` asks for, up to the channel's present (at least `upTo`, the seq the worker
 * had delivered when the tab joined: later ones reach the tab live). Reads at most `max`
 * publications; a `since` further back than that is answered `recovered: false` (live from now),
 * the other options get the newest `max` of what they ask for.
 */
export async function backfill(start: StartOptions, read: ReadHistory, upTo: number, max: number, wildcard: boolean): Promise<Backfill> {
  if (start.since) return forward(start.since.seq, start.since.epoch, read, upTo, max);
  const pubs: Publication[] = [];
  const subjects = new Set<string>();
  let fromSeq = 0;
  for (let scanned = 0; scanned < max;) {
    const page = await read({ fromSeq, limit: Math.min(PAGE, max - scanned, start.rewind ? start.rewind - pubs.length : PAGE), reverse: true });
    scanned += page.publications.length;
    for (const p of page.publications) {
      if (start.sinceTime && p.time < start.sinceTime) return { pubs: pubs.reverse(), recovered: true };
      if (start.latest) {
        if (subjects.has(p.subject)) continue;
        subjects.add(p.subject);
      }
      pubs.push(p);
      if ((start.rewind && pubs.length >= start.rewind) || (start.latest && !wildcard)) return { pubs: pubs.reverse(), recovered: true };
    }
    if (!page.nextSeq || !page.publications.length) break;
    fromSeq = page.nextSeq;
  }
  return { pubs: pubs.reverse(), recovered: true };
}

/**
 * Everything after `seq`. Recovered when the publication at `seq` is still held (JetStream trims
 * from the front, so all after it are too), or when nothing at or after it exists in the same
 * stream instance. Otherwise the gateway could not have honoured it either: nothing is replayed.
 */
async function forward(seq: number, epoch: string, read: ReadHistory, upTo: number, max: number): Promise<Backfill> {
  const from = Math.max(seq, 1);
  let page = await read({ fromSeq: from, limit: PAGE, reverse: false });
  const first = page.publications[0];
  const recovered = page.position.epoch === epoch && (first ? first.seq === from : page.position.seq <= seq);
  if (!recovered) return { pubs: [], recovered: false };
  const pubs = page.publications.filter((p) => p.seq > seq);
  while (page.nextSeq && (pubs[pubs.length - 1]?.seq ?? 0) < upTo) {
    if (pubs.length >= max) return { pubs: [], recovered: false };
    page = await read({ fromSeq: page.nextSeq, limit: PAGE, reverse: false });
    if (!page.publications.length) break;
    pubs.push(...page.publications);
  }
  return { pubs, recovered: true };
}
