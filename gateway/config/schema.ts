/**
 * The gateway's configuration: one object, validated against this schema (defaults filled in).
 * docs/configuration.md documents every key; test/unit/config.test.ts keeps the two in step.
 */
import { Type, type Static } from '@sinclair/typebox';

const Str = (description: string, def?: string) => Type.String(def === undefined ? { description } : { description, default: def });
const Int = (description: string, def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  Type.Integer({ description, default: def, minimum: min, maximum: max });
const Bool = (description: string, def: boolean) => Type.Boolean({ description, default: def });

export const NatsSchema = Type.Object({
  servers: Type.Array(Type.String(), { description: 'NATS server URLs', default: ['nats://127.0.0.1:4222'], minItems: 1 }),
  name: Str('connection name shown by NATS monitoring', 'jetgate'),
  user: Type.Optional(Str('user for NATS authentication')),
  pass: Type.Optional(Str('password for NATS authentication')),
  token: Type.Optional(Str('token for NATS authentication')),
  reconnectWaitMs: Int('delay between NATS reconnect attempts', 500, 10, 60_000),
  requestTimeoutMs: Int('timeout of JetStream API requests', 5_000, 100, 120_000),
  startupWaitSec: Int('how long start-up waits for JetStream to answer (a cluster forming or electing a leader)', 30, 0, 3600),
}, { additionalProperties: false, default: {} });

export const WebSocketSchema = Type.Object({
  host: Str('address the WebSocket listener binds', '0.0.0.0'),
  port: Int('WebSocket port (0 picks a free port)', 8080, 0, 65535),
  path: Str('URL path that accepts WebSocket upgrades', '/ws'),
  listenRetrySec: Int('keep retrying a bind that fails though no process listens on the port this long at start-up; a port another process listens on is refused at once', 75, 0, 3600),
  maxFrameBytes: Int('largest client frame accepted; a larger one closes the connection (1009)', 64 * 1024, 1024, 16 * 1024 * 1024),
  maxBufferBytes: Int('send buffer bound per connection; past it the connection is closed as a slow consumer (4008)', 4 * 1024 * 1024, 16 * 1024, 1024 * 1024 * 1024),
  replayHighWaterBytes: Int('replay pauses while a connection has more than this buffered', 256 * 1024, 1024, 64 * 1024 * 1024),
  pingIntervalSec: Int('seconds between server pings', 25, 1, 3600),
  pongTimeoutSec: Int('seconds a client has to answer a ping before it is closed (4004)', 10, 1, 3600),
  handshakeTimeoutMs: Int('time a new connection has to send Connect (4001)', 5_000, 100, 120_000),
  maxSubscriptions: Int('subscriptions per connection', 512, 1, 100_000),
  maxChannelLength: Int('longest channel name accepted', 255, 8, 1024),
  allowJsFallback: Bool("start even when uWebSockets.js runs its slow JavaScript fallback (warns loudly)", false),
  maxMessagesPerSec: Int('messages a connection may send per second on average (token bucket refill; error 1010 past it)', 100, 1, 1_000_000),
  messageBurst: Int('messages a connection may send at once (token bucket size); refusals beyond what the rate forgives, this many, close it (4007)', 1_000, 1, 10_000_000),
  maxPendingRequests: Int('requests (history, publish, rpc, presence, refresh, and subscribes while they read JetStream) a connection may have awaiting their replies (error 1010 past it)', 64, 1, 100_000),
  maxReplays: Int('JetStream reads (replays, history pages) a connection may have running or waiting for a turn (error 1010 past it)', 32, 1, 100_000),
  maxActiveReplays: Int('JetStream reads a connection may run at once; more wait their turn', 2, 1, 1_000),
  maxConnectionsPerIp: Int('connections from one address (IPv6: one /64); more are closed with 4010 (0: no limit)', 1_000, 0, 10_000_000),
  allowedOrigins: Type.Array(Type.String(), {
    description: 'Origin header values browsers may connect from ("https://app.example.com", "https://*.example.com"); empty: any',
    default: [],
  }),
  tls: Type.Object({
    certFile: Type.Optional(Str('PEM certificate chain: the listener speaks TLS (wss://) when set together with keyFile')),
    keyFile: Type.Optional(Str('PEM private key of the certificate')),
    passphrase: Type.Optional(Str('passphrase of the private key, if it is encrypted')),
  }, { additionalProperties: false, default: {} }),
}, { additionalProperties: false, default: {} });

export const ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;
const Algorithm = Type.Union(ALGORITHMS.map((a) => Type.Literal(a)));

export const AuthSchema = Type.Object({
  hmacSecret: Type.Optional(Type.String({ description: 'shared secret for HS256 tokens (at least 32 bytes)', minLength: 32 })),
  publicKey: Type.Optional(Str('PEM public key (RSA for RS256, P-256 for ES256) that signs tokens')),
  publicKeyFile: Type.Optional(Str('file holding that PEM public key')),
  jwksFile: Type.Optional(Str('JWKS file (RS256/ES256 keys, chosen by "kid"); re-read when it changes')),
  jwksPollMs: Int('how often the JWKS file is checked for changes', 2_000, 50, 3_600_000),
  algorithms: Type.Array(Algorithm, { description: 'token algorithms accepted (each also needs its key)', default: [...ALGORITHMS], minItems: 1 }),
  audience: Type.Array(Type.String(), { description: 'accepted "aud" values; empty: not checked', default: [] }),
  issuer: Type.Array(Type.String(), { description: 'accepted "iss" values; empty: not checked', default: [] }),
  clockToleranceSec: Int('clock skew tolerated on exp and nbf', 5, 0, 300),
  requireExp: Bool('refuse tokens without "exp"', true),
  claims: Type.Object({
    user: Str('claim holding the user id', 'sub'),
    subscribe: Str('claim holding channel patterns the token may subscribe to (and read history and presence of)', 'subscribe'),
    publish: Str('claim holding channel patterns the token may publish to', 'publish'),
    rpc: Str('claim holding method patterns the token may call', 'rpc'),
    info: Str('claim holding free-form information passed to services and presence', 'info'),
  }, { additionalProperties: false, default: {} }),
}, { additionalProperties: false, default: {} });

export const ShutdownSchema = Type.Object({
  drainWindowMs: Int('on SIGTERM/SIGINT, connections are told to reconnect elsewhere, spread over this window; the process exits within it', 10_000, 500, 600_000),
}, { additionalProperties: false, default: {} });

export const StreamSchema = Type.Object({
  name: Type.String({ description: 'stream name', pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  subjects: Type.Array(Type.String(), { description: 'subjects the stream stores', minItems: 1 }),
  storage: Type.Union([Type.Literal('file'), Type.Literal('memory')], { description: 'storage type', default: 'file' }),
  replicas: Int('replicas (1 or 3 in a cluster)', 1, 1, 5),
  maxAgeSec: Int('drop messages older than this (0: no limit)', 0),
  maxMsgs: Int('most messages kept (0: no limit)', 0),
  maxBytes: Int('most bytes kept (0: no limit)', 0),
  maxMsgsPerSubject: Int('most messages kept per subject (0: no limit)', 0),
  duplicateWindowSec: Int('window in which a repeated Nats-Msg-Id is stored once', 120, 1, 86_400),
  manage: Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('verify')], {
    description: 'create: create when missing, refuse a mismatch; update: also fix a mismatched existing stream; verify: never change NATS, only check',
    default: 'create',
  }),
}, { additionalProperties: false });

/** What a connection may do on a channel (or method); gateway/auth/identity.ts decides. */
export const ACTIONS = ['subscribe', 'history', 'presence', 'publish', 'rpc'] as const;
const Action = Type.Union(ACTIONS.map((a) => Type.Literal(a)));

export const NamespaceSchema = Type.Object({
  name: Type.String({ description: 'namespace: the part of a channel before ":"', pattern: '^[a-z][a-z0-9_-]{0,31}$' }),
  stream: Type.String({ description: 'stream that stores this namespace\'s subjects' }),
  subject: Str('subject template; {name} is the channel name with "/" mapped to "."', '{ns}.{name}'),
  window: Int('recent publications kept in memory per active channel (serves resumes without JetStream)', 1_000, 0, 1_000_000),
  allowWildcards: Bool('channel names may contain "*" segments and a final ">" (subscribe only)', false),
  forwardHeaders: Type.Array(Type.String(), { description: 'producer headers passed on to clients', default: [] }),
  anonymous: Type.Union([Type.Boolean(), Type.Array(Action, { uniqueItems: true })], {
    description: 'what connections without a token may do: true (subscribe, history, presence), false (nothing), or a list of actions',
    default: false,
  }),
  grants: Type.Object({
    subscribe: Type.Array(Type.String(), { description: 'channel patterns every authenticated connection may subscribe to ("{sub}": its user id)', default: [] }),
    publish: Type.Array(Type.String(), { description: 'channel patterns every authenticated connection may publish to', default: [] }),
    rpc: Type.Array(Type.String(), { description: 'method patterns every authenticated connection may call', default: [] }),
  }, { additionalProperties: false, default: {} }),
  publish: Bool('clients may publish to the namespace\'s channels', false),
  publishType: Type.Optional(Str('protobuf type every client publish must be (and decode as); a type from `schemas`')),
  maxPayloadBytes: Int('largest payload of a client publish or RPC', 16 * 1024, 1, 16 * 1024 * 1024),
  rpcSubject: Str('NATS subject template of RPCs, with {method} (and {ns}); empty: no RPC on this namespace', ''),
  rpcMethods: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), { description: 'methods clients may call (empty: any)', default: [] }),
  rpcTimeoutMs: Int('default and longest RPC timeout', 5_000, 10, 120_000),
  presence: Bool('track who is subscribed (cluster-wide, NATS KV) and push join/leave to subscribers', false),
}, { additionalProperties: false });

