import type { LogLevel } from '../config/station-config.js';

/**
 * One line per event. Under systemd (JOURNAL_STREAM set) each line starts with its syslog priority
 * as <N>, which journald turns into the entry's priority, so `journalctl -p warning` works; on a
 * terminal, lines carry a time and the level's name instead.
 */

const PRIORITY: Record<LogLevel, number> = { error: 3, warning: 4, notice: 5, info: 6, debug: 7 };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  notice(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  /** A logger whose lines start with "scope: ". */
  child(scope: string): Logger;
  /** Whether a line of this level goes anywhere: a costly line (an OCPP frame, masked) is not made for nothing. */
  wants?(level: LogLevel): boolean;
}

export interface LogSink {
  write(line: string): unknown;
}

/** A Logger whose every level goes to one emit function. */
export function loggerFrom(emit: (level: LogLevel, message: string) => void, child: (scope: string) => Logger, wants?: (level: LogLevel) => boolean): Logger {
  return {
    ...(wants ? { wants } : {}),
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    notice: (m) => emit('notice', m),
    warning: (m) => emit('warning', m),
    error: (m) => emit('error', m),
    child,
  };
}

export function createLogger(
  level: LogLevel = 'info',
  sink: LogSink = process.stderr,
  journald = Boolean(process.env['JOURNAL_STREAM']),
  scope = '',
): Logger {
  const threshold = PRIORITY[level];
  const emit = (l: LogLevel, message: string): void => {
    if (PRIORITY[l] > threshold) return;
    const text = `${scope}${message}`.replace(/\r?\n/g, ' | ');
    sink.write(journald ? `<${PRIORITY[l]}>${text}\n` : `${new Date().toISOString()} ${l.toUpperCase().padEnd(7)} ${text}\n`);
  };
  return loggerFrom(emit, (s) => createLogger(level, sink, journald, `${scope}${s}: `), (l) => PRIORITY[l] <= threshold);
}

/**
 * `inner`, which also hands each record at or above `level` to `record`, its scope prefixed: the
 * agent's own log file that diagnostics uploads read (services/diagnostics/agent-log.ts).
 */
export function teeLogger(inner: Logger, record: (level: LogLevel, message: string) => void, level: LogLevel = 'info', scope = ''): Logger {
  const threshold = PRIORITY[level];
  const emit = (l: LogLevel, message: string): void => {
    inner[l](message);
    if (PRIORITY[l] <= threshold) record(l, `${scope}${message}`);
  };
  return loggerFrom(emit, (s) => teeLogger(inner.child(s), record, level, `${scope}${s}: `), (l) => PRIORITY[l] <= threshold || inner.wants?.(l) !== false);
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  notice: () => undefined,
  warning: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
  wants: () => false,
};
