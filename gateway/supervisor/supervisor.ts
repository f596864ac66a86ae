/**
 * Runs N gateway worker processes on one WebSocket port (the kernel spreads new connections over
 * their listeners: SO_REUSEPORT, which uWebSockets.js sets), restarts any that dies, and drains
 * them all on shutdown. Processes rather than threads: a worker that crashes, even in native code,
 * takes only its own connections down, and those clients resume on a sibling.
 */
import type { Config } from '../config/schema.js';
import { ControlServer } from '../control/server.js';
import { JetgateError } from '../errors.js';
import { combineReadiness, type ReadinessState } from '../health/readiness.js';
import type { Logger } from '../log.js';
import { claimPort } from '../transport/port.js';
import { RestartPolicy } from './restart-policy.js';
import { WorkerProcess } from './worker-process.js';

/** How long past the drain window the supervisor waits before killing a worker that did not exit. */
const EXIT_GRACE_MS = 2_000;

interface Slot {
  index: number;
  worker: WorkerProcess | undefined;
  policy: RestartPolicy;
  restart: NodeJS.Timeout | undefined;
}

export interface WorkerStatus {
  index: number;
  pid: number | undefined;
  readiness: ReadinessState | undefined;
}

export class Supervisor {
  private readonly slots: Slot[];
  private stopping = false;
  /** All workers listened once: from then on a worker that exits is restarted. */
  private started = false;
  port = 0;
  /** Port of the node's health and readiness (0 when the control plane is off). */
  controlPort = 0;
  private health: ControlServer | undefined;

  private constructor(private readonly config: Config, private readonly log: Logger, count: number) {
    this.slots = Array.from({ length: count }, (_, i) => ({ index: i + 1, worker: undefined, policy: new RestartPolicy(), restart: undefined }));
  }

  /**
   * Starts `count` workers and resolves when all listen. The first one starts alone (it declares
   * the streams); the others then join it on its port. Throws the first start error (and stops the
   * workers started).
   */
  static async start(config: Config, log: Logger, count: number): Promise<Supervisor> {
    const sup = new Supervisor(config, log, count);
    // The node claims its port (refused when another process listens there), then every worker
    // joins it. Port 0: the kernel does not share a port it picked itself (SO_REUSEPORT does not
    // apply to automatic binds), so one is picked here and given to every worker.
    sup.port = await claimPort(config.websocket.host, config.websocket.port);
    const [first, ...rest] = sup.slots as [Slot, ...Slot[]];
    try {
      if (config.control.enabled) {
        // The node's /readyz for the load balancer: ready when its listening workers are.
        sup.health = await ControlServer.startHealth({ config, log, node: config.nodeId ?? '', readiness: () => sup.ready() }, config.control.port);
        sup.controlPort = sup.health.port;
      }
      await sup.spawn(first);
      await Promise.all(rest.map((s) => sup.spawn(s)));
    } catch (e) {
      await sup.drain().catch(() => undefined);
      throw e;
    }
    sup.started = true;
    log.info({ port: sup.port, workers: count }, 'gateway workers listening');
    return sup;
  }

  ready(): ReadinessState {
    const states = this.slots.map((s) => s.worker?.readiness).filter((r): r is ReadinessState => r !== undefined);
    return combineReadiness(states, this.stopping);
  }

  workers(): WorkerStatus[] {
    return this.slots.map((s) => ({ index: s.index, pid: s.worker?.pid, readiness: s.worker?.readiness }));
  }

  /**
   * Drains every worker (each over the configured window) and resolves when all have exited
   * cleanly; a worker still there past the window is killed, and the drain rejects.
   */
  async drain(): Promise<void> {
    this.stopping = true;
    const running = this.slots.flatMap((s) => {
      if (s.restart) clearTimeout(s.restart);
      return s.worker ? [s.worker] : [];
    });
    for (const w of running) w.drain();
    const deadline = setTimeout(() => {
      for (const w of running) w.kill();
    }, this.config.shutdown.drainWindowMs + EXIT_GRACE_MS);
    const exits = await Promise.all(running.map((w) => w.exited));
    clearTimeout(deadline);
    await this.health?.close();
    const unclean = exits.filter((e) => e.code !== 0).length;
    if (unclean) throw new JetgateError('WORKER_FAILED', `${unclean} of ${running.length} workers did not drain cleanly`);
  }

  private spawn(slot: Slot): Promise<number> {
    const config: Config = {
      ...this.config,
      nodeId: `${this.config.nodeId}-w${slot.index}`,
      websocket: { ...this.config.websocket, port: this.port },
      // Each worker's own control plane (metrics, server API) next to the node's health port.
      control: { ...this.config.control, port: this.config.control.port && this.config.control.port + slot.index },
    };
    const worker = new WorkerProcess(config);
    slot.worker = worker;
    void worker.listening.then(() => this.log.info({ worker: slot.index, pid: worker.pid }, 'worker listening'), () => undefined);
    void worker.exited.then((exit) => this.exited(slot, worker, exit));
    return worker.listening;
  }

  private exited(slot: Slot, worker: WorkerProcess, exit: { code: number | null; signal: NodeJS.Signals | null }): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    if (this.stopping || !this.started) return;
    const inMs = slot.policy.next(Date.now());
    this.log.error({ worker: slot.index, pid: worker.pid, code: exit.code, signal: exit.signal, restartInMs: inMs }, 'worker exited; restarting it');
    slot.restart = setTimeout(() => {
      slot.restart = undefined;
      if (this.stopping) return;
      this.spawn(slot).catch((e: Error) => this.log.error({ worker: slot.index, err: e.message }, 'worker failed to start'));
    }, inMs);
  }
}
