import { hostname } from 'node:os';
import type { LogLevel } from '@lakestream/config';
import pino from 'pino';

/** The logger type every package passes around. */
export type Logger = pino.Logger;

// Keys whose values are secrets wherever they appear. Matched at the top level and up to two
// levels deep (`{ config: { databaseUrl } }`, `{ req: { headers: { authorization } } }`): the
// wildcard syntax matches exactly one level per `*`.
const SECRET_KEYS = [
  'password',
  'passwd',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'apiKey',
  'api_key',
  'authorization',
  'cookie',
  'credentials',
  'privateKey',
  'private_key',
  'connectionString',
  'databaseUrl',
  'DATABASE_URL',
] as const;

/** Log paths whose values are replaced by `[redacted]` in every Lakestream log line. */
export const REDACTED_LOG_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => [
  key,
  `*.${key}`,
  `*.*.${key}`,
]);

/** Options of `createLogger`. */
export interface LoggerOptions {
  /** Service name, written into every line as `service`. */
  service: string;
  /** Minimum level; default `info`. `silent` turns logging off (tests). */
  level?: LogLevel | 'silent';
  /** Where lines go; default stdout. Tests pass a stream to capture lines. */
  destination?: pino.DestinationStream;
  /** Extra paths to redact, in pino's path syntax (e.g. `order.customer.email`). */
  redact?: readonly string[];
  /**
   * Called once when the destination (a stream, or stdout by default) fails – EPIPE when the
   * process reading the logs has ended; the logger writes nothing more to it.
   */
  onDestinationLost?: (err: Error) => void;
}

/**
 * A pino logger writing one JSON object per line: `service`, `pid`, `hostname`, an ISO `time`,
 * `level` as a name, errors under `err` with stack and cause, secrets redacted.
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level ?? 'info',
    base: { service: options.service, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level names instead of numbers: readable with grep and in any log UI.
    formatters: { level: (label: string) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    redact: { paths: [...REDACTED_LOG_PATHS, ...(options.redact ?? [])], censor: '[redacted]' },
  } satisfies pino.LoggerOptions;
  // pino's stdout destination buffers but flushes on process exit, so the last lines before
  // `process.exit()` at the end of a shutdown are not lost; after EPIPE it drops every write
  // without a word. `pino.destination(1)` is that same destination, built here when its loss must
  // be heard.
  const destination =
    options.destination ?? (options.onDestinationLost ? pino.destination(1) : undefined);
  if (!destination) return pino(settings);
  return pino(settings, guarded(destination, options.onDestinationLost));
}

/**
 * A destination that goes quiet once it has failed, for a caller that is told so, once
 * (`onLost`). A write to stderr whose reader has ended fails with an asynchronous 'error' event;
 * unheard, it is an uncaught exception, whose fatal log line fails the same way – a process
 * orphaned by its runner spun on that loop at 70 % of a core and never exited, not even on
 * SIGTERM.
 */
function guarded(
  destination: pino.DestinationStream,
  onLost: ((err: Error) => void) | undefined,
): pino.DestinationStream {
  const events = destination as Partial<NodeJS.EventEmitter>;
  if (!onLost || typeof events.on !== 'function') return destination;
  let lost = false;
  events.on('error', (err: Error) => {
    if (lost) return;
    lost = true;
    onLost(err);
  });
  return {
    write(line: string) {
      if (!lost) destination.write(line);
    },
  };
}
