/**
 * Declares the streams the gateway owns (with the RePublish rule the live path needs) and tracks
 * each stream's epoch: its creation time, so a recreated stream is never taken for the old one.
 */
import { nanos } from '@nats-io/nats-core';
import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig as NatsStreamConfig, type StreamInfo } from '@nats-io/jetstream';
import type { Config, StreamConfig } from '../config/schema.js';
import { JetgateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { JetStreamManager } from './connection.js';
import { classify } from './failure.js';
import { subjectCovered } from './subjects.js';

export interface StreamState {
  name: string;
  epoch: string;
  subjects: string[];
}

function desiredConfig(s: StreamConfig, livePrefix: string): Partial<NatsStreamConfig> & { name: string } {
  return {
    name: s.name,
    subjects: s.subjects,
    storage: s.storage === 'memory' ? StorageType.Memory : StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: s.replicas,
    max_age: nanos(s.maxAgeSec * 1000),
    max_msgs: s.maxMsgs || -1,
    max_bytes: s.maxBytes || -1,
    max_msgs_per_subject: s.maxMsgsPerSubject || -1,
    duplicate_window: nanos(s.duplicateWindowSec * 1000),
    allow_direct: true,
    republish: { src: '>', dest: `${livePrefix}.>` },
  };
}

function hasRepublish(info: StreamInfo, livePrefix: string): boolean {
  const rp = info.config.republish;
  return !!rp && (rp.src ?? '>') === '>' && rp.dest === `${livePrefix}.>` && !rp.headers_only;
}

function missingRepublish(name: string, livePrefix: string): string {
  // nats-server 2.9 cannot add RePublish to an existing stream.
  return `stream ${name} has no RePublish rule {src: ">", dest: "${livePrefix}.>"}, which the live path needs. ` +
    `nats-server 2.9 cannot add it to an existing stream: recreate the stream with it ` +
    `(or remove it and let the gateway create it), or edit it on nats-server 2.10+`;
}

export class Streams {
  private readonly states = new Map<string, StreamState>();

  constructor(private readonly jsm: JetStreamManager, private readonly config: Config, private readonly log: Logger) {}

  /**
   * Creates, updates or verifies every stream the configuration names. While JetStream does not
   * answer (a cluster still forming or electing, NATS starting alongside the gateway) it retries
   * for up to `waitSec`; a configuration mismatch fails at once. Throws JetgateError.
   */
  async declare(waitSec: number): Promise<void> {
    const deadline = Date.now() + waitSec * 1000;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.declareOnce();
      } catch (e) {
        if (e instanceof JetgateError) throw e;
        const err = (e as Error).message;
        if (Date.now() >= deadline) throw new JetgateError('NATS_UNAVAILABLE', `JetStream did not answer within ${waitSec} s: ${err}`);
        if (attempt === 0) this.log.warn({ err, waitSec }, 'JetStream not available yet; retrying');
        await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
      }
    }
  }

  private async declareOnce(): Promise<void> {
    const live = this.config.livePrefix;
    for (const s of this.config.streams) {
      let info = await this.infoOrNull(s.name);
      if (!info) {
        if (s.manage === 'verify') throw new JetgateError('STREAM_MISSING', `stream ${s.name} does not exist (manage: verify)`);
        info = await this.jsm.streams.add(desiredConfig(s, live));
        this.log.info({ stream: s.name, subjects: s.subjects }, 'stream created');
      } else if (!hasRepublish(info, live)) {
        throw new JetgateError('STREAM_MISMATCH', missingRepublish(s.name, live));
      } else if (s.subjects.some((x) => !info!.config.subjects.includes(x))) {
        if (s.manage !== 'update') {
          throw new JetgateError('STREAM_MISMATCH', `stream ${s.name} exists with subjects ${JSON.stringify(info.config.subjects)}, ` +
            `config wants ${JSON.stringify(s.subjects)}; set manage: "update" to change it`);
        }
        info = await this.jsm.streams.update(s.name, { ...info.config, subjects: [...new Set([...info.config.subjects, ...s.subjects])] });
        this.log.info({ stream: s.name, subjects: info.config.subjects }, 'stream subjects updated');
      }
      this.remember(info);
    }
    for (const ns of this.config.namespaces) {
      let state = this.states.get(ns.stream);
      if (!state) {
        const info = await this.infoOrNull(ns.stream);
        if (!info) throw new JetgateError('STREAM_MISSING', `namespace ${ns.name}: stream ${ns.stream} does not exist; declare it under "streams"`);
        if (!hasRepublish(info, live)) throw new JetgateError('STREAM_MISMATCH', missingRepublish(ns.stream, live));
        state = this.remember(info);
      }
      const sample = ns.subject.replace(/\{ns\}/g, ns.name).replace(/\{name\}/g, '>');
      if (!state.subjects.some((p) => subjectCovered(p, sample))) {
        throw new JetgateError('STREAM_MISMATCH', `namespace ${ns.name}: subjects "${sample}" are not all stored by stream ${ns.stream} (${state.subjects.join(', ')})`);
      }
    }
  }

  epoch(stream: string): string {
    return this.states.get(stream)?.epoch ?? '';
  }

  /** Reads the stream again; returns true when its epoch changed (the stream was recreated). */
  async refresh(stream: string): Promise<boolean> {
    const before = this.epoch(stream);
    const info = await this.infoOrNull(stream);
    if (!info) return before !== '';
    return this.remember(info).epoch !== before;
  }

  /**
   * Whether JetStream answers for every stream the gateway uses right now (a NATS cluster that
   * lost quorum, or a deleted stream, says no). Leaves epochs alone: the hub notices resets.
   */
  async available(): Promise<boolean> {
    for (const name of this.states.keys()) {
      const info = await this.infoOrNull(name);
      // A replica answers for a clustered stream that has no leader, which cannot store or serve.
      if (!info || (info.cluster && !info.cluster.leader)) return false;
    }
    return true;
  }

  /** Stream state (first/last sequence) straight from the server. */
  async info(stream: string): Promise<StreamInfo | null> {
    const info = await this.infoOrNull(stream);
    if (info) this.remember(info);
    return info;
  }

  private remember(info: StreamInfo): StreamState {
    const state = { name: info.config.name, epoch: info.created, subjects: info.config.subjects };
    this.states.set(state.name, state);
    return state;
  }

  private async infoOrNull(name: string): Promise<StreamInfo | null> {
    try {
      return await this.jsm.streams.info(name);
    } catch (e) {
      if (classify(e).kind === 'not-found') return null;
      throw e;
    }
  }
}
