/** Starts a real nats-server (JetStream on) on a free port with its own temporary store. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { track } from './children.js';

export class NatsServer {
  private proc: ChildProcess | undefined;
  private log = '';

  private constructor(readonly port: number, readonly storeDir: string, private readonly extraArgs: string[]) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async start(extraArgs: string[] = []): Promise<NatsServer> {
    const s = new NatsServer(await freePort(), mkdtempSync(join(tmpdir(), 'jetgate-nats-')), extraArgs);
    await s.run();
    return s;
  }

  /** Starts the process (again, on the same port and store). */
  async run(): Promise<void> {
    this.log = '';
    const proc = track(spawn('nats-server', ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir, ...this.extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }));
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
        reject(new Error(`cannot run nats-server (is it installed? make test installs it): ${e.message}`));
      });
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${code}:\n${this.log}`));
      });
    });
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
