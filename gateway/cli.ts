/**
 * The `jetgate` command: serve (the gateway), tail (print a channel's publications through a
 * gateway, with the client SDK), publish (store a publication in JetStream).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { ChannelResolver } from './channels/grammar.js';
import { loadConfig, ConfigError } from './config/load.js';
import type { Config } from './config/schema.js';
import { JetgateError, ClientError } from './errors.js';

const USAGE = `Usage:
  jetgate serve   [--config FILE] [--port N] [--nats URL] [--workers N]
  jetgate tail    <channel> [--url WS_URL] [--since SEQ[:EPOCH]] [--rewind N] [--json]
  jetgate publish <channel> <payload> [--config FILE] [--nats URL] [--type TYPE] [--id KEY]

  --config defaults to $JETGATE_CONFIG, else ./jetgate.json when present. Every key can also be set
  from the environment (docs/configuration.md); NATS_URL sets the NATS servers.`;

function configFile(flag: string | undefined): string | undefined {
  if (flag) return flag;
  if (process.env.JETGATE_CONFIG) return process.env.JETGATE_CONFIG;
  return existsSync('jetgate.json') ? 'jetgate.json' : undefined;
}

function load(values: { config?: string; port?: string; nats?: string; workers?: string }): Config {
  const overrides: Record<string, unknown> = {};
  if (values.port !== undefined) overrides['websocket.port'] = Number(values.port);
  if (values.workers !== undefined) overrides['workers'] = Number(values.workers);
  if (values.nats !== undefined) overrides['nats.servers'] = values.nats.split(',');
  return loadConfig({ file: configFile(values.config), overrides });
}

/** How long past the drain window a stuck shutdown may take before the process gives up. */
const SHUTDOWN_GRACE_MS = 3_000;

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, port: { type: 'string' }, nats: { type: 'string' }, workers: { type: 'string' } },
  });
  const config = load(values);
  // Each command loads only what it uses: a CLI that answers fast.
  const [{ Gateway }, { Supervisor }, { createLogger }] = await Promise.all([import('./gateway.js'), import('./supervisor/supervisor.js'), import('./log.js')]);
  const log = createLogger(config.logLevel, config.nodeId);
  const workers = config.workers || availableParallelism();
  // One worker runs here, in this process; more run as supervised child processes on one port.
  const running = workers === 1 ? await Gateway.start(config, log) : await Supervisor.start(config, log, workers);
  const host = config.websocket.host === '0.0.0.0' ? '127.0.0.1' : config.websocket.host;
  if (running.controlPort) {
    const ctl = config.control.host === '0.0.0.0' ? '127.0.0.1' : config.control.host;
    if (running instanceof Supervisor) {
      const each = config.control.port ? `ports ${config.control.port + 1}-${config.control.port + workers}` : 'free ports (logged)';
      console.error(`jetgate: node health on http://${ctl}:${running.controlPort} (/healthz, /readyz); each worker's control plane (/metrics, /api/v1, /docs) on ${each}`);
    } else console.error(`jetgate: control plane on http://${ctl}:${running.controlPort} (/healthz, /readyz, /metrics, /api/v1, /docs)`);
  }
  const scheme = config.websocket.tls.certFile ? 'wss' : 'ws';
  console.error(`jetgate: clients connect to ${scheme}://${host}:${running.port}${config.websocket.path} (subprotocol jetgate.v1.proto or jetgate.v1.json)`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without finishing the drain');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, drainWindowMs: config.shutdown.drainWindowMs }, 'draining');
    setTimeout(() => {
      log.error('drain did not finish in time: exiting');
      process.exit(1);
    }, config.shutdown.drainWindowMs + SHUTDOWN_GRACE_MS).unref();
    running.drain().then(() => process.exit(0), (e: Error) => {
      log.error({ err: e.message }, 'drain failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function publish(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: 'string' }, nats: { type: 'string' }, type: { type: 'string' }, id: { type: 'string' } },
  });
  const [channel, payload] = positionals;
  if (!channel || payload === undefined) throw new ConfigError('publish needs <channel> <payload>');
  const config = load(values);
  const ref = new ChannelResolver(config).resolve(channel);
  if (ref.wildcard) throw new ConfigError('publish needs a channel without wildcards');
  const [{ connect, headers }, { Header }] = await Promise.all([import('nats'), import('../proto/headers.js')]);
  const nc = await connect({ servers: config.nats.servers, user: config.nats.user, pass: config.nats.pass, token: config.nats.token });
  try {
    const h = headers();
    if (values.type) h.set(Header.Type, values.type);
    const ack = await nc.jetstream().publish(ref.subject, new TextEncoder().encode(payload), { headers: h, msgID: values.id });
    console.log(`${channel} seq=${ack.seq}${ack.duplicate ? ' (duplicate)' : ''} stream=${ack.stream}`);
  } finally {
    await nc.close();
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'serve': return serve(rest);
    case 'tail': return (await import('../client/node/tail.js')).tail(rest);
    case 'publish': return publish(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return;
    default:
      console.error(`jetgate: unknown command "${command}"\n\n${USAGE}`);
      process.exit(2);
  }
}

main().catch((e: unknown) => {
  if (e instanceof JetgateError || e instanceof ClientError) {
    console.error(`jetgate: ${e.message}${e instanceof JetgateError ? ` [${e.code}]` : ''}`);
  } else if (e instanceof TypeError && /parseArgs|ERR_PARSE_ARGS/.test(String((e as { code?: string }).code ?? e.message))) {
    console.error(`jetgate: ${e.message}\n\n${USAGE}`);
  } else {
    console.error(e);
  }
  process.exit(1);
});