export const ControlSchema = Type.Object({
  enabled: Bool('serve the control plane (health, readiness, metrics, server API, OpenAPI)', true),
  host: Str('address the control plane binds (loopback by default: set 0.0.0.0 or an interface address for probes and scrapers on other hosts)', '127.0.0.1'),
  port: Int('control plane port (0 picks a free port)', 8081, 0, 65535),
  apiKeys: Type.Array(Type.String({ minLength: 16 }), {
    description: 'keys accepted by the server API (Authorization: Bearer <key> or X-API-Key); none: the API refuses every request',
    default: [],
  }),
  bodyLimitBytes: Int('largest request body the server API accepts', 1024 * 1024, 1024, 64 * 1024 * 1024),
  headersTimeoutMs: Int('time a request has to send its headers (408 and closed past it)', 5_000, 100, 600_000),
  requestTimeoutMs: Int('time a request has to send its headers and body (408 and closed past it)', 10_000, 100, 600_000),
  keepAliveTimeoutMs: Int('an idle keep-alive connection is closed after this long', 5_000, 100, 600_000),
  idleTimeoutMs: Int('a connection on which nothing moves this long is closed, even while its request is being handled', 30_000, 1_000, 600_000),
  maxConnections: Int('open connections the control plane accepts; more are closed at once', 1_024, 1, 1_000_000),
  subjectPrefix: Str('prefix of the core NATS subjects gateways receive cluster-wide commands on (disconnect, unsubscribe)', '_jg.ctl'),
  commandWaitMs: Int('how long a cluster-wide command waits for more nodes to report after the last one answered', 300, 10, 10_000),
}, { additionalProperties: false, default: {} });

