import { loggerFrom, type Logger } from '../../src/process/logger.js';

/** A logger that keeps its lines as "level message", for tests that look at what was logged. */
export function capturingLogger(lines: string[]): Logger {
  const log: Logger = loggerFrom((level, message) => lines.push(`${level} ${message}`), () => log);
  return log;
}
