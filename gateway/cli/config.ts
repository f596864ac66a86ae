/**
 * The configuration a CLI command runs with: the file (--config, $JETGATE_CONFIG, ./jetgate.json),
 * the environment, then the command's own flags, checked here so that a bad flag is one line about
 * that flag rather than a schema message about the key it sets.
 */
import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { intOption, type OptionSpec, type Parsed } from './usage.js';

export const CONFIG_OPTION: Record<string, OptionSpec> = {
  config: { type: 'string', value: 'FILE', description: 'configuration file (default: $JETGATE_CONFIG, else ./jetgate.json when present)' },
};

export const NATS_OPTION: Record<string, OptionSpec> = {
  nats: { type: 'string', value: 'URL[,URL]', description: 'NATS servers (default: the configuration\'s nats.servers, or $NATS_URL)' },
};

export const CONFIG_NOTES = 'Every configuration key can also be set from the environment (docs/configuration.md).';

function configFile(flag: string | undefined): string | undefined {
  if (flag) return flag;
  if (process.env.JETGATE_CONFIG) return process.env.JETGATE_CONFIG;
  return existsSync('jetgate.json') ? 'jetgate.json' : undefined;
}

export function commandConfig(command: string, values: Parsed['values']): Config {
  const overrides: Record<string, unknown> = {};
  const port = intOption(command, values, 'port', 0, 65535);
  const workers = intOption(command, values, 'workers', 0, 256);
  if (port !== undefined) overrides['websocket.port'] = port;
  if (workers !== undefined) overrides['workers'] = workers;
  if (typeof values.nats === 'string') overrides['nats.servers'] = values.nats.split(',');
  return loadConfig({ file: configFile(values.config as string | undefined), overrides });
}
