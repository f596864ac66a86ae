/**
 * Composition of the gateway: NATS connection and streams, hub, sessions, WebSocket server (the
 * data plane), presence, telemetry and the control plane. Data flows one way: NATS -> channels
 * (hub) -> frames -> uWS topics / sockets.
 */
import type { Format } from '../proto/codec.js';
import { CloseCode } from '../proto/codes.js';
import { JwtVerifier } from './auth/verifier.js';
import { ChannelResolver } from './channels/grammar.js';
import type { Config } from './config/schema.js';
import { Commands, applyCommand } from './control/commands.js';
import { ControlServer } from './control/server.js';
import { spreadDisconnects } from './drain/drain.js';
import { drainPlan } from './drain/schedule.js';
import { Readiness, type ReadinessState } from './health/readiness.js';
import { StreamProbe } from './health/stream-probe.js';
import { historyHandler, type HistoryDeps } from './requests/history.js';
import { presenceHandler } from './requests/presence.js';
import { HistoryReader } from './history/reader.js';
import { TurnScheduler } from './replay/scheduler.js';
import { Hub } from './hub/hub.js';
import { publishHandler } from './publish/handler.js';
import { rpcHandler } from './rpc/handler.js';
import { createLogger, type Logger } from './log.js';
import { watchStreamLeaders } from './nats/advisories.js';
import { connectNats, type Nats } from './nats/connection.js';
import { ExpiringBucket } from './nats/kv.js';
import { Streams } from './nats/streams.js';
import { Presence } from './presence/presence.js';
import { Transcoder } from './schemas/transcoder.js';
import type { Conn } from './session/conn.js';
import type { RequestHandlers } from './session/request.js';
import { Session, type SessionDeps } from './session/session.js';
import { Telemetry } from './telemetry/telemetry.js';
import { WsServer } from './transport/server.js';
import { checkNative } from './transport/uws.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export class Gateway {
  private control: ControlServer | undefined;
  private draining: Promise<void> | undefined;

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
    private readonly readiness: Readiness,
    private readonly probe: StreamProbe,
    private readonly verifier: JwtVerifier,
  ) {}

  get port(): number {
    return this.server.port;
  }

  /** Port of the control plane (0 when it is off). */
  get controlPort(): number {
    return this.control?.port ?? 0;
  }

  /** Whether this gateway can serve new clients now, and the parts that say why not. */
  ready(): ReadinessState {
    return this.readiness.get();
  }

  /** Calls `listener` whenever readiness changes; returns the unsubscribe function. */
  onReadiness(listener: (state: ReadinessState) => void): () => void {
    return this.readiness.onChange(listener);
  }

  /**
   * @param sharedPort a worker of a supervised node: joins the port its node claimed instead of
   *   claiming it (transport/port.ts)
   */
  static async start(config: Config, log: Logger = createLogger(config.logLevel, config.nodeId, undefined, config.limits.logs), sharedPort = false): Promise<Gateway> {
    checkNative(config.websocket.allowJsFallback, log);
    const node = config.nodeId ?? '';
    const telemetry = await Telemetry.create(config, log);
    const verifier = JwtVerifier.create(config.auth, log);
    const resolver = new ChannelResolver(config);
    const transcoder = new Transcoder(config.schemas);
    const readiness = new Readiness();
    let hub: Hub | undefined;
    let presence: Presence | undefined;
    let probe: StreamProbe | undefined;
    const { stats } = telemetry;
    const nats = await connectNats(config, log, {
      disconnected: () => {
        stats.natsDisconnects++;
        readiness.update({ nats: false });
      },
      reconnected: () => {
        stats.natsReconnects++;
        readiness.update({ nats: true });
        void probe?.check();
        void hub?.resync();
        // Entries may have expired while the connection was down.
        presence?.heartbeat();
      },
    });
    readiness.update({ nats: true });
    let gw: Gateway | undefined;
    try {
      const streams = new Streams(nats.jsm, config, log);
      await streams.declare(config.nats.startupWaitSec);
      readiness.update({ streams: true });
      probe = new StreamProbe(streams, readiness, log);
      const replay = config.limits.replay;
      const turns = new TurnScheduler({
        maxActive: replay.maxActive, reserved: replay.reservedForRecovery, maxQueued: replay.maxQueued,
        perOwnerActive: config.websocket.maxActiveReplays, perOwnerTotal: config.websocket.maxReplays,
      }, stats.replayTurns);
      const reader = new HistoryReader(nats, turns, { inactiveSec: replay.consumerInactiveSec });
      let deps: SessionDeps | undefined;
      const server = new WsServer(config, log, {
        openSession: (conn: Conn, format: Format) => new Session(conn, format, deps as SessionDeps),
      }, stats);
      const liveHub = new Hub({ nc: nats.nc, reader, streams, transcoder, resolver, fanout: server, log, telemetry, limits: config.limits.channels, tailCheckSec: config.tailCheckSec });
      hub = liveHub;
      watchStreamLeaders(nats.nc, (stream) => liveHub.recoverStream(stream));
      if (config.namespaces.some((ns) => ns.presence)) {
        const bucket = await ExpiringBucket.open(nats, { name: config.presence.bucket, ttlSec: config.presence.ttlSec, replicas: config.presence.replicas }, log);
        presence = new Presence({ nc: nats.nc, bucket, fanout: server, config: config.presence, limits: config.limits.presence, node, stats, log });
      }
      const history: HistoryDeps = { resolver, streams, reader, transcoder };
      const handlers: RequestHandlers = {
        history: historyHandler(history),
        presence: presenceHandler(resolver, presence),
        publish: publishHandler({ config, resolver, transcoder, nats }),
        rpc: rpcHandler({ config, transcoder, nats }),
      };
      deps = { config, resolver, hub, streams, reader, log, handlers, verifier, telemetry, presence };
      const commands = new Commands(nats.nc, `${config.control.subjectPrefix}.command`,
        { quietMs: config.control.commandWaitMs, maxMs: config.nats.requestTimeoutMs }, node, (cmd) => applyCommand(cmd, server.allSessions()), log);
      commands.listen();
      const p = presence;
      telemetry.observe({ connections: () => server.connections, subscriptions: () => liveHub.subscriptions, channels: () => liveHub.size, windowBytes: () => liveHub.windowBytes, presenceMembers: () => p?.members ?? 0, natsConnected: () => readiness.get().nats });
      const g = new Gateway(config, log, nats, streams, liveHub, server, telemetry, presence, commands, readiness, probe, verifier);
      gw = g;
      // Up before the WebSocket listener: /readyz says "not ready" until clients can connect.
      if (config.control.enabled) {
        g.control = await ControlServer.start({
          config, log, node, telemetry, resolver, history, presence, hub: liveHub, js: nats.js, commands, readiness: () => readiness.get(),
        });
        log.info({ port: g.control.port }, 'control plane listening');
      }
      await server.listen(sharedPort);
      readiness.update({ listening: true });
      probe.start();
      log.info({ port: server.port, path: config.websocket.path }, 'gateway listening');
      return g;
    } catch (e) {
      if (gw) await gw.stop();
      else {
        // Failed before the gateway existed (streams, presence bucket): nothing was started yet.
        verifier.close();
        hub?.close();
        await nats.nc.close();
        await telemetry.shutdown();
      }
      throw e;
    }
  }

  /** Stops at once: every client is told to reconnect (4005) in the same instant. */
  async stop(): Promise<void> {
    this.readiness.update({ listening: false });
    this.server.close();
    await this.stopFeeds();
    await this.nats.nc.drain().catch(() => this.nats.nc.close());
    await this.stopReporting();
  }

  /** Stops what reads NATS or feeds clients; leaves of the connections closed go out before NATS does. */
  private async stopFeeds(): Promise<void> {
    this.probe.stop();
    this.verifier.close();
    this.hub.close();
    this.commands.close();
    await this.presence?.close();
  }

  /** Last: until here /readyz tells the load balancer why this node is not ready. */
  private async stopReporting(): Promise<void> {
    await this.control?.close();
    await this.telemetry.shutdown();
  }

  /**
   * Graceful shutdown within `windowMs`: stops accepting, tells the connected clients to reconnect
   * (to another node, through the load balancer) spread over most of the window, lets the last
   * frames go out, then closes NATS. Clients resume from their positions elsewhere: none loses a
   * publication. Calling it again returns the same drain.
   */
  drain(windowMs: number = this.config.shutdown.drainWindowMs): Promise<void> {
    this.draining ??= this.runDrain(windowMs);
    return this.draining;
  }

  private async runDrain(windowMs: number): Promise<void> {
    const started = performance.now();
    const plan = drainPlan(windowMs);
    this.readiness.update({ draining: true, listening: false });
    this.server.stopListening();
    const sessions = [...this.server.allSessions()];
    this.log.info({ connections: sessions.length, windowMs }, 'draining: clients are told to reconnect elsewhere');
    await spreadDisconnects(sessions, plan.spreadMs, (s) => s.disconnect(CloseCode.Shutdown, 'gateway draining: reconnect', true));
    // Connections accepted while the listener was closing, if any.
    this.server.close();
    await sleep(plan.flushMs);
    await this.stopFeeds();
    const left = plan.deadlineMs - (performance.now() - started);
    await Promise.race([this.nats.nc.drain().catch(() => undefined), sleep(left)]);
    if (!this.nats.nc.isClosed()) await this.nats.nc.close();
    await this.stopReporting();
    this.log.info({ connections: sessions.length, ms: Math.round(performance.now() - started) }, 'drained');
  }
}
