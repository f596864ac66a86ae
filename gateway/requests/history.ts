/**
 * The `history` request: a page of a channel's publications from JetStream, oldest first from
 * `fromSeq`, or newest first ending at `fromSeq` (`reverse`).
 */
import { ErrorCode } from '../../proto/codes.js';
import type { ServerMessage } from '../../proto/codec.js';
import { authorize } from '../auth/identity.js';
import type { ChannelResolver } from '../channels/grammar.js';
import { ClientError } from '../errors.js';
import { Pub } from '../hub/publication.js';
import type { Streams } from '../nats/streams.js';
import type { Transcoder } from '../schemas/transcoder.js';
import type { Requester } from '../session/request.js';
import type { ClientMessage } from '../../proto/codec.js';
import { headerPicker, type HistoryReader, type PubRecord } from '../history/reader.js';

/** Most publications in one page. */
export const MAX_PAGE = 1_000;

export interface HistoryDeps {
  resolver: ChannelResolver;
  streams: Streams;
  reader: HistoryReader;
  transcoder: Transcoder;
}

export function historyHandler(deps: HistoryDeps) {
  return async (from: Requester, req: NonNullable<ClientMessage['history']>): Promise<ServerMessage> => {
    const ref = deps.resolver.resolve(req.channel);
    authorize(from.identity, ref.namespace, 'history', ref.channel);
    const limit = Math.min(MAX_PAGE, req.limit || 100);
    const info = await deps.streams.info(ref.namespace.stream).catch((e: Error) => {
      throw new ClientError(ErrorCode.HistoryUnavailable, `history unavailable: ${e.message}`, true);
    });
    if (!info) throw new ClientError(ErrorCode.HistoryUnavailable, `stream ${ref.namespace.stream} does not exist`, true);
    const first = Math.max(1, info.state.first_seq);
    const last = info.state.last_seq;
    const pick = headerPicker(ref.namespace.forwardHeaders);
    let records: PubRecord[] = [];
    let nextSeq = 0;
    try {
      if (req.reverse) {
        const end = req.fromSeq ? Math.min(req.fromSeq, last) : last;
        const start = end < first ? end + 1 : await deps.reader.rewindStart(ref.namespace.stream, ref.subject, limit, first, end);
        for await (const batch of deps.reader.read({ stream: ref.namespace.stream, filter: ref.subject, start: { seq: start }, untilSeq: end }, pick)) records.push(...batch);
        records.reverse();
        const older = start > first
          ? (await deps.reader.countFrom(ref.namespace.stream, ref.subject, first)) - (await deps.reader.countFrom(ref.namespace.stream, ref.subject, start))
          : 0;
        if (older > 0) nextSeq = start - 1;
      } else {
        const start = Math.max(first, req.fromSeq || first);
        for await (const batch of deps.reader.read({ stream: ref.namespace.stream, filter: ref.subject, start: { seq: start } }, pick)) {
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
    const publications = records.map((r) => {
      const relative = ref.wildcard ? deps.resolver.relativeName(ref.namespace, r.subject) : undefined;
      return new Pub(ref.channel, r, relative, deps.transcoder).message(from.format === 'json');
    });
    return { history: { channel: ref.channel, publications, position: { seq: last, epoch: deps.streams.epoch(ref.namespace.stream) }, nextSeq } };
  };
}
