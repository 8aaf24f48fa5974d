import type { LogLevel } from '../../src/config/station-config.js';
import { loggerFrom, type Logger, type LogSink } from '../../src/process/logger.js';

/**
 * A logger for a terminal a developer watches: each line is the local time and the message, so
 * the development CSMS' traffic reads like a conversation. Warnings and errors go to `errors`,
 * marked as such.
 */

const RANK: Record<LogLevel, number> = { error: 3, warning: 4, notice: 5, info: 6, debug: 7 };

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

export function createPrintingLogger(out: LogSink, errors: LogSink = out, level: LogLevel = 'info', scope = ''): Logger {
  const emit = (l: LogLevel, message: string): void => {
    if (RANK[l] > RANK[level]) return;
    const text = `${scope}${message}`.replace(/\r?\n/g, ' | ');
    if (l === 'warning' || l === 'error') errors.write(`${clock()} ${l}: ${text}\n`);
    else out.write(`${clock()} ${text}\n`);
  };
  return loggerFrom(emit, (s) => createPrintingLogger(out, errors, level, `${scope}${s}: `));
}
