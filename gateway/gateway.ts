/**
 * Composition of the gateway: NATS connection and streams, hub, sessions, WebSocket server (the
 * data plane), presence, telemetry and the control plane. Data flows one way: NATS -> channels
 * (hub) -> frames -> uWS topics / sockets.
 */
import type { Format } from '../proto/codec.js';
import { ChannelResolver } from './channels/grammar.js';
import type { Config } from './config/schema.js';
import { Commands, applyCommand } from './control/commands.js';
import { readiness, type ReadinessFacts } from './control/readiness.js';
import { ControlServer } from './control/server.js';
import { historyHandler, type HistoryDeps } from './requests/history.js';
import { presenceHandler } from './requests/presence.js';
import { HistoryReader } from './history/reader.js';
import { Hub } from './hub/hub.js';
import { createLogger, type Logger } from './log.js';
import { connectNats, type Nats } from './nats/connection.js';
import { ExpiringBucket } from './nats/kv.js';
import { followStatus } from './nats/status.js';
import { Streams } from './nats/streams.js';
import { Presence } from './presence/presence.js';
import { Transcoder } from './schemas/transcoder.js';
import type { Conn } from './session/conn.js';
import type { RequestHandlers } from './session/request.js';
import { Session, type SessionDeps } from './session/session.js';
import { Telemetry } from './telemetry/telemetry.js';
import { WsServer } from './transport/server.js';
import { checkNative } from './transport/uws.js';

/** How long a channel with no subscribers keeps its subscription and window (fast page reloads). */
const LINGER_MS = 30_000;

export class Gateway {
  private control: ControlServer | undefined;

  private constructor(
    readonly config: Config,
    readonly log: Logger,
    readonly nats: Nats,
    readonly streams: Streams,
    readonly hub: Hub,
    readonly server: WsServer,
    readonly telemetry: Telemetry,
    readonly presence: Presence | undefined,
    private readonly commands: Commands,
  ) {}

  get port(): number {
    return this.server.port;
  }

  /** Port of the control plane (0 when it is off). */
  get controlPort(): number {
    return this.control?.port ?? 0;
  }

  static async start(config: Config, log: Logger = createLogger(config.logLevel, config.nodeId)): Promise<Gateway> {
    checkNative(config.websocket.allowJsFallback, log);
    const node = config.nodeId ?? '';
    const telemetry = await Telemetry.create(config, log);
    const resolver = new ChannelResolver(config);
    const transcoder = new Transcoder(config.schemas);
    let hub: Hub | undefined;
    let presence: Presence | undefined;
    const nats = await connectNats(config, log, () => {
      void hub?.resync();
      // Entries may have expired while the connection was down.
      presence?.heartbeat();
    });
    followStatus(nats.nc, telemetry.stats);
    let gw: Gateway | undefined;
    try {
      const streams = new Streams(nats.jsm, config, log);
      await streams.declare();
      const reader = new HistoryReader(nats);
      let deps: SessionDeps | undefined;
      const server = new WsServer(config, log, {
        openSession: (conn: Conn, format: Format) => new Session(conn, format, deps as SessionDeps),
      }, telemetry.stats);
      hub = new Hub({ nc: nats.nc, reader, streams, transcoder, resolver, fanout: server, log, telemetry, lingerMs: LINGER_MS, tailCheckSec: config.tailCheckSec });
      if (config.namespaces.some((ns) => ns.presence)) {
        const bucket = await ExpiringBucket.open(nats, { name: config.presence.bucket, ttlSec: config.presence.ttlSec, replicas: config.presence.replicas }, log);
        presence = new Presence({ nc: nats.nc, bucket, fanout: server, config: config.presence, node, stats: telemetry.stats, log });
      }
      const history: HistoryDeps = { resolver, streams, reader, transcoder };
      const handlers: RequestHandlers = { history: historyHandler(history), presence: presenceHandler(resolver, presence) };
      deps = { config, resolver, hub, streams, reader, log, handlers, telemetry, presence };
      const commands = new Commands(nats.nc, `${config.control.subjectPrefix}.command`,
        { quietMs: config.control.commandWaitMs, maxMs: config.nats.requestTimeoutMs }, node, (cmd) => applyCommand(cmd, server.allSessions()), log);
      commands.listen();
      const h = hub;
      const p = presence;
      telemetry.observe({ connections: () => server.connections, subscriptions: () => h.subscriptions, channels: () => h.size, presenceMembers: () => p?.members ?? 0 });
      gw = new Gateway(config, log, nats, streams, hub, server, telemetry, presence, commands);
      const g = gw;
      // Up before the WebSocket listener: /readyz says "not ready" until clients can connect.
      if (config.control.enabled) {
        g.control = await ControlServer.start({
          config, log, telemetry, resolver, history, presence, hub, js: nats.js, commands, readiness: () => readiness(g.readinessFacts()),
        });
        log.info({ port: g.control.port }, 'control plane listening');
      }
      await server.listen();
      log.info({ port: server.port, path: config.websocket.path }, 'gateway listening');
      return gw;
    } catch (e) {
      if (gw) await gw.stop();
      else {
        hub?.close();
        await presence?.close();
        await nats.nc.close();
        await telemetry.shutdown();
      }
      throw e;
    }
  }

  /** What readiness is decided from (a fuller readiness state can replace this). */
  readinessFacts(): ReadinessFacts {
    const needed = new Set(this.config.namespaces.map((ns) => ns.stream));
    return {
      natsConnected: !this.nats.nc.isClosed() && this.telemetry.stats.natsConnected,
      streams: [...needed].map((name) => ({ name, present: this.streams.epoch(name) !== '' })),
      listening: this.server.listening,
    };
  }

  async stop(): Promise<void> {
    this.server.close();
    this.hub.close();
    this.commands.close();
    // Leaves of the connections just closed go out before NATS does.
    await this.presence?.close();
    await this.control?.close();
    await this.nats.nc.drain().catch(() => this.nats.nc.close());
    await this.telemetry.shutdown();
  }
}