export const PresenceSchema = Type.Object({
  bucket: Type.String({ description: 'NATS KV bucket holding presence entries', pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'jetgate_presence' }),
  ttlSec: Int('an entry not refreshed this long expires (a crashed gateway\'s clients vanish within it)', 30, 2, 3600),
  heartbeatSec: Int('how often a gateway refreshes its clients\' entries (at most half of ttlSec)', 10, 1, 1800),
  replicas: Int('replicas of the presence bucket (1, or 3 on a NATS cluster)', 1, 1, 5),
  subjectPrefix: Str('prefix of the core NATS subjects join/leave events travel on', '_jg.presence'),
}, { additionalProperties: false, default: {} });

export const TelemetrySchema = Type.Object({
  serviceName: Str('service.name of metrics and traces', 'jetgate'),
  prometheus: Bool('serve metrics in Prometheus text format at /metrics on the control plane', true),
  otlpEndpoint: Str('base URL of an OTLP/HTTP receiver (e.g. http://otel-collector:4318); empty: no OTLP export', ''),
  metricsIntervalSec: Int('seconds between OTLP metric exports', 15, 1, 3600),
  traces: Bool('export traces over OTLP (needs otlpEndpoint)', false),
  traceSampleRatio: Type.Number({
    description: 'share of traces the gateway starts that are sampled; traces continued from a producer follow its sampled flag',
    default: 0.1, minimum: 0, maximum: 1,
  }),
}, { additionalProperties: false, default: {} });

/*
 * Gateway-wide budgets (docs/security.md, "Resource governance"): what all clients of one gateway
 * process may cost together. Per-connection bounds stay under `websocket`.
 */

/** Replays, JetStream consumers and the JetStream cost of history / rewind / latest. */
export const ReplayLimitsSchema = Type.Object({
  maxActive: Int('JetStream reads (replay chunks, history pages, gap recoveries) running at once, each with at most one consumer: the bound on the consumers the process holds', 64, 2, 100_000),
  reservedForRecovery: Int('of maxActive, the reads only the gateway\'s own gap recoveries may take', 16, 1, 100_000),
  maxQueued: Int('client reads waiting for a turn, gateway-wide (error 1024 past it)', 2_048, 0, 10_000_000),
  consumerInactiveSec: Int('nats-server deletes a replay consumer idle this long (cleans up after a gateway that died mid-read)', 10, 1, 3_600),
}, { additionalProperties: false, default: {} });

