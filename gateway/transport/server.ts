/**
 * The WebSocket data plane on uWebSockets.js: upgrades (origin check, subprotocol negotiation),
 * admission (connections per address), optional TLS, one Session per connection, topics as the
 * fan-out for channels, and a housekeeping sweep (pings, deadlines, send-buffer bound).
 */
import { accessSync, constants } from 'node:fs';
import { SUBPROTOCOL, formatOfSubprotocol, type Format } from '../../proto/codec.js';
import { CloseCode } from '../../proto/codes.js';
import type { Config } from '../config/schema.js';
import { JetgateError } from '../errors.js';
import type { Fanout } from '../hub/channel.js';
import type { Logger } from '../log.js';
import type { Conn } from '../session/conn.js';
import type { Session } from '../session/session.js';
import type { Stats } from '../telemetry/stats.js';
import { addressKey, ConnectionCounter, originAllowed } from './admission.js';
import { claimPort } from './port.js';
import { uWS, type ListenSocket, type TemplatedApp, type UwsSocket } from './uws.js';

interface SocketData {
  format: Format;
  address: string;
  /** What the per-address limit counts this connection under (addressKey). */
  addressKey: string;
  session?: Session;
  /** Set once admitted (counted against the per-address limit, released at close). */
  conn?: SocketConn;
}

export interface ServerHooks {
  openSession(conn: Conn, format: Format): Session;
}

/** uWS listen options (its ListenOptions enum): shared is SO_REUSEPORT, for a node's workers. */
const LISTEN_SHARED = 0;
const LISTEN_EXCLUSIVE = 1;
/** The form of uWS's listen that takes a host and options (in its binding, not in its typings). */
interface ListenWithOptions {
  listen(host: string, port: number, options: number, cb: (socket: ListenSocket | false) => void): void;
}

// Often enough that a slow consumer is caught near its bound, cheap enough for 100k idle sockets.
const SWEEP_MS = 250;

export class WsServer implements Fanout {
  readonly app: TemplatedApp;
  private listenSocket: ListenSocket | undefined;
  private readonly sessions = new Set<Session>();
  /** Sessions that had unsent bytes at the last sweep: checked against the bound after every flush. */
  private readonly backlogged = new Set<Session>();
  private sweep: NodeJS.Timeout | undefined;
  private readonly perAddress: ConnectionCounter;
  port = 0;

  constructor(private readonly config: Config, private readonly log: Logger, private readonly hooks: ServerHooks, private readonly stats: Stats) {
    const ws = config.websocket;
    this.perAddress = new ConnectionCounter(ws.maxConnectionsPerIp);
    this.app = createApp(ws.tls);
    this.app.ws<SocketData>(ws.path, {
      maxPayloadLength: ws.maxFrameBytes,
      // We close slow consumers with 4008 at maxBufferBytes; uWS drops the socket outright at four
      // times that, so even a burst faster than our checks cannot grow memory without bound.
      maxBackpressure: ws.maxBufferBytes * 4,
      closeOnBackpressureLimit: 1,
      // Pings are the protocol's own (browsers cannot see WebSocket pings), so traffic flows at least
      // every ping interval; uWS's idle timeout only backs that up. It also bounds how long a closing
      // socket may take to flush its buffered frames and close frame.
      idleTimeout: Math.min(960, Math.max(16, 2 * (ws.pingIntervalSec + ws.pongTimeoutSec))),
      sendPingsAutomatically: false,
      upgrade: (res, req, context) => {
        if (!originAllowed(req.getHeader('origin'), ws.allowedOrigins)) {
          res.writeStatus('403 Forbidden').end('origin not allowed');
          return;
        }
        const offered = req.getHeader('sec-websocket-protocol').split(',').map((s) => s.trim());
        const chosen = offered.find((p) => formatOfSubprotocol(p));
        if (!chosen) {
          res.writeStatus('400 Bad Request').end(`offer a WebSocket subprotocol: ${SUBPROTOCOL.proto} or ${SUBPROTOCOL.json}`);
          return;
        }
        const address = Buffer.from(res.getRemoteAddressAsText()).toString();
        res.upgrade<SocketData>({ format: formatOfSubprotocol(chosen) as Format, address, addressKey: addressKey(address) },
          req.getHeader('sec-websocket-key'), chosen, req.getHeader('sec-websocket-extensions'), context);
      },
      open: (sock) => {
        const data = sock.getUserData();
        // Upgraded first, then closed: browsers see a close code, never a failed upgrade's status.
        if (!this.perAddress.admit(data.addressKey)) {
          sock.end(CloseCode.TooManyConnections, 'too many connections from this address');
          return;
        }
        data.conn = new SocketConn(sock, data.address);
        const session = this.hooks.openSession(data.conn, data.format);
        data.session = session;
        this.sessions.add(session);
        this.stats.connectionsOpened++;
      },
      message: (sock, message, isBinary) => {
        const session = sock.getUserData().session;
        if (!session) return;
        // uWS reuses the buffer after this callback: decode from a copy.
        const bytes = new Uint8Array(message.slice(0));
        try {
          session.onFrame(isBinary ? bytes : Buffer.from(bytes).toString('utf8'));
        } catch (e) {
          // A bug must cost this connection, never the process and everyone else's.
          this.log.error({ client: session.id, err: (e as Error).stack }, 'frame handling failed');
          session.disconnect(CloseCode.Internal, 'internal error', true);
        }
      },
      drain: (sock) => sock.getUserData().session?.onDrain(),
      close: (sock, code) => {
        const data = sock.getUserData();
        if (data.conn) this.perAddress.release(data.addressKey);
        data.conn?.markClosed();
        const session = data.session;
        if (!session) return;
        this.stats.connectionClosed(code);
        this.log.debug({ client: session.id, code }, 'connection closed');
        this.sessions.delete(session);
        this.backlogged.delete(session);
        data.session = undefined;
        session.onClose();
      },
    });
  }

