/** What a session needs of its WebSocket (uWS in the gateway): keeps sessions free of transport code. */
export interface Conn {
  send(frame: Uint8Array | string, binary: boolean): void;
  /** Bytes queued for this connection and not yet written to the kernel. */
  buffered(): number;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  /** Closes with a code; buffered frames are sent first. */
  end(code: number, reason: string): void;
  readonly remoteAddress: string;
}
