/**
 * The `history` request: a page of a channel's publications from JetStream, oldest first from
 * `fromSeq`, or newest first ending at `fromSeq` (`reverse`). `readPage` also serves the server API
 * (which adds a time start and a sequence bound). A page is read within one turn of the gateway's
 * read budget, and costs a fixed handful of JetStream calls however large the stream.
 */
import { ErrorCode } from '../../proto/codes.js';
import type { ServerMessage } from '../../proto/codec.js';
import { authorize } from '../auth/identity.js';
import type { ChannelRef, ChannelResolver } from '../channels/grammar.js';
import { ClientError } from '../errors.js';
import { Pub } from '../hub/publication.js';
import type { Streams } from '../nats/streams.js';
import type { Transcoder } from '../schemas/transcoder.js';
import type { Requester } from '../session/request.js';
import type { ClientMessage } from '../../proto/codec.js';
import { headerPicker, type HistoryReader, type PubRecord, type StartAt } from '../history/reader.js';
import { ReadTurns } from '../replay/reads.js';

/** Most publications in one page. */
export const MAX_PAGE = 1_000;

export interface HistoryDeps {
  resolver: ChannelResolver;
  streams: Streams;
  reader: HistoryReader;
  transcoder: Transcoder;
}

/** What a page asks for. */
export interface PageQuery {
  /** Oldest first from here (0: the oldest held); with `reverse`, newest first ending here (0: the newest). */
  fromSeq: number;
  limit: number;
  reverse: boolean;
  /** Oldest first from the first publication stored at or after this time (unix ms); not with `reverse`. */
  sinceTime?: number;
  /** Never past this sequence: the last one of a forward page, the lowest of a reverse page. */
  toSeq?: number;
}

export interface Page {
  records: PubRecord[];
  /** The stream's current position. */
  position: { seq: number; epoch: string };
  /** `fromSeq` of the next page in the same direction; 0 when there is none. */
  nextSeq: number;
}

/** Server API requests: each its own owner, so only the gateway-wide queue bounds them. */
let apiRequests = 0;

/**
 * Reads one page of a channel's publications from JetStream, within a turn of `owner` (a
 * connection id; default: a server API request). Throws ClientError: HistoryUnavailable, or a
 * refused turn (1010, 1024).
 */
export async function readPage(deps: HistoryDeps, ref: ChannelRef, q: PageQuery, owner = `api:${++apiRequests}`): Promise<Page> {
  const turns = new ReadTurns(deps.reader.turns, owner);
  try {
    await turns.hold();
    return await readPageNow(deps, ref, q);
  } finally {
    turns.end();
  }
}

async function readPageNow(deps: HistoryDeps, ref: ChannelRef, q: PageQuery): Promise<Page> {
  const stream = ref.namespace.stream;
  const limit = Math.min(MAX_PAGE, q.limit || 100);
  const info = await deps.streams.info(stream).catch((e: Error) => {
    throw new ClientError(ErrorCode.HistoryUnavailable, `history unavailable: ${e.message}`, true);
  });
  if (!info) throw new ClientError(ErrorCode.HistoryUnavailable, `stream ${stream} does not exist`, true);
  const first = Math.max(1, info.state.first_seq, q.reverse ? q.toSeq ?? 0 : 0);
  const last = info.state.last_seq;
  const pick = headerPicker(ref.namespace.forwardHeaders);
  let records: PubRecord[] = [];
  let nextSeq = 0;
  try {
    if (q.reverse) {
      const end = q.fromSeq ? Math.min(q.fromSeq, last) : last;
      const tail = end < first ? { seq: end + 1, before: 0 } : await deps.reader.tailStart(stream, ref.subject, limit, first, end, last);
      for await (const batch of deps.reader.read({ stream, filter: ref.subject, start: { seq: tail.seq }, untilSeq: end }, pick)) records.push(...batch);
      records.reverse();
      if (tail.before > 0) nextSeq = tail.seq - 1;
    } else {
      const start: StartAt = q.sinceTime && !q.fromSeq ? { time: q.sinceTime } : { seq: Math.max(first, q.fromSeq || first) };
      for await (const batch of deps.reader.read({ stream, filter: ref.subject, start, untilSeq: q.toSeq }, pick)) {
        records.push(...batch);
        if (records.length > limit) break;
      }
      if (records.length > limit) {
        records = records.slice(0, limit);
        nextSeq = (records[records.length - 1] as PubRecord).seq + 1;
      }
    }
  } catch (e) {
    if (e instanceof ClientError) throw e;
    throw new ClientError(ErrorCode.HistoryUnavailable, `history unavailable: ${(e as Error).message}`, true);
  }
  return { records, position: { seq: last, epoch: deps.streams.epoch(stream) }, nextSeq };
}

export function historyHandler(deps: HistoryDeps) {
  return async (from: Requester, req: NonNullable<ClientMessage['history']>): Promise<ServerMessage> => {
    const ref = deps.resolver.resolve(req.channel);
    authorize(from.identity, ref.namespace, 'history', ref.channel);
    const page = await readPage(deps, ref, { fromSeq: req.fromSeq ?? 0, limit: req.limit ?? 0, reverse: req.reverse === true }, from.id);
    const publications = page.records.map((r) => {
      const relative = ref.wildcard ? deps.resolver.relativeName(ref.namespace, r.subject) : undefined;
      return new Pub(ref.channel, r, relative, deps.transcoder).message(from.format === 'json');
    });
    return { history: { channel: ref.channel, publications, position: page.position, nextSeq: page.nextSeq } };
  };
}
