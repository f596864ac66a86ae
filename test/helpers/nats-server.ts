/**
 * Starts a real nats-server (JetStream on) with its own temporary store: alone on a free port, or
 * as a node of a cluster from a configuration file (test/helpers/nats-cluster.ts). The binary:
 * NATS_SERVER=/path/to/nats-server, else the first nats-server on PATH (make puts the one it chose
 * first: infra/scripts/ensure-nats.sh).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { track } from './children.js';

const NATS_BIN = process.env['NATS_SERVER'] && process.env['NATS_SERVER'] !== 'system' ? process.env['NATS_SERVER'] : 'nats-server';

export class NatsServer {
  private proc: ChildProcess | undefined;
  private log = '';

  private constructor(readonly port: number, readonly storeDir: string, private readonly args: string[], private readonly env: Record<string, string> = {}) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Everything the current process printed. */
  get output(): string {
    return this.log;
  }

  static async start(extraArgs: string[] = []): Promise<NatsServer> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'jetgate-nats-'));
    const s = new NatsServer(port, dir, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir, ...extraArgs]);
    await s.run();
    return s;
  }

  /** A server run from a configuration file with the given environment (not started yet). */
  static fromConfig(file: string, port: number, storeDir: string, env: Record<string, string>): NatsServer {
    return new NatsServer(port, storeDir, ['-c', file], env);
  }

  /** Starts the process (again, on the same port and store). */
  async run(): Promise<void> {
    this.log = '';
    const proc = track(spawn(NATS_BIN, this.args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.env } }));
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${this.log}`)), 15_000);
      const onData = (d: Buffer) => {
        this.log += d.toString();
        if (this.log.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.on('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${NATS_BIN} (make test fetches one; NATS_SERVER=/path picks another): ${e.message}`));
      });
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${code}:\n${this.log}`));
      });
    });
  }

  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Stops the process: SIGTERM (clean) or SIGKILL. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
    this.proc = undefined;
  }

  async restart(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await this.run();
  }

  /** Stops the process and removes its store. */
  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
