/** A forked Node process that answers requests over IPC (load generators, the publisher). */
import { fork, type ChildProcess } from 'node:child_process';

interface Envelope {
  id: number;
  body: unknown;
  error?: string;
}

export class Child<Req, Rep> {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Rep) => void; reject: (e: Error) => void }>();

  private constructor(private readonly proc: ChildProcess, readonly label: string) {
    proc.on('message', (m: Envelope) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error) w.reject(new Error(`${label}: ${m.error}`));
      else w.resolve(m.body as Rep);
    });
    proc.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`${label} exited (${code})`));
      this.waiting.clear();
    });
  }

  static fork<Req, Rep>(modulePath: string, label: string): Child<Req, Rep> {
    return new Child<Req, Rep>(fork(modulePath, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), label);
  }

  request<R extends Rep = Rep>(body: Req): Promise<R> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (r: Rep) => void, reject });
      this.proc.send({ id, body });
    });
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}
