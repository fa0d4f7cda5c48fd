// One pino logger for the process. Writes go through an asynchronous destination with a bounded
// buffer: logging never blocks the DNS path, and under a log flood lines are dropped, not queued
// without limit.
import { type LevelWithSilent, type Logger, pino } from 'pino';

/** LOG_BUFFER_LIMIT bounds what the async destination may hold before it drops lines (16 MiB). */
const LOG_BUFFER_LIMIT = 16 * 1024 * 1024;

/** ProcessLogger is the logger plus a way to flush it before the process exits. */
export interface ProcessLogger {
  readonly log: Logger;
  readonly flush: () => void;
}

/** createLogger returns the process logger at level, writing JSON lines to fd (stdout by default). */
export function createLogger(level: LevelWithSilent, fd = 1): ProcessLogger {
  const destination = pino.destination({ dest: fd, sync: false, maxLength: LOG_BUFFER_LIMIT });
  const log = pino({ level, base: { service: 'jw238dns' } }, destination);
  return {
    log,
    flush: () => {
      try {
        destination.flushSync();
      } catch {
        // flushSync throws while the destination is still opening; nothing is buffered then.
      }
    },
  };
}

/** silentLogger is a logger that writes nothing (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export type { Logger };
