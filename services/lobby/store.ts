/**
 * Lobbies in a NATS KV bucket (one key per lobby, the LobbyState protobuf as value), so they
 * survive restarts of the service. Changes are compare-and-set on the entry's revision: several
 * service instances can run side by side.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import '../../proto/numbers.js';
import { lobby as pb } from '../../proto/gen/examples.js';
import type { Lobby, Player } from './rules.js';

export const BUCKET = 'jetgate_demo_lobbies';

export interface Stored {
  lobby: Lobby;
  revision: number;
}

function toLobby(s: pb.v1.LobbyState): Lobby {
  return {
    id: s.id, name: s.name, phase: s.phase, maxPlayers: s.maxPlayers, createdMs: s.createdMs, startsAtMs: s.startsAtMs, version: s.version,
    players: s.players.map((p): Player => ({ id: p.id ?? '', name: p.name ?? '', ready: p.ready ?? false, joinedMs: p.joinedMs ?? 0, host: p.host ?? false })),
  };
}

export class LobbyStore {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection, bucket = BUCKET): Promise<LobbyStore> {
    // Idle lobbies disappear after a day (KV TTL is per bucket on nats-server 2.9).
    return new LobbyStore(await new Kvm(nc).create(bucket, { history: 1, ttl: 24 * 3600 * 1000 }));
  }

  async get(id: string): Promise<Stored | null> {
    const e = await this.kv.get(id);
    if (!e || e.operation !== 'PUT' || e.length === 0) return null;
    return { lobby: toLobby(pb.v1.LobbyState.decode(e.value)), revision: e.revision };
  }

  /** Stores a new lobby; false when the id is taken. */
  create(lobby: Lobby): Promise<boolean> {
    return ifNoConflict(() => this.kv.create(lobby.id, pb.v1.LobbyState.encode(lobby).finish()));
  }

  /** Writes a change made on the entry at `revision`; false when someone else changed it first. */
  update(lobby: Lobby, revision: number): Promise<boolean> {
    return ifNoConflict(() => this.kv.update(lobby.id, pb.v1.LobbyState.encode(lobby).finish(), revision));
  }

  remove(id: string, revision: number): Promise<boolean> {
    return ifNoConflict(() => this.kv.delete(id, { previousSeq: revision }));
  }

  /** Up to `limit` stored lobbies that `keep` accepts, in no particular order. */
  async list(limit: number, keep: (l: Lobby) => boolean): Promise<Lobby[]> {
    // The keys first, then the values: the key iterator drops what is still queued when its
    // consumer ends, so awaiting a read between two keys would lose every key after the first.
    const keys: string[] = [];
    for await (const key of await this.kv.keys()) keys.push(key);
    const out: Lobby[] = [];
    for (const key of keys) {
      const s = await this.get(key);
      if (s && keep(s.lobby)) out.push(s.lobby);
      if (out.length >= limit) break;
    }
    return out;
  }
}

function isConflict(e: unknown): boolean {
  // JetStream's "wrong last sequence" (10071) on a compare-and-set that lost the race.
  return (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamWrongLastSequence) || /wrong last sequence/i.test((e as Error).message ?? '');
}

/** Runs a compare-and-set write: false when the entry's revision was not the expected one. */
async function ifNoConflict(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (e) {
    if (isConflict(e)) return false;
    throw e;
  }
}
