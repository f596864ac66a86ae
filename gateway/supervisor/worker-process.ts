/** The supervisor's handle on one worker process: start it, hear from it, drain or kill it. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/schema.js';
import { JetgateError, type GatewayErrorCode } from '../errors.js';
import type { ReadinessState } from '../health/readiness.js';
import type { FromWorker, ToWorker } from './messages.js';

const ENTRY = fileURLToPath(new URL('./worker-main.js', import.meta.url));

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class WorkerProcess {
  readiness: ReadinessState | undefined;
  /** Resolves with the port once the worker listens; rejects if it fails or exits first. */
  readonly listening: Promise<number>;
  readonly exited: Promise<WorkerExit>;
  private readonly proc: ChildProcess;

  constructor(config: Config, onReadiness: () => void) {
    // Worker logs go where the supervisor's go; the IPC channel carries the rest.
    this.proc = fork(ENTRY, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
    let failure: JetgateError | undefined;
    this.listening = new Promise((resolve, reject) => {
      this.proc.on('message', (msg: FromWorker) => {
        if (msg.type === 'listening') resolve(msg.port);
        else if (msg.type === 'failed') failure = new JetgateError(msg.code as GatewayErrorCode, msg.message);
        else if (msg.type === 'readiness') {
          this.readiness = msg.state;
          onReadiness();
        }
      });
      void this.exited.then(({ code, signal }) => {
        this.readiness = undefined;
        onReadiness();
        reject(failure ?? new JetgateError('WORKER_FAILED', `worker exited (${signal ?? `code ${code}`}) before listening`));
      });
    });
    this.listening.catch(() => undefined);
    this.send({ type: 'start', config });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Asks the worker to drain (it exits when done). */
  drain(): void {
    this.send({ type: 'drain' });
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }

  private send(msg: ToWorker): void {
    if (this.proc.connected) this.proc.send(msg);
  }
}
