/** What the supervisor and its worker processes tell each other over the IPC channel. */
import type { Config } from '../config/schema.js';
import type { ReadinessState } from '../health/readiness.js';

export type ToWorker =
  | { type: 'start'; config: Config }
  | { type: 'drain' };

export type FromWorker =
  | { type: 'listening'; port: number }
  | { type: 'readiness'; state: ReadinessState }
  /** The worker could not start (before it exits 1). */
  | { type: 'failed'; code: string; message: string };
