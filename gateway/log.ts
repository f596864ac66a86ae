/** Structured logs (pino, the logger fastify uses), one line of JSON each. Never log tokens or keys. */
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string, nodeId?: string, destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    base: nodeId ? { node: nodeId } : undefined,
    // Belt and braces: nothing logs these on purpose.
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization', '*.headers.authorization', '*.headers["x-api-key"]', 'apiKeys', '*.apiKeys'],
      censor: '[redacted]',
    },
  }, destination);
}
