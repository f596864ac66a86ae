/**
 * What an abuse phase costs the servers, read from outside: resident memory of the gateway and its
 * nats-server (/proc), JetStream consumers (the account's count, over a NATS connection of its
 * own) and the gateway's active channels (its /metrics). Sampled twice a second while a phase runs;
 * a reading that does not come within its timeout is counted as a failure (under attack that is a
 * finding too), never waited for.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { rssBytes, sleep } from './proc.js';
import type { System } from '../peers/systems.js';

const READ_TIMEOUT_MS = 2_000;
const EVERY_MS = 500;
const MiB = 1024 ** 2;

export interface Peaks {
  gatewayRssPeakMiB: number;
  natsRssPeakMiB: number;
  /** JetStream consumers on the account (the gateway's replay and history consumers). */
  consumersPeak: number;
  channelsPeak: number;
  /** Readings of consumers (JetStream API) and channels (/metrics) that failed or timed out. */
  consumerReadFailures: number;
  metricsReadFailures: number;
}

export class Watch {
  private sampling: Promise<void> | undefined;
  private stopping = false;
  private peaks: Peaks = Watch.empty();

  private constructor(private readonly sys: System, private readonly nc: NatsConnection, private readonly jsm: JetStreamManager) {}

  static async open(sys: System): Promise<Watch> {
    const nc = await connect({ servers: sys.natsUrl, name: 'bench-watch' });
    return new Watch(sys, nc, await jetstreamManager(nc, { timeout: READ_TIMEOUT_MS }));
  }

  private static empty(): Peaks {
    return { gatewayRssPeakMiB: 0, natsRssPeakMiB: 0, consumersPeak: 0, channelsPeak: 0, consumerReadFailures: 0, metricsReadFailures: 0 };
  }

  /** JetStream consumers now; undefined when JetStream did not answer in time. */
  async consumers(): Promise<number | undefined> {
    try {
      return (await this.jsm.getAccountInfo()).consumers;
    } catch {
      return undefined;
    }
  }

  /** The gateway's active channels now (jetgate_channels); undefined when /metrics did not answer in time. */
  async channels(): Promise<number | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.sys.controlPort}/metrics`, { signal: AbortSignal.timeout(READ_TIMEOUT_MS) });
      const m = /^jetgate_channels(?:\{[^}]*\})? (\S+)/m.exec(await res.text());
      return m ? Number(m[1]) : undefined;
    } catch {
      return undefined;
    }
  }

  start(): void {
    this.peaks = Watch.empty();
    this.stopping = false;
    this.sampling = (async () => {
      while (!this.stopping) {
        const p = this.peaks;
        p.gatewayRssPeakMiB = Math.max(p.gatewayRssPeakMiB, rssBytes(this.sys.server.pid) / MiB);
        p.natsRssPeakMiB = Math.max(p.natsRssPeakMiB, rssBytes(this.sys.nats.pid) / MiB);
        const [consumers, channels] = await Promise.all([this.consumers(), this.channels()]);
        if (consumers === undefined) p.consumerReadFailures++;
        else p.consumersPeak = Math.max(p.consumersPeak, consumers);
        if (channels === undefined) p.metricsReadFailures++;
        else p.channelsPeak = Math.max(p.channelsPeak, channels);
        await sleep(EVERY_MS);
      }
    })();
  }

  async stop(): Promise<Peaks> {
    this.stopping = true;
    await this.sampling;
    return { ...this.peaks, gatewayRssPeakMiB: Math.round(this.peaks.gatewayRssPeakMiB), natsRssPeakMiB: Math.round(this.peaks.natsRssPeakMiB) };
  }

  async close(): Promise<void> {
    this.stopping = true;
    await this.sampling;
    await this.nc.close();
  }
}
