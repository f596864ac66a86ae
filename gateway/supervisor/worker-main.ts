/**
 * Entry point of a worker process (forked by the supervisor): one gateway with its own event loop
 * and NATS connection, listening on the port its siblings share. It drains and exits when the
 * supervisor says so, when it gets SIGTERM, or when the supervisor is gone.
 */
import { JetgateError } from '../errors.js';
import { Gateway } from '../gateway.js';
import { freezeIntrinsics } from '../intrinsics.js';
import { createLogger } from '../log.js';
import type { FromWorker, ToWorker } from './messages.js';

function tell(msg: FromWorker): void {
  if (process.connected) process.send?.(msg);
}

// A terminal's Ctrl-C reaches every process of the group: the supervisor coordinates the drain.
process.on('SIGINT', () => undefined);

let gw: Gateway | undefined;
let exiting = false;

function drainAndExit(): void {
  if (exiting) return;
  exiting = true;
  if (!gw) process.exit(0);
  gw.drain().then(() => process.exit(0), (e: unknown) => {
    gw?.log.error({ err: (e as Error).message }, 'drain failed');
    process.exit(1);
  });
}

process.on('SIGTERM', drainAndExit);
// The supervisor died (kill -9): release the shared port, and the clients, gracefully.
process.on('disconnect', drainAndExit);

process.on('message', (msg: ToWorker) => {
  if (msg.type === 'drain') return drainAndExit();
  if (msg.type !== 'start' || gw) return;
  const log = createLogger(msg.config.logLevel, msg.config.nodeId, undefined, msg.config.limits.logs);
  Gateway.start(msg.config, log, true).then((started) => {
    gw = started;
    if (msg.config.freezeIntrinsics) freezeIntrinsics(log);
    tell({ type: 'listening', port: started.port });
    tell({ type: 'readiness', state: started.ready() });
    started.onReadiness((state) => tell({ type: 'readiness', state }));
  }, (e: unknown) => {
    const code = e instanceof JetgateError ? e.code : 'WORKER_FAILED';
    log.error({ err: (e as Error).stack }, 'worker failed to start');
    tell({ type: 'failed', code, message: (e as Error).message });
    process.exit(1);
  });
});
