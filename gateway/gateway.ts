/**
 * Composition of the data plane: NATS connection and streams, hub, sessions, WebSocket server.
 * Data flows one way: NATS -> channels (hub) -> frames -> uWS topics / sockets.
 */
import type { Format } from '../proto/codec.js';
import { CloseCode } from '../proto/codes.js';
import { JwtVerifier } from './auth/verifier.js';
import { ChannelResolver } from './channels/grammar.js';
import type { Config } from './config/schema.js';
import { spreadDisconnects } from './drain/drain.js';
import { drainPlan } from './drain/schedule.js';
import { Readiness, type ReadinessState } from './health/readiness.js';
import { StreamProbe } from './health/stream-probe.js';
import { historyHandler } from './requests/history.js';
import { HistoryReader } from './history/reader.js';
import { Hub } from './hub/hub.js';
import { publishHandler } from './publish/handler.js';
import { rpcHandler } from './rpc/handler.js';
import { createLogger, type Logger } from './log.js';
import { watchStreamLeaders } from './nats/advisories.js';
import { connectNats, type Nats } from './nats/connection.js';
import { Streams } from './nats/streams.js';
import { Transcoder } from './schemas/transcoder.js';
import type { Conn } from './session/conn.js';
import type { RequestHandlers } from './session/request.js';
import { Session, type SessionDeps } from './session/session.js';
import { WsServer } from './transport/server.js';
import { checkNative } from './transport/uws.js';

/** How long a channel with no subscribers keeps its subscription and window (fast page reloads). */
const LINGER_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export class Gateway {
  private draining: Promise<void> | undefined;

  private constructor(
    readonly config: Config,
    readonly log: Logger,
    readonly nats: Nats,
    readonly streams: Streams,
    readonly hub: Hub,
    readonly server: WsServer,
    private readonly readiness: Readiness,
    private readonly probe: StreamProbe,
    private readonly verifier: JwtVerifier,
  ) {}

  get port(): number {
    return this.server.port;
  }

  /** Whether this gateway can serve new clients now, and the parts that say why not. */
  ready(): ReadinessState {
    return this.readiness.get();
  }

  /** Calls `listener` whenever readiness changes; returns the unsubscribe function. */
  onReadiness(listener: (state: ReadinessState) => void): () => void {
    return this.readiness.onChange(listener);
  }

  static async start(config: Config, log: Logger = createLogger(config.logLevel, config.nodeId)): Promise<Gateway> {
    checkNative(config.websocket.allowJsFallback, log);
    const verifier = JwtVerifier.create(config.auth, log);
    const resolver = new ChannelResolver(config);
    const transcoder = new Transcoder(config.schemas);
    const readiness = new Readiness();
    let hub: Hub | undefined;
    let probe: StreamProbe | undefined;
    const nats = await connectNats(config, log, {
      disconnected: () => readiness.update({ nats: false }),
      reconnected: () => {
        readiness.update({ nats: true });
        void probe?.check();
        void hub?.resync();
      },
    });
    readiness.update({ nats: true });
    try {
      const streams = new Streams(nats.jsm, config, log);
      await streams.declare(config.nats.startupWaitSec);
      readiness.update({ streams: true });
      probe = new StreamProbe(streams, readiness, log);
      const reader = new HistoryReader(nats);
      let deps: SessionDeps | undefined;
      const server = new WsServer(config, log, {
        openSession: (conn: Conn, format: Format) => new Session(conn, format, deps as SessionDeps),
      });
      const liveHub = new Hub({ nc: nats.nc, reader, streams, transcoder, resolver, fanout: server, log, lingerMs: LINGER_MS, tailCheckSec: config.tailCheckSec });
      hub = liveHub;
      watchStreamLeaders(nats.nc, (stream) => liveHub.recoverStream(stream));
      const handlers: RequestHandlers = {
        history: historyHandler({ resolver, streams, reader, transcoder }),
        publish: publishHandler({ config, resolver, transcoder, nats }),
        rpc: rpcHandler({ config, transcoder, nats }),
      };
      deps = { config, resolver, hub, streams, reader, log, handlers, verifier };
      await server.listen();
      readiness.update({ listening: true });
      probe.start();
      log.info({ port: server.port, path: config.websocket.path }, 'gateway listening');
      return new Gateway(config, log, nats, streams, hub, server, readiness, probe, verifier);
    } catch (e) {
      probe?.stop();
      verifier.close();
      await nats.nc.close();
      throw e;
    }
  }

  /** Stops at once: every client is told to reconnect (4005) in the same instant. */
  async stop(): Promise<void> {
    this.readiness.update({ listening: false });
    this.probe.stop();
    this.server.close();
    this.verifier.close();
    this.hub.close();
    await this.nats.nc.drain().catch(() => this.nats.nc.close());
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
    this.probe.stop();
    this.verifier.close();
    this.hub.close();
    const left = plan.deadlineMs - (performance.now() - started);
    await Promise.race([this.nats.nc.drain().catch(() => undefined), sleep(left)]);
    if (!this.nats.nc.isClosed()) await this.nats.nc.close();
    this.log.info({ connections: sessions.length, ms: Math.round(performance.now() - started) }, 'drained');
  }
}
