/**
 * `jetgate token`: mints a development connection token (HS256) with the configured secret, claim
 * names, audience and issuer, and prints it. Production tokens come from the app's own backend.
 */
import { parseJson } from '../../proto/safe-json.js';
import { CONFIG_NOTES, CONFIG_OPTION, commandConfig } from './config.js';
import { UsageError, intOption, parseCommand, type CommandSpec } from './usage.js';

export const TOKEN: CommandSpec = {
  name: 'token',
  summary: 'Print a development connection token (HS256, signed with auth.hmacSecret).',
  options: {
    ...CONFIG_OPTION,
    sub: { type: 'string', value: 'USER', description: 'user id (required)' },
    subscribe: { type: 'string', value: 'PATTERN', description: 'channel pattern the token may subscribe to, read history and presence of', multiple: true },
    publish: { type: 'string', value: 'PATTERN', description: 'channel pattern the token may publish to', multiple: true },
    rpc: { type: 'string', value: 'PATTERN', description: 'RPC method pattern the token may call', multiple: true },
    info: { type: 'string', value: 'JSON', description: 'free-form information (a JSON object) passed to services and presence' },
    ttl: { type: 'string', value: 'SECONDS', description: 'lifetime (default 3600)' },
  },
  notes: `The claim names, auth.audience and auth.issuer (the first of each) come from the configuration.\n${CONFIG_NOTES}`,
};

const DEFAULT_TTL_SEC = 3600;

export async function token(argv: string[]): Promise<void> {
  const parsed = parseCommand(TOKEN, argv);
  if (!parsed) return;
  const { values } = parsed;
  if (parsed.positionals.length) throw new UsageError(TOKEN.name, `unexpected argument "${parsed.positionals[0]}"`);
  if (typeof values.sub !== 'string' || values.sub === '') throw new UsageError(TOKEN.name, 'token needs --sub USER');
  const ttlSec = intOption(TOKEN.name, values, 'ttl', 1, 366 * 86_400) ?? DEFAULT_TTL_SEC;
  let info: unknown;
  if (typeof values.info === 'string') {
    try {
      info = parseJson(values.info); // the gateway refuses tokens whose claims could reach a prototype
    } catch {
      info = undefined;
    }
    if (!info || typeof info !== 'object' || Array.isArray(info)) throw new UsageError(TOKEN.name, '--info takes a JSON object, e.g. \'{"name":"Ann"}\'');
  }
  const { auth } = commandConfig(TOKEN.name, values);
  if (!auth.hmacSecret) throw new UsageError(TOKEN.name, 'token signs with auth.hmacSecret, which the configuration does not set (JETGATE_AUTH_HMAC_SECRET)');
  const claims: Record<string, unknown> = {};
  for (const kind of ['subscribe', 'publish', 'rpc'] as const) {
    const patterns = values[kind];
    if (Array.isArray(patterns) && patterns.length) claims[auth.claims[kind]] = patterns;
  }
  if (info) claims[auth.claims.info] = info;
  if (auth.claims.user !== 'sub') claims[auth.claims.user] = values.sub;
  const { mintToken } = await import('../auth/mint.js');
  const minted = await mintToken(claims, { secret: auth.hmacSecret, subject: values.sub, ttlSec, audience: auth.audience[0], issuer: auth.issuer[0] });
  console.log(minted.token);
}
