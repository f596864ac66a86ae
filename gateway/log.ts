/**
 * Structured logs (pino, the logger fastify uses), one line of JSON each. Never log tokens or keys.
 * Lines at info and above pass a per-cause limiter (./log-limiter.ts; the cause is the message), so
 * that no client can flood the logs: past `limits.logs.linesPerCause` lines of one cause in an
 * interval the rest are dropped, and one "log lines suppressed" line says how many. Child loggers
 * (fastify's request loggers included) share their root's limiter.
 */
import { Value } from '@sinclair/typebox/value';
import { pino } from 'pino';
import { LogLimitsSchema, type LogLimits } from './config/schema.js';
import { LogLimiter } from './log-limiter.js';

export type Logger = pino.Logger;

const LIMITED_FROM = 30; // pino's info
export const SUPPRESSED_MSG = 'log lines suppressed';
/** What createLogger limits by when not told: the schema's defaults (callers with a config pass its own). */
const DEFAULT_LIMITS = Value.Default(LogLimitsSchema, {}) as LogLimits;

/** The message of a pino call: the first string argument (a format string stays one cause). */
function causeOf(args: unknown[]): string {
  const first = typeof args[0] === 'string' ? args[0] : args[1];
  return typeof first === 'string' ? first : '(no message)';
}

export function createLogger(level: string, nodeId?: string, destination?: pino.DestinationStream, limits: LogLimits = DEFAULT_LIMITS): Logger {
  const limiter = new LogLimiter(limits.linesPerCause, limits.intervalSec * 1000);
  let timer: NodeJS.Timeout | undefined;
  const reportLater = () => {
    const at = limiter.nextReportAt();
    if (timer || at === undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      for (const { cause, suppressed } of limiter.report(Date.now())) root.warn({ cause, suppressed, intervalSec: limits.intervalSec }, SUPPRESSED_MSG);
      reportLater();
    }, Math.max(0, at - Date.now())).unref();
  };
  const root: Logger = pino({
    level,
    base: nodeId ? { node: nodeId } : undefined,
    // Belt and braces: nothing logs these on purpose.
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization', '*.headers.authorization', '*.headers["x-api-key"]', 'apiKeys', '*.apiKeys'],
      censor: '[redacted]',
    },
    hooks: {
      logMethod(args, method, lineLevel) {
        const cause = causeOf(args);
        if (lineLevel >= LIMITED_FROM && cause !== SUPPRESSED_MSG && !limiter.admit(cause, Date.now())) return reportLater();
        method.apply(this, args);
      },
    },
  }, destination);
  return root;
}
