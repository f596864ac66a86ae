/** Processes of a benchmark run: free ports, servers started until they say they are ready, /proc readings. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Server {
  proc: ChildProcess;
  pid: number;
  /** Everything it printed (capped). */
  output(): string;
  /** How much it printed in all (not capped): bytes and lines. */
  printed(): { bytes: number; lines: number };
  stop(): Promise<void>;
}

const OUTPUT_CAP = 64 * 1024;

/** Servers still running: killed when this process exits, however it exits (a crash must not leave them behind). */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

/** Spawns a server and resolves once its output matches `ready`. */
export function startServer(cmd: string, args: string[], ready: RegExp, opts: SpawnOptions = {}, timeoutMs = 30_000): Promise<Server> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  let out = '';
  const printed = { bytes: 0, lines: 0 };
  const onData = (d: Buffer) => {
    printed.bytes += d.length;
    for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) printed.lines++;
    if (out.length < OUTPUT_CAP) out += d.toString();
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const server: Server = {
    proc,
    pid: proc.pid ?? 0,
    output: () => out,
    printed: () => ({ ...printed }),
    stop: () => new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const kill = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      proc.kill('SIGTERM');
    }),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${cmd} did not start in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const check = () => {
      if (!ready.test(out)) return;
      clearTimeout(timer);
      proc.off('exit', onExit);
      resolve(server);
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code}) before it was ready:\n${out}`));
    };
    proc.stdout?.on('data', check);
    proc.stderr?.on('data', check);
    proc.once('exit', onExit);
    proc.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

const TICKS_PER_SEC = 100; // USER_HZ on Linux

/** User + system CPU seconds of a process, all its threads (from /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS_PER_SEC;
}

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** 1, 5 and 15-minute load averages. */
export function loadAverage(): number[] {
  return readFileSync('/proc/loadavg', 'latin1').split(' ').slice(0, 3).map(Number);
}
