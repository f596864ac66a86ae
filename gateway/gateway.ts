/**
 * Composition of the data plane: NATS connection and streams, hub, sessions, WebSocket server.
 * Data flows one way: NATS -> channels (hub) -> frames -> uWS topics / sockets.
 */
import type { Format } from '../proto/codec.js';
import { JwtVerifier } from './auth/verifier.js';
import { ChannelResolver } from './channels/grammar.js';
import type { Config } from './config/schema.js';
import { historyHandler } from './history/query.js';
import { HistoryReader } from './history/reader.js';
import { Hub } from './hub/hub.js';
import { createLogger, type Logger } from './log.js';
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

export class Gateway {
  private constructor(
    readonly config: Config,
    readonly log: Logger,
    readonly nats: Nats,
    readonly streams: Streams,
    readonly hub: Hub,
    readonly server: WsServer,
    private readonly verifier: JwtVerifier,
  ) {}

  get port(): number {
    return this.server.port;
  }

  static async start(config: Config, log: Logger = createLogger(config.logLevel, config.nodeId)): Promise<Gateway> {
    checkNative(config.websocket.allowJsFallback, log);
    const verifier = JwtVerifier.create(config.auth, log);
    const resolver = new ChannelResolver(config);
    const transcoder = new Transcoder(config.schemas);
    let hub: Hub | undefined;
    let nats: Nats | undefined;
    try {
      nats = await connectNats(config, log, () => void hub?.resync());
      const streams = new Streams(nats.jsm, config, log);
      await streams.declare();
      const reader = new HistoryReader(nats);
      let deps: SessionDeps | undefined;
      const server = new WsServer(config, log, {
        openSession: (conn: Conn, format: Format) => new Session(conn, format, deps as SessionDeps),
      });
      hub = new Hub({ nc: nats.nc, reader, streams, transcoder, resolver, fanout: server, log, lingerMs: LINGER_MS });
      const handlers: RequestHandlers = { history: historyHandler({ resolver, streams, reader, transcoder }) };
      deps = { config, resolver, hub, streams, reader, log, handlers, verifier };
      await server.listen();
      log.info({ port: server.port, path: config.websocket.path }, 'gateway listening');
      return new Gateway(config, log, nats, streams, hub, server, verifier);
    } catch (e) {
      verifier.close();
      await nats?.nc.close();
      throw e;
    }
  }

  async stop(): Promise<void> {
    this.server.close();
    this.verifier.close();
    this.hub.close();
    await this.nats.nc.drain().catch(() => this.nats.nc.close());
  }
}
