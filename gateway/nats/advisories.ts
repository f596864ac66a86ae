/**
 * JetStream advisories the gateway acts on. RePublish is done by a stream's leader only, so when a
 * NATS node dies and another replica takes over, what the old leader republished just before may
 * never have arrived: a new leader is the cue to re-read the stream's active channels.
 */
import type { NatsConnection, Subscription } from './connection.js';

const LEADER_ELECTED = '$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED';

/** Calls `elected(stream)` whenever a stream of the account gets a new leader (clustered streams only). */
export function watchStreamLeaders(nc: NatsConnection, elected: (stream: string) => void): Subscription {
  return nc.subscribe(`${LEADER_ELECTED}.*`, {
    callback: (err, msg) => {
      if (!err) elected(msg.subject.slice(LEADER_ELECTED.length + 1));
    },
  });
}
