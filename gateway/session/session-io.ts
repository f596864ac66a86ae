import type { Format } from '../../proto/codec.js';
import type { Pub } from '../hub/publication.js';
import type { Conn } from './conn.js';

/** What a subscription needs of its session: the socket, its format and paced sending. */
export interface SessionIo {
  readonly conn: Conn;
  readonly format: Format;
  sendPubs(pubs: readonly Pub[]): void;
  /** Whether the socket's buffer is at or below the replay high-water mark. */
  canWrite(): boolean;
  /** Resolves when the socket's buffer is below the replay high-water mark (or it closed). */
  writable(): Promise<void>;
  unsubscribed(channel: string, code: number, reason: string, resubscribe: boolean): void;
}
