/**
 * `jetgate tail <channel>`: prints a channel's publications (with their sequence) through a
 * gateway, using the SDK; resumes from `--since SEQ[:EPOCH]`. Node only.
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { JetgateClient } from '../index.js';
import type { Publication } from '../messages.js';

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
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--since takes SEQ or SEQ:EPOCH, not "${since}"`);
  return { seq: n, epoch: epoch.join(':') };
}

export async function tail(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: process.env.JETGATE_URL ?? 'ws://127.0.0.1:8080/ws' },
      since: { type: 'string' },
      rewind: { type: 'string' },
      json: { type: 'boolean', default: false },
      token: { type: 'string' },
    },
  });
  const channel = positionals[0];
  if (!channel) throw new Error('tail needs a <channel>');
  const client = new JetgateClient({
    url: values.url as string,
    format: values.json ? 'json' : 'proto',
    WebSocket: WebSocket as never,
    name: 'jetgate-cli',
    ...(values.token ? { token: values.token } : {}),
  });
  client.on('state', (s) => console.error(`# ${s}`));
  client.on('error', (e) => console.error(`# error: ${e.message}`));
  client.subscribe(channel, {
    ...(values.since !== undefined ? { since: parseSince(values.since) } : {}),
    ...(values.rewind !== undefined ? { rewind: Number(values.rewind) } : {}),
    onSubscribed: (r) => console.error(`# subscribed to ${r.channel} at ${r.position.seq} (epoch ${r.position.epoch})${values.since !== undefined ? (r.recovered ? ', resumed' : ', NOT recovered: history lost, showing live only') : ''}`),
    onPublication: (p) => console.log(`${p.seq}\t${p.subject ? p.subject + '\t' : ''}${p.type ? p.type + '\t' : ''}${payloadText(p)}`),
    onError: (e) => console.error(`# ${e.message}`),
  });
  process.once('SIGINT', () => {
    client.close();
    process.exit(0);
  });
  await client.connect();
}
