/**
 * `jetgate publish`: stores one publication in JetStream on a channel's subject, as a service
 * would, and prints the sequence it got.
 */
import { ChannelResolver } from '../channels/grammar.js';
import { CONFIG_NOTES, CONFIG_OPTION, NATS_OPTION, commandConfig } from './config.js';
import { UsageError, parseCommand, type CommandSpec } from './usage.js';

export const PUBLISH: CommandSpec = {
  name: 'publish',
  summary: 'Store a publication in JetStream on a channel\'s subject (as a service would) and print its sequence.',
  args: '<channel> <payload>',
  options: {
    ...CONFIG_OPTION,
    ...NATS_OPTION,
    type: { type: 'string', value: 'TYPE', description: 'protobuf type of the payload, sent as the Jetgate-Type header' },
    id: { type: 'string', value: 'KEY', description: 'message id (Nats-Msg-Id): a repeat within the stream\'s duplicate window is stored once' },
  },
  notes: CONFIG_NOTES,
};

export async function publish(argv: string[]): Promise<void> {
  const parsed = parseCommand(PUBLISH, argv);
  if (!parsed) return;
  const [channel, payload, ...extra] = parsed.positionals;
  if (!channel || payload === undefined) throw new UsageError(PUBLISH.name, 'publish needs <channel> <payload>');
  if (extra.length) throw new UsageError(PUBLISH.name, `unexpected argument "${extra[0]}" (quote a payload with spaces)`);
  const config = commandConfig(PUBLISH.name, parsed.values);
  const ref = new ChannelResolver(config).resolve(channel);
  if (ref.wildcard) throw new UsageError(PUBLISH.name, 'publish needs a channel without wildcards');
  const [{ connectOnce }, { storePublication }, { Header }] = await Promise.all([
    import('../nats/connection.js'), import('../nats/store.js'), import('../../proto/headers.js'),
  ]);
  const { nc, js } = await connectOnce(config);
  try {
    const headers: Array<[string, string]> = typeof parsed.values.type === 'string' ? [[Header.Type, parsed.values.type]] : [];
    const data = new TextEncoder().encode(payload);
    const ack = await storePublication(js, { subject: ref.subject, data, headers, msgId: parsed.values.id as string | undefined });
    console.log(`${channel} seq=${ack.seq}${ack.duplicate ? ' (duplicate)' : ''} stream=${ack.stream}`);
  } finally {
    await nc.close();
  }
}
