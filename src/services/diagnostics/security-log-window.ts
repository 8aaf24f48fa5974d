import { SECURITY_LOG_FILE, type SecurityLogEntry } from '../../store/security-log.js';
import { inWindow, jsonLines, rotatedFiles } from './log-files.js';

function isEntry(v: unknown): v is SecurityLogEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return typeof e['timestamp'] === 'string' && typeof e['type'] === 'string';
}

/**
 * The security events (store/security-log.ts, A04.FR.04) from `from` to `to`, oldest first, read
 * from the log's files a line at a time: what a GetLog of type SecurityLog uploads (N01).
 */
export async function* securityLogRecords(dir: string, from?: Date, to?: Date): AsyncGenerator<SecurityLogEntry> {
  for await (const value of jsonLines(rotatedFiles(dir, SECURITY_LOG_FILE))) {
    if (isEntry(value) && inWindow(Date.parse(value.timestamp), from, to)) yield value;
  }
}
