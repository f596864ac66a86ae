/** The `presence` request: who is subscribed to a channel, on every gateway node. */
import { ErrorCode } from '../../proto/codes.js';
import type { ClientMessage, ServerMessage } from '../../proto/codec.js';
import { authorize } from '../auth/identity.js';
import type { ChannelRef, ChannelResolver } from '../channels/grammar.js';
import { ClientError } from '../errors.js';
import type { PresenceEntry } from '../presence/keys.js';
import { tracksPresence, type Presence } from '../presence/presence.js';
import type { Requester } from '../session/request.js';

/** Resolves a channel whose presence may be read; throws ClientError otherwise. */
export function presenceChannel(resolver: ChannelResolver, channel: unknown): ChannelRef {
  const ref = resolver.resolve(channel);
  if (ref.wildcard) throw new ClientError(ErrorCode.BadChannel, 'presence is kept for channels without wildcards');
  if (!tracksPresence(ref)) throw new ClientError(ErrorCode.PresenceNotEnabled, `presence is not enabled for namespace "${ref.namespace.name}"`);
  return ref;
}

/**
 * Reads the channel's entries (at most `limits.presence.maxListed`); past the read budget
 * Overloaded, a NATS failure Unavailable (both temporary).
 */
export async function listPresence(presence: Presence | undefined, ref: ChannelRef): Promise<PresenceEntry[]> {
  if (!presence) throw new ClientError(ErrorCode.PresenceNotEnabled, 'presence is not enabled');
  try {
    return await presence.list(ref.channel);
  } catch (e) {
    if (e instanceof ClientError) throw e;
    throw new ClientError(ErrorCode.Unavailable, `presence unavailable: ${(e as Error).message}`, true);
  }
}

export function presenceHandler(resolver: ChannelResolver, presence: Presence | undefined) {
  return async (from: Requester, req: NonNullable<ClientMessage['presence']>): Promise<ServerMessage> => {
    const ref = presenceChannel(resolver, req.channel);
    authorize(from.identity, ref.namespace, 'presence', ref.channel);
    const clients = (await listPresence(presence, ref)).map(({ user, clientId, info }) => ({ user, clientId, info }));
    return { presence: { channel: ref.channel, clients } };
  };
}