  /**
   * Listens. A node's own port (not `shared`) is first claimed (claimPort: refused at once when
   * another process listens there) and then bound exclusively; a worker joins the port its node
   * claimed. A bind that still fails (a crashed process's sockets still closing) is retried for up
   * to `listenRetrySec`.
   */
  async listen(shared = false): Promise<number> {
    const { host, listenRetrySec } = this.config.websocket;
    let { port } = this.config.websocket;
    if (!shared && port !== 0) port = await claimPort(host, port);
    const options = shared ? LISTEN_SHARED : LISTEN_EXCLUSIVE;
    const deadline = Date.now() + listenRetrySec * 1000;
    for (let attempt = 0; ; attempt++) {
      const token = await new Promise<ListenSocket | false>((resolve) => (this.app as unknown as ListenWithOptions).listen(host, port, options, resolve));
      if (token) {
        this.listenSocket = token;
        this.port = uWS.us_socket_local_port(token);
        this.sweep = setInterval(() => this.housekeeping(), SWEEP_MS);
        return this.port;
      }
      if (Date.now() >= deadline) {
        throw new JetgateError('LISTEN_FAILED', `cannot listen on ${host}:${port}: the bind kept failing (retried for ${listenRetrySec} s)`);
      }
      if (attempt === 0) this.log.warn({ host, port, retrySec: listenRetrySec }, 'port busy (a previous process\'s sockets still closing); retrying');
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** True while the listen socket is open. */
  get listening(): boolean {
    return this.listenSocket !== undefined;
  }

  get connections(): number {
    return this.sessions.size;
  }

  private housekeeping(): void {
    const now = Date.now();
    for (const s of this.sessions) {
      s.tick(now);
      if (!s.closed && s.conn.buffered() > 0) this.backlogged.add(s);
      else this.backlogged.delete(s);
    }
  }

  afterFlush(): void {
    for (const s of this.backlogged) {
      s.checkBuffer();
      if (s.closed) this.backlogged.delete(s);
    }
  }

  publish(topic: string, frame: Uint8Array | string, binary: boolean): void {
    this.app.publish(topic, frame, binary);
  }

  subscribers(topic: string): number {
    return this.app.numSubscribers(topic);
  }

  /** Stops accepting connections. */
  stopListening(): void {
    if (this.listenSocket) uWS.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
  }

  /** Disconnects every session with a code and closes the listener. */
  close(code: number = CloseCode.Shutdown, reason = 'gateway shutting down'): void {
    this.stopListening();
    if (this.sweep) clearInterval(this.sweep);
    for (const s of [...this.sessions]) s.disconnect(code, reason, true);
    this.sessions.clear();
  }

  allSessions(): ReadonlySet<Session> {
    return this.sessions;
  }
}

/** A plain or TLS (wss://) app; TLS needs a certificate chain and its key, both PEM files. */
function createApp(tls: Config['websocket']['tls']): TemplatedApp {
  if (!tls.certFile || !tls.keyFile) return uWS.App();
  for (const file of [tls.certFile, tls.keyFile]) {
    try {
      accessSync(file, constants.R_OK);
    } catch (e) {
      throw new JetgateError('TLS_INVALID', `websocket.tls: cannot read ${file}: ${(e as Error).message}`);
    }
  }
  try {
    return uWS.SSLApp({ cert_file_name: tls.certFile, key_file_name: tls.keyFile, ...(tls.passphrase ? { passphrase: tls.passphrase } : {}) });
  } catch (e) {
    throw new JetgateError('TLS_INVALID', `websocket.tls: ${(e as Error).message} (is ${tls.certFile} a PEM certificate, ${tls.keyFile} its key, the passphrase right?)`);
  }
}

/** A uWS socket as a session sees it; calls after close are ignored (uWS throws on them). */
class SocketConn implements Conn {
  private open = true;

  constructor(private readonly sock: UwsSocket<SocketData>, readonly remoteAddress: string) {}

  markClosed(): void {
    this.open = false;
  }

  send(frame: Uint8Array | string, binary: boolean): void {
    if (this.open) this.sock.send(frame, binary);
  }

  buffered(): number {
    return this.open ? this.sock.getBufferedAmount() : 0;
  }

  subscribe(topic: string): void {
    if (this.open) this.sock.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    if (this.open) this.sock.unsubscribe(topic);
  }

  end(code: number, reason: string): void {
    if (!this.open) return;
    this.open = false;
    this.sock.end(code, reason);
  }
}
