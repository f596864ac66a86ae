/**
 * A NATS KV bucket whose entries expire (bucket TTL: nats-server 2.9 has no per-key TTL, so
 * writers refresh their entries). Created when missing; an existing bucket gets the configured TTL.
 */
import { StorageType, nanos, type KV } from 'nats';
import type { Logger } from '../log.js';
import type { Nats } from './connection.js';

export interface BucketOptions {
  name: string;
  ttlSec: number;
  replicas: number;
}

/** Header JetStream KV marks deletes and purges with. */
export const KV_OPERATION = 'KV-Operation';

export class ExpiringBucket {
  private constructor(private readonly kv: KV, readonly name: string) {}

  static async open(nats: Nats, opts: BucketOptions, log: Logger): Promise<ExpiringBucket> {
    // Memory storage: entries live seconds and are rewritten all the time; losing them with the
    // NATS server only loses what heartbeats restore within one interval.
    const kv = await nats.js.views.kv(opts.name, { ttl: opts.ttlSec * 1000, history: 1, storage: StorageType.Memory, replicas: opts.replicas });
    const stream = ExpiringBucket.streamOf(opts.name);
    const info = await nats.jsm.streams.info(stream);
    if (info.config.max_age !== nanos(opts.ttlSec * 1000)) {
      await nats.jsm.streams.update(stream, { ...info.config, max_age: nanos(opts.ttlSec * 1000) });
      log.info({ bucket: opts.name, ttlSec: opts.ttlSec }, 'KV bucket TTL updated');
    }
    return new ExpiringBucket(kv, opts.name);
  }

  static streamOf(bucket: string): string {
    return `KV_${bucket}`;
  }

  /** The stream behind the bucket. */
  get stream(): string {
    return ExpiringBucket.streamOf(this.name);
  }

  /** The stream subject of a key (or of a key pattern with `*` and `>`). */
  subject(key: string): string {
    return `$KV.${this.name}.${key}`;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    await this.kv.put(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.kv.delete(key);
  }
}
