/** Structured logs (pino, the logger fastify uses), one line of JSON each. Never log tokens. */
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string, nodeId?: string): Logger {
  return pino({
    level,
    base: nodeId ? { node: nodeId } : undefined,
    redact: { paths: ['token', '*.token', 'authorization', '*.authorization'], censor: '[redacted]' },
  });
}
