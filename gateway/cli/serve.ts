/**
 * `jetgate serve`: runs the gateway (in this process with one worker, else as a supervisor of
 * worker processes on one port), prints where clients and operators connect, and drains on
 * SIGTERM / SIGINT.
 */
import { availableParallelism } from 'node:os';
import { CONFIG_NOTES, CONFIG_OPTION, NATS_OPTION, commandConfig } from './config.js';
import { parseCommand, type CommandSpec } from './usage.js';

export const SERVE: CommandSpec = {
  name: 'serve',
  summary: 'Run the gateway: WebSocket clients on websocket.port, the control plane on control.port.',
  options: {
    ...CONFIG_OPTION,
    port: { type: 'string', value: 'N', description: 'WebSocket port (websocket.port; 0 picks a free one)' },
    ...NATS_OPTION,
    workers: { type: 'string', value: 'N', description: 'gateway processes sharing the port (workers; 0: one per CPU core, 1: this process)' },
  },
  notes: `${CONFIG_NOTES}\nSIGTERM or SIGINT drains: clients are told to reconnect elsewhere over shutdown.drainWindowMs; a second signal exits at once.`,
};

/** How long past the drain window a stuck shutdown may take before the process gives up. */
const SHUTDOWN_GRACE_MS = 3_000;

export async function serve(argv: string[]): Promise<void> {
  const parsed = parseCommand(SERVE, argv);
  if (!parsed) return;
  const config = commandConfig(SERVE.name, parsed.values);
  // Each command loads only what it uses: a CLI that answers fast.
  const [{ Gateway }, { Supervisor }, { createLogger }] = await Promise.all([import('../gateway.js'), import('../supervisor/supervisor.js'), import('../log.js')]);
  const log = createLogger(config.logLevel, config.nodeId, undefined, config.limits.logs);
  const workers = config.workers || availableParallelism();
  // One worker runs here, in this process; more run as supervised child processes on one port.
  const running = workers === 1 ? await Gateway.start(config, log) : await Supervisor.start(config, log, workers);
  if (config.freezeIntrinsics) (await import('../intrinsics.js')).freezeIntrinsics(log);
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
