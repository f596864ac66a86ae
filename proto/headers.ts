/**
 * NATS message headers of jetgate's conventions, shared by the gateway, the producer helper and
 * services (docs/producers.md describes them).
 */
export const Header = {
  /** Full name of the payload's protobuf message type, e.g. "lobby.v1.PlayerJoined". */
  Type: 'Jetgate-Type',
  /** The caller's user id; absent for anonymous callers. Set by the gateway only. */
  User: 'Jetgate-User',
  /** The caller's connection id. Set by the gateway only. */
  Client: 'Jetgate-Client',
  /** The caller's identity info (JSON object), when it has any. Set by the gateway only. */
  Info: 'Jetgate-Info',
  /** JetStream de-duplication id: the same id within the stream's window is stored once. */
  MsgId: 'Nats-Msg-Id',
  /** W3C trace context, passed on unchanged. */
  Traceparent: 'traceparent',
  Tracestate: 'tracestate',
  /** Error reply of a service (the NATS service framework's convention). */
  ServiceError: 'Nats-Service-Error',
  ServiceErrorCode: 'Nats-Service-Error-Code',
} as const;

/** Headers nobody but the gateway (Jetgate-*) or NATS itself (Nats-*) may set. */
export function isReservedHeader(name: string): boolean {
  return /^(jetgate|nats)-/i.test(name);
}
