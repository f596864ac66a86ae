/**
 * Stable error and close codes of the jetgate protocol. docs/protocol.md lists the same table;
 * test/unit/codes.test.ts keeps the two in step.
 */

/** The latest time (unix ms) a JavaScript Date holds: times past it (`sinceTime`) are refused. */
export const MAX_UNIX_MS = 8.64e15;

/** Codes carried by `Error` replies (a request failed; the connection stays open). */
export const ErrorCode = {
  BadRequest: 1000,
  UnknownMessage: 1001,
  NotConnected: 1002,
  AlreadyConnected: 1003,
  BadChannel: 1004,
  UnknownNamespace: 1005,
  AlreadySubscribed: 1006,
  NotSubscribed: 1007,
  TooManySubscriptions: 1008,
  PermissionDenied: 1009,
  RateLimited: 1010,
  PayloadTooLarge: 1011,
  BadPayload: 1012,
  PublishNotAllowed: 1013,
  PublishFailed: 1014,
  RpcNotAllowed: 1015,
  RpcTimeout: 1016,
  RpcNoResponders: 1017,
  RpcFailed: 1018,
  PresenceNotEnabled: 1019,
  HistoryUnavailable: 1020,
  BadToken: 1021,
  TokenExpired: 1022,
  Unavailable: 1023,
  /** A gateway-wide budget (replays, channels, presence reads, …) is spent: retry after a backoff. */
  Overloaded: 1024,
  Internal: 1099,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** WebSocket close codes the gateway uses (4000-4999 is the application range). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  /** Malformed frames beyond what a client may send (the frame could not be parsed at all). */
  ProtocolError: 4000,
  /** The connection did not send Connect in time. */
  HandshakeTimeout: 4001,
  /** Connect refused: bad, forged or expired token. */
  Unauthorized: 4002,
  /** The token expired and was not refreshed. */
  TokenExpired: 4003,
  /** The client did not answer pings. */
  NoPong: 4004,
  /** The gateway is shutting down; reconnect (another node will serve the resume). */
  Shutdown: 4005,
  /** Disconnected by the server API. */
  Kicked: 4006,
  /** Message rate or another per-connection limit exceeded repeatedly. */
  PolicyViolation: 4007,
  /** The client read too slowly: its send buffer passed the bound. Reconnect and resume. */
  SlowConsumer: 4008,
  /** Too many connections from one address. */
  TooManyConnections: 4010,
  /** Internal error on the connection; reconnect. */
  Internal: 4011,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Close codes after which a client should reconnect (and resume) on its own. */
export const RECONNECT_CODES: ReadonlySet<number> = new Set<number>([
  CloseCode.GoingAway,
  CloseCode.NoPong,
  CloseCode.Shutdown,
  CloseCode.SlowConsumer,
  CloseCode.Internal,
  1006,
  1011,
  1012,
  1013,
]);

/** Codes in `Unsubscribed` pushes. */
export const UnsubscribeCode = {
  /** The stream behind the channel was recreated (new epoch): subscribe again without `since`. */
  StreamReset: 2000,
  /** A refreshed token no longer grants the channel. */
  PermissionLost: 2001,
  /** Removed by the server API. */
  ServerUnsubscribe: 2002,
  /** Replay could not be completed (JetStream unavailable); subscribe again to resume. */
  ReplayFailed: 2003,
} as const;
