/** Runs the gateway for tests: in this process, or as a child process that can be SIGKILLed. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateConfig } from '../../gateway/config/load.js';
import type { Config } from '../../gateway/config/schema.js';
import { Gateway } from '../../gateway/gateway.js';
import { createLogger } from '../../gateway/log.js';
import { track } from './children.js';
import { sleep } from './ports.js';

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** A test configuration: stream TEST on test.>, namespace "test" (anonymous), ports 0, one worker, a 1 s drain. */
export function testConfig(natsUrl: string, extra: Record<string, unknown> = {}): Config {
  const base = {
    logLevel: process.env.JETGATE_TEST_LOG ?? 'warn',
    workers: 1,
    // Short, so that stopping a gateway process with clients still connected does not slow tests.
    shutdown: { drainWindowMs: 1_000 },
    nats: { servers: [natsUrl] },
    websocket: { host: '127.0.0.1', port: 0 },
    control: { host: '127.0.0.1', port: 0 },
    streams: [{ name: 'TEST', subjects: ['test.>'] }],
    namespaces: [{ name: 'test', stream: 'TEST', anonymous: true, window: 100 }],
  };
  const merged: Record<string, unknown> = { ...base, ...extra };
  for (const k of ['nats', 'websocket', 'control', 'shutdown'] as const) merged[k] = { ...base[k], ...((extra[k] as object | undefined) ?? {}) };
  return validateConfig(merged);
}

export async function startGateway(config: Config): Promise<Gateway> {
  return Gateway.start(config, createLogger(config.logLevel, config.nodeId, undefined, config.limits.logs));
}

const CLI = fileURLToPath(new URL('../../gateway/cli.js', import.meta.url));
const HEAP_PROBE = fileURLToPath(new URL('./heap-probe.js', import.meta.url));

/** The gateway in a child process (`jetgate serve`), for kill -9 and signal tests. */
export class GatewayProcess {
  private log = ''; // stdout and stderr, interleaved
  private heapProbe = false;
  /** Resolves when the process has exited. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly proc: ChildProcess, readonly port: number, readonly controlPort: number) {
    this.exit = new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) resolve({ code: proc.exitCode, signal: proc.signalCode });
      else proc.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** Base URL of its control plane. */
  get controlUrl(): string {
    return `http://127.0.0.1:${this.controlPort}`;
  }

  get exited(): boolean {
    return this.proc.exitCode !== null || this.proc.signalCode !== null;
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  /** Everything the process printed (logs on stdout, messages on stderr). */
  get output(): string {
    return this.log;
  }

  /** The process's JSON log lines with this message. */
  logs(msg: string): Array<Record<string, unknown>> {
    return this.log.split('\n').filter((l) => l.startsWith('{') && l.includes(msg)).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);
  }

  /**
   * Starts `jetgate serve` with this configuration (and extra command-line arguments); with
   * heapProbe, heapAfterGc() can measure its retained memory (one worker only: this process).
   */
  static async start(config: Config, args: string[] = [], opts: { heapProbe?: boolean } = {}): Promise<GatewayProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'jetgate-gw-'));
    const file = join(dir, 'jetgate.json');
    writeFileSync(file, JSON.stringify({ ...config, nodeId: undefined }));
    const node = opts.heapProbe ? ['--expose-gc', '--import', HEAP_PROBE] : [];
    const proc = track(spawn(process.execPath, [...node, CLI, 'serve', '--config', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      // Generous: on a shared, loaded machine a start-up (module loading, stream checks) can crawl.
      const timer = setTimeout(() => {
        proc.kill('SIGKILL'); // a half-started gateway would keep the test process alive
        reject(new Error(`gateway did not start:\n${out}`));
      }, 30_000);
      proc.stderr?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /wss?:\/\/[^:]+:(\d+)\//.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`gateway exited with ${code}:\n${out}`));
      });
    });
    const gp = new GatewayProcess(proc, port, Number(/(?:control plane|node health) on http:\/\/[^:]+:(\d+)/.exec(out)?.[1] ?? 0));
    gp.log = out;
    gp.heapProbe = opts.heapProbe ?? false;
    proc.stdout?.removeAllListeners('data');
    proc.stderr?.removeAllListeners('data');
    proc.stdout?.on('data', (d: Buffer) => (gp.log += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (gp.log += d.toString()));
    return gp;
  }

  /**
   * Its memory after a full garbage collection (started with heapProbe, see heap-probe.ts); waits
   * generously, as a collection of a large heap on a loaded machine can take seconds.
   */
  async heapAfterGc(timeoutMs = 60_000): Promise<NodeJS.MemoryUsage> {
    // Without the probe, SIGUSR2 would end the process.
    if (!this.heapProbe) throw new Error('heapAfterGc needs a gateway started with { heapProbe: true }');
    const from = this.log.length;
    this.proc.kill('SIGUSR2');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /jetgate-heap (\{.*\})\n/.exec(this.log.slice(from));
      if (m) return JSON.parse(m[1] as string) as NodeJS.MemoryUsage;
      if (this.exited || Date.now() > deadline) throw new Error(`no heap measure from the gateway (exited: ${this.exited}):\n${this.log.slice(from, from + 2000)}`);
      await sleep(50);
    }
  }

  /** Sends a signal and waits for the exit; resolves with the exit code (null when killed). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return (await this.exit).code;
  }
}
