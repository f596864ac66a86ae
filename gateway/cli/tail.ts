/**
 * `jetgate tail <channel>`: prints a channel's publications (with their sequence) through a
 * gateway, using the client SDK; resumes from `--since SEQ[:EPOCH]`. It says where it connects and
 * why a connection dropped, and exits with 1 on an error retrying cannot fix (a bad channel, a
 * refused token, no permission).
 */
import type { JetgateError } from '../../client/errors.js';
import type { Publication } from '../../client/messages.js';
import { UsageError, intOption, parseCommand, type CommandSpec } from './usage.js';

export const TAIL: CommandSpec = {
  name: 'tail',
  summary: 'Print a channel\'s publications through a gateway (sequence, then payload), live, from a position or rewound.',
  args: '<channel>',
  options: {
    url: { type: 'string', value: 'WS_URL', description: 'gateway URL (default: $JETGATE_URL, else ws://127.0.0.1:8080/ws)' },
    since: { type: 'string', value: 'SEQ[:EPOCH]', description: 'resume after this sequence (what a previous tail printed last)' },
    rewind: { type: 'string', value: 'N', description: 'start with the channel\'s last N publications' },
    json: { type: 'boolean', description: 'use the JSON subprotocol (payloads transcoded by the gateway)' },
    token: { type: 'string', value: 'JWT', description: 'connection token (see jetgate token)' },
  },
  notes: 'Runs until interrupted (Ctrl-C: exit 0). Lines starting with "#" go to stderr.',
};

function payloadText(p: Publication): string {
  if (p.json !== undefined) return JSON.stringify(p.json);
  const bytes = p.data ?? new Uint8Array();
  const text = Buffer.from(bytes).toString('utf8');
  // Show text as text; anything else (protobuf without a schema) as base64.
  return /^[\P{Cc}\t\n\r]*$/u.test(text) && !text.includes('\uFFFD') ? text : `base64:${Buffer.from(bytes).toString('base64')}`;
}

function parseSince(since: string): { seq: number; epoch: string } {
  const [seq, ...epoch] = since.split(':');
  const n = Number(seq);
  if (!/^\d+$/.test(seq ?? '') || !Number.isSafeInteger(n)) throw new UsageError(TAIL.name, `--since takes SEQ or SEQ:EPOCH, not "${since}"`);
  return { seq: n, epoch: epoch.join(':') };
}

export async function tail(argv: string[]): Promise<void> {
  const parsed = parseCommand(TAIL, argv);
  if (!parsed) return;
  const { values, positionals } = parsed;
  const channel = positionals[0];
  if (!channel) throw new UsageError(TAIL.name, 'tail needs a <channel>');
  const since = typeof values.since === 'string' ? parseSince(values.since) : undefined;
  const rewind = intOption(TAIL.name, values, 'rewind', 1, 1_000_000);
  const url = typeof values.url === 'string' ? values.url : (process.env.JETGATE_URL ?? 'ws://127.0.0.1:8080/ws');
  const [{ default: WebSocket }, { JetgateClient }] = await Promise.all([import('ws'), import('../../client/index.js')]);
  const client = new JetgateClient({
    url,
    format: values.json ? 'json' : 'proto',
    WebSocket: WebSocket as never,
    name: 'jetgate-cli',
    ...(typeof values.token === 'string' ? { token: values.token } : {}),
  });
  let fail: (e: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const fatal = (e: JetgateError) => {
    client.close();
    fail(new Error(`${e.message}${e.code ? ` [${e.code}]` : ''}`));
  };
  client.on('state', (s) => {
    if (s === 'connecting') console.error(`# connecting to ${url}`);
    else if (s === 'connected') console.error(`# connected to ${url}`);
  });
  client.on('disconnected', ({ code, reason, reconnectInMs }) => {
    const why = reason || (code === 1006 ? 'the connection failed or dropped' : `close code ${code}`);
    console.error(`# disconnected from ${url}: ${why} (code ${code})${reconnectInMs !== undefined ? `; retrying in ${Math.round(reconnectInMs)} ms` : ''}`);
  });
  client.on('error', (e) => {
    if (e.kind === 'closed') return fatal(e);
    console.error(`# error: ${e.message}`);
  });
  client.subscribe(channel, {
    ...(since ? { since } : {}),
    ...(rewind !== undefined ? { rewind } : {}),
    onSubscribed: (r) => console.error(`# subscribed to ${r.channel} at ${r.position.seq} (epoch ${r.position.epoch})${since ? (r.recovered ? ', resumed' : ', NOT recovered: history lost, showing live only') : ''}`),
    onPublication: (p) => console.log(`${p.seq}\t${p.subject ? p.subject + '\t' : ''}${p.type ? p.type + '\t' : ''}${payloadText(p)}`),
    onError: (e) => (e.temporary ? console.error(`# ${e.message} (retrying)`) : fatal(e)),
  });
  process.once('SIGINT', () => {
    client.close();
    process.exit(0);
  });
  await Promise.race([client.connect(), failed]);
  await failed;
}
