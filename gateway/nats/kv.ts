/**
 * A NATS KV bucket whose entries expire (bucket TTL: nats-server 2.9 has no per-key TTL, so
 * writers refresh their entries). Created when missing; an existing bucket gets the configured TTL.
 */
import { nanos } from '@nats-io/nats-core';
import { StorageType } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { Logger } from '../log.js';
import type { JetStreamManager, Nats } from './connection.js';

export interface BucketOptions {
  name: string;
  ttlSec: number;
  replicas: number;
}

export class ExpiringBucket {
  private constructor(private readonly kv: KV, private readonly jsm: JetStreamManager, readonly name: string) {}

  static async open(nats: Nats, opts: BucketOptions, log: Logger): Promise<ExpiringBucket> {
    // Memory storage: entries live seconds and are rewritten all the time; losing them with the
    // NATS server only loses what heartbeats restore within one interval.
    const kv = await new Kvm(nats.js).create(opts.name, { ttl: opts.ttlSec * 1000, history: 1, storage: StorageType.Memory, replicas: opts.replicas });
    const stream = ExpiringBucket.streamOf(opts.name);
    const info = await nats.jsm.streams.info(stream);
    if (info.config.max_age !== nanos(opts.ttlSec * 1000)) {
      await nats.jsm.streams.update(stream, { ...info.config, max_age: nanos(opts.ttlSec * 1000) });
      log.info({ bucket: opts.name, ttlSec: opts.ttlSec }, 'KV bucket TTL updated');
    }
    return new ExpiringBucket(kv, nats.jsm, opts.name);
  }

  static streamOf(bucket: string): string {
    return `KV_${bucket}`;
  }

  private get prefix(): string {
    return `$KV.${this.name}.`;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    await this.kv.put(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.kv.delete(key);
  }

  /**
   * Current values of the keys matching a pattern (`*`, `>`). The keys come from the stream's
   * subject list and each value from a direct get: no consumer is created. (A last-per-subject
   * consumer on nats-server 2.9 skips keys rewritten while it is read, and heartbeats rewrite
   * keys all the time.) At most `limit` values are read.
   */
  async entries(pattern: string, limit = Number.MAX_SAFE_INTEGER): Promise<Array<{ key: string; value: Uint8Array }>> {
    const info = await this.jsm.streams.info(ExpiringBucket.streamOf(this.name), { subjects_filter: this.prefix + pattern });
    const keys = Object.keys(info.state.subjects ?? {}).slice(0, limit).map((s) => s.slice(this.prefix.length));
    const got = await Promise.all(keys.map((k) => this.kv.get(k)));
    const out: Array<{ key: string; value: Uint8Array }> = [];
    for (const e of got) if (e && e.operation === 'PUT') out.push({ key: e.key, value: e.value });
    return out;
  }
}
