/**
 * The lobby service: answers the lobby RPCs (NATS service framework endpoints svc.lobby.<method>),
 * applies the rules to the lobby stored in KV, and publishes what happened to the lobby's channel
 * as protobuf events with the producer helper.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import { Svcm, type Service, type ServiceMsg } from '@nats-io/services';
import { lobby as pb } from '../../proto/gen/examples.js';
import { Producer, callerOf, decodeRequest, respond, type Caller, type Decoder, type MessageType } from '../../producer/index.js';
import { playerIdOf } from './identity.js';
import { RuleError, chat, create, isListed, join, leave, setReady, type Lobby, type Outcome } from './rules.js';
import { LobbyStore } from './store.js';

export interface LobbyServiceOptions {
  /** Subject prefix of the endpoints: <prefix>.create, .join, ... */
  rpcPrefix?: string;
  /** Stream subject of a lobby's channel. */
  channelSubject?: (lobbyId: string) => string;
  bucket?: string;
  now?: () => number;
  log?: (line: string) => void;
}

const ID_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const ID = /^[a-z0-9]{6}$/;
/** Compare-and-set attempts before giving up on a lobby that keeps changing under us. */
const CAS_ATTEMPTS = 8;

export class LobbyService {
  /** One change at a time per lobby in this process, so its events go out in order. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly channelSubject: (id: string) => string;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private service: Service | undefined;

  private constructor(private readonly producer: Producer, private readonly store: LobbyStore, opts: LobbyServiceOptions) {
    this.channelSubject = opts.channelSubject ?? ((id) => `lobby.${id}`);
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? (() => undefined);
  }

  static async start(nc: NatsConnection, opts: LobbyServiceOptions = {}): Promise<LobbyService> {
    const store = await LobbyStore.open(nc, opts.bucket);
    const svc = new LobbyService(new Producer(nc), store, opts);
    const service = await new Svcm(nc).add({ name: 'lobby', version: '1.0.0', description: 'jetgate demo: game lobbies', queue: 'lobby' });
    const group = service.addGroup(opts.rpcPrefix ?? 'svc.lobby');
    svc.endpoint(group, 'create', pb.v1.CreateLobby, (req, caller) => svc.create(req, caller));
    svc.endpoint(group, 'join', pb.v1.JoinLobby, (req, caller) => {
      const id = playerIdOf(caller, req.playerKey);
      return svc.change(req.lobbyId, id, (l) => join(l, { id, name: req.playerName }, svc.now()));
    });
    svc.endpoint(group, 'leave', pb.v1.LeaveLobby, (req, caller) => {
      const id = playerIdOf(caller, req.playerKey);
      return svc.change(req.lobbyId, id, (l) => leave(l, id));
    });
    svc.endpoint(group, 'ready', pb.v1.SetReady, (req, caller) => {
      const id = playerIdOf(caller, req.playerKey);
      return svc.change(req.lobbyId, id, (l) => setReady(l, id, req.ready, svc.now()));
    });
    svc.endpoint(group, 'chat', pb.v1.SendChat, (req, caller) => {
      const id = playerIdOf(caller, req.playerKey);
      return svc.change(req.lobbyId, id, (l) => chat(l, id, req.text, svc.now()));
    });
    group.addEndpoint('list', (_err, msg) => {
      // Newest first, so rows keep their places from one refresh to the next.
      void svc.store.list(50, isListed).then(
        (lobbies) => respond(msg, pb.v1.LobbyList, {
          lobbies: lobbies.sort((a, b) => b.createdMs - a.createdMs).map((l) => ({ id: l.id, name: l.name, players: l.players.length, maxPlayers: l.maxPlayers, phase: l.phase })),
        }),
        (e: Error) => msg.respondError(500, e.message),
      );
    });
    svc.service = service;
    await nc.flush(); // the server has our subscriptions: callers find us once start() resolves
    return svc;
  }

  async stop(): Promise<void> {
    await this.service?.stop();
  }

  /** Registers an endpoint whose request is `type` and whose reply is a LobbyReply. */
  private endpoint<T>(group: Pick<Service, 'addEndpoint'>, name: string, type: Decoder<T>, run: (req: T, caller: Caller) => Promise<pb.v1.LobbyReply.$Properties>): void {
    group.addEndpoint(name, (_err, msg: ServiceMsg) => {
      let req: T;
      try {
        req = decodeRequest(msg, type);
      } catch (e) {
        msg.respondError(400, (e as Error).message);
        return;
      }
      run(req, callerOf(msg.headers)).then(
        (reply) => respond(msg, pb.v1.LobbyReply, reply),
        (e: unknown) => {
          if (e instanceof RuleError) msg.respondError(e.status, e.message);
          else {
            this.log(`lobby ${name} failed: ${(e as Error).stack ?? String(e)}`);
            msg.respondError(500, 'the lobby service failed; try again');
          }
        },
      );
    });
  }

  private async create(req: pb.v1.CreateLobby, caller: Caller): Promise<pb.v1.LobbyReply.$Properties> {
    const playerId = playerIdOf(caller, req.playerKey);
    for (;;) {
      const id = Array.from({ length: 6 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('');
      const out = create(id, req.lobbyName, req.maxPlayers, { id: playerId, name: req.playerName }, this.now());
      if (!(await this.store.create(out.lobby as Lobby))) continue; // id taken: draw another
      await this.publish(id, out);
      this.log(`lobby ${id} "${out.lobby?.name}" created`);
      return { lobby: out.lobby, playerId };
    }
  }

  /** Applies a rule to a stored lobby (compare-and-set, retried), then publishes its events. */
  private change(lobbyId: string, playerId: string, rule: (l: Lobby) => Outcome): Promise<pb.v1.LobbyReply.$Properties> {
    if (!ID.test(lobbyId)) return Promise.reject(new RuleError('not_found', `no lobby "${lobbyId.slice(0, 16)}"`));
    return this.serial(lobbyId, async () => {
      for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
        const stored = await this.store.get(lobbyId);
        if (!stored) throw new RuleError('not_found', `no lobby "${lobbyId}" (it may have closed)`);
        const out = rule(stored.lobby);
        const written = out.lobby === stored.lobby || (out.lobby ? await this.store.update(out.lobby, stored.revision) : await this.store.remove(lobbyId, stored.revision));
        if (!written) continue; // another instance changed it first: apply the rule again
        await this.publish(lobbyId, out);
        return { lobby: out.lobby, playerId };
      }
      throw new Error(`lobby ${lobbyId} kept changing; gave up after ${CAS_ATTEMPTS} attempts`);
    });
  }

  private async publish(lobbyId: string, out: Outcome): Promise<void> {
    // One id per change: a publish retried after a lost ack is stored once.
    const batch = randomUUID();
    for (const [i, ev] of out.events.entries()) {
      await this.producer.publish(this.channelSubject(lobbyId), ev.type as MessageType<unknown>, ev.message, { msgId: `${batch}-${i}` });
    }
  }

  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(key) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }
}
