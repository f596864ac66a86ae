/**
 * The server API (/api/v1), for the application's backend: every route needs an API key.
 * Channel names travel in the query or the body (they hold ":" and "/").
 */
import type { FastifyInstance } from 'fastify';
import { Pub } from '../../hub/publication.js';
import { readPage } from '../../requests/history.js';
import { listPresence, presenceChannel } from '../../requests/presence.js';
import { keyChecker, presentedKey } from '../auth.js';
import type { Target } from '../commands.js';
import { ApiError } from '../errors.js';
import { payloadOf, publishTo } from '../publish.js';
import {
  ChannelQuery, ChannelsResult, CommandResult, DisconnectBody, HistoryQuery, HistoryResult, PresenceResult, PublishBody,
  PublishResult, UnsubscribeBody, errors,
} from '../schemas.js';
import type { ControlDeps } from '../deps.js';

function targetOf(body: { user?: string; clientId?: string }): Target {
  return body.user !== undefined ? { user: body.user } : { clientId: body.clientId as string };
}

export function registerApi(api: FastifyInstance, deps: ControlDeps): void {
  const { config, resolver, history } = deps;
  const valid = keyChecker(config.control.apiKeys);
  const noKeys = config.control.apiKeys.length === 0;
  api.addHook('onRequest', async (req) => {
    if (valid(presentedKey(req.headers))) return;
    throw new ApiError('Unauthorized', noKeys ? 'the server API is off: no API keys configured (control.apiKeys)' : 'a valid API key is required (Authorization: Bearer <key>)');
  });
  const common = { tags: ['server API'], security: [{ apiKey: [] }] };

  api.post<{ Body: PublishBody }>('/publish', {
    schema: {
      ...common,
      summary: 'Publish to a channel (stored in JetStream, delivered to subscribers on every node)',
      body: PublishBody,
      response: { 200: PublishResult, ...errors(400, 401, 404, 413, 502, 503) },
    },
  }, async (req) => {
    const ref = resolver.resolve(req.body.channel);
    const data = payloadOf(req.body, history.transcoder);
    return { channel: ref.channel, ...(await publishTo(deps.js, ref, req.body, data)) };
  });

  api.get<{ Querystring: HistoryQuery }>('/history', {
    schema: {
      ...common,
      summary: 'A page of a channel\'s history: by sequence range, or from a time',
      querystring: HistoryQuery,
      response: { 200: HistoryResult, ...errors(400, 401, 404, 503) },
    },
  }, async (req) => {
    const q = req.query;
    if (q.reverse && q.sinceTime) throw new ApiError('ValidationFailed', 'sinceTime pages forward only: leave out reverse');
    const ref = resolver.resolve(q.channel);
    const page = await readPage(history, ref, { fromSeq: q.fromSeq ?? 0, limit: q.limit ?? 100, reverse: q.reverse ?? false, sinceTime: q.sinceTime, toSeq: q.toSeq });
    const publications = page.records.map((r) => {
      const relative = ref.wildcard ? resolver.relativeName(ref.namespace, r.subject) : undefined;
      const { data, ...rest } = new Pub(ref.channel, r, relative, history.transcoder).message(true);
      return data ? { ...rest, data: Buffer.from(data).toString('base64') } : rest;
    });
    return { channel: ref.channel, publications, position: page.position, nextSeq: page.nextSeq };
  });

  api.get<{ Querystring: ChannelQuery }>('/presence', {
    schema: {
      ...common,
      summary: 'Who is subscribed to a channel, on every node',
      querystring: ChannelQuery,
      response: { 200: PresenceResult, ...errors(400, 401, 404, 409, 503) },
    },
  }, async (req) => {
    const ref = presenceChannel(resolver, req.query.channel);
    return { channel: ref.channel, clients: await listPresence(deps.presence, ref) };
  });

  api.get('/channels', {
    schema: { ...common, summary: 'Channels active on this node, with their local subscriber counts', response: { 200: ChannelsResult, ...errors(401) } },
  }, async () => ({ node: config.nodeId ?? '', channels: deps.hub.list() }));

  api.post<{ Body: DisconnectBody }>('/disconnect', {
    schema: {
      ...common,
      summary: 'Disconnect a user (every connection) or one connection, on every node',
      description: 'Clients get Disconnect with code 4006 (Kicked) and do not reconnect on their own.',
      body: DisconnectBody,
      response: { 200: CommandResult, ...errors(400, 401, 503) },
    },
  }, async (req) => deps.commands.run({ op: 'disconnect', target: targetOf(req.body), reason: req.body.reason ?? '' }));

  api.post<{ Body: UnsubscribeBody }>('/unsubscribe', {
    schema: {
      ...common,
      summary: 'End a user\'s (or one connection\'s) subscription to a channel, on every node',
      description: 'Clients get Unsubscribed with code 2002 (ServerUnsubscribe) and resubscribe: false.',
      body: UnsubscribeBody,
      response: { 200: CommandResult, ...errors(400, 401, 404, 503) },
    },
  }, async (req) => {
    const ref = resolver.resolve(req.body.channel);
    return deps.commands.run({ op: 'unsubscribe', target: targetOf(req.body), channel: ref.channel, reason: req.body.reason ?? '' });
  });

}