/** Channels held by the process and the memory of their recent windows. */
export const ChannelLimitsSchema = Type.Object({
  max: Int('channels this process holds at once (lingering ones included: the longest idle gives way to a new one); past it a new channel is refused (1024)', 20_000, 1, 10_000_000),
  lingerSec: Int('seconds a channel without subscribers is kept (a reload resumes from its window)', 30, 0, 3600),
  createPerSec: Int('new channels this process starts per second (each a JetStream request and a NATS subscription); past it 1024', 1_000, 1, 1_000_000),
  createPerConnectionPerSec: Int('new channels one connection may start per second on average; past it 1010', 20, 1, 1_000_000),
  createPerConnectionBurst: Int('new channels one connection may start at once', 100, 1, 1_000_000),
  windowBytes: Int('estimated bytes all recent windows of this process hold together; past it the windows written to least recently give up their oldest entries', 256 * 1024 * 1024, 0, Number.MAX_SAFE_INTEGER),
}, { additionalProperties: false, default: {} });

/** Presence reads and join/leave pushes. */
export const PresenceLimitsSchema = Type.Object({
  maxMembers: Int('presence entries this process keeps alive (each a KV write per heartbeat); past it a presence subscribe is refused (1024)', 10_000, 1, 10_000_000),
  perConnection: Int('presence channels one connection may be subscribed to; past it 1008', 8, 1, 100_000),
  maxReads: Int('presence lists read from KV at once by this process (requests for the same channel share one read); past it 1024', 8, 1, 10_000),
  maxListed: Int('most entries one presence list reads and returns', 1_000, 1, 1_000_000),
  cacheMs: Int('a presence list is reused this long for further requests on the same channel (0: only concurrent ones share a read)', 500, 0, 60_000),
  eventIntervalMs: Int('join/leave events of a channel are sent together at most once per interval; a join and leave of the same client within it cancel out (0: at once)', 250, 0, 60_000),
}, { additionalProperties: false, default: {} });

/** Log lines per cause. */
export const LogLimitsSchema = Type.Object({
  linesPerCause: Int('log lines (info and above) of one cause, its message, written per interval; the rest are counted and reported once per interval', 50, 1, 1_000_000),
  intervalSec: Int('the interval of linesPerCause', 10, 1, 3600),
}, { additionalProperties: false, default: {} });

export const LimitsSchema = Type.Object({
  replay: ReplayLimitsSchema,
  channels: ChannelLimitsSchema,
  presence: PresenceLimitsSchema,
  logs: LogLimitsSchema,
}, { additionalProperties: false, default: {} });

export const ConfigSchema = Type.Object({
  nodeId: Type.Optional(Str('gateway node id (default: hostname-pid)')),
  livePrefix: Str('prefix of the core NATS subjects streams republish to', '_jg.live'),
  tailCheckSec: Int('seconds of quiet after which a channel checks JetStream for a last message lost on the live path (0: never)', 10, 0, 3600),
  workers: Int('gateway processes sharing the WebSocket port, each with its own NATS connection (0: one per CPU core)', 0, 0, 256),
  freezeIntrinsics: Bool('jetgate serve freezes Object.prototype and the other shared prototypes once started (defence against prototype pollution)', true),
  nats: NatsSchema,
  websocket: WebSocketSchema,
  shutdown: ShutdownSchema,
  auth: AuthSchema,
  schemas: Type.Array(Type.String(), { description: '.proto files whose message types JSON clients get transcoded', default: [] }),
  streams: Type.Array(StreamSchema, { default: [] }),
  namespaces: Type.Array(NamespaceSchema, { default: [] }),
  control: ControlSchema,
  presence: PresenceSchema,
  telemetry: TelemetrySchema,
  limits: LimitsSchema,
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), {
    description: 'log level', default: 'info',
  }),
}, { additionalProperties: false });

export type Config = Static<typeof ConfigSchema>;
export type NamespaceConfig = Static<typeof NamespaceSchema>;
export type AuthConfig = Static<typeof AuthSchema>;
export type Action = (typeof ACTIONS)[number];
export type Algorithm = (typeof ALGORITHMS)[number];
export type StreamConfig = Static<typeof StreamSchema>;
export type ControlConfig = Static<typeof ControlSchema>;
export type PresenceConfig = Static<typeof PresenceSchema>;
export type TelemetryConfig = Static<typeof TelemetrySchema>;
export type LimitsConfig = Static<typeof LimitsSchema>;
export type LogLimits = Static<typeof LogLimitsSchema>;
export type ChannelLimits = Static<typeof ChannelLimitsSchema>;
export type PresenceLimits = Static<typeof PresenceLimitsSchema>;
