import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { datasync, trackWrite } from './disk-sync.js';
import path from 'node:path';

/**
 * The station's local security log (OCPP 2.0.1 A04.FR.04: every security event, critical or not):
 * one JSON line per event, appended and synced. It rolls over, as A04.FR.04's note recommends: a
 * file past `maxBytes` becomes `security.log.1` (the older ones move up to `.2`, ...), and only
 * `keepRotated` of those are kept, so the log never holds more than (keepRotated + 1) x maxBytes.
 * The files are what a GetLog of type SecurityLog uploads.
 */

export interface SecurityLogEntry {
  /** RFC 3339, when the event happened. */
  timestamp: string;
  /** The security event's type (Part 2 appendices, Security Events), e.g. StartupOfTheDevice. */
  type: string;
  techInfo?: string;
}

export interface SecurityLogOptions {
  /** Bytes in the current file before it is rotated; default 256 KiB. */
  maxBytes?: number;
  /** Rotated files kept besides the current one; default 3. */
  keepRotated?: number;
}

export const SECURITY_LOG_FILE = 'security.log';
/** In storage.dir: the journal where critical security events wait for the CSMS (see transaction-journal.ts). */
export const SECURITY_EVENT_JOURNAL_FILE = 'security-events.journal';

function isEntry(v: unknown): v is SecurityLogEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return typeof e['timestamp'] === 'string' && typeof e['type'] === 'string' && (e['techInfo'] === undefined || typeof e['techInfo'] === 'string');
}

export class SecurityLog {
  readonly file: string;
  private readonly maxBytes: number;
  private readonly keepRotated: number;
  private readonly clearedListeners = new Set<(techInfo: string) => void>();

  constructor(dir: string, options: SecurityLogOptions = {}) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, SECURITY_LOG_FILE);
    this.maxBytes = options.maxBytes ?? 256 * 1024;
    this.keepRotated = options.keepRotated ?? 3;
  }

  /**
   * Appends an event, then syncs it off the event loop (issue 18: a security event may come with a
   * fault); rotates first when the line would take the file past maxBytes.
   */
  append(entry: SecurityLogEntry): void {
    const line = Buffer.from(`${JSON.stringify({ timestamp: entry.timestamp, type: entry.type, techInfo: entry.techInfo })}\n`, 'utf8');
    const size = existsSync(this.file) ? statSync(this.file).size : 0;
    const dropped = size > 0 && size + line.length > this.maxBytes ? this.rotate() : undefined;
    const fd = openSync(this.file, 'a', 0o600);
    try {
      let written = 0;
      while (written < line.length) written += writeSync(fd, line, written);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    trackWrite(this.file, datasync(fd).finally(() => closeSync(fd)));
    // After the line is in: a listener that appends (SecurityLogWasCleared) finds the log whole.
    if (dropped) for (const listener of [...this.clearedListeners]) listener(dropped);
  }

  /**
   * Calls `listener` each time the rotation drops events (the oldest file, `dropped` telling which
   * and how big): the log was cleared of them (the SecurityLogWasCleared security event). Returns
   * the function that stops it.
   */
  onCleared(listener: (dropped: string) => void): () => void {
    this.clearedListeners.add(listener);
    return () => this.clearedListeners.delete(listener);
  }

  /** The log's files, oldest first: the rotated ones, then the current one. */
  files(): string[] {
    const rotated = Array.from({ length: this.keepRotated }, (_, i) => `${this.file}.${this.keepRotated - i}`);
    return [...rotated, this.file].filter((f) => existsSync(f));
  }

  /** Every event still kept, oldest first; a line that is not an event (a torn write) is skipped. */
  entries(): SecurityLogEntry[] {
    const entries: SecurityLogEntry[] = [];
    for (const f of this.files()) {
      for (const line of readFileSync(f, 'utf8').split('\n')) {
        if (line === '') continue;
        try {
          const value: unknown = JSON.parse(line);
          if (isEntry(value)) entries.push(value);
        } catch {
          // A line cut short by a power cut: the others still count.
        }
      }
    }
    return entries;
  }

  /**
   * security.log.N is dropped, each older file moves up one, the current one becomes .1. Returns
   * what was dropped, if anything was.
   */
  private rotate(): string | undefined {
    const oldest = this.keepRotated === 0 ? this.file : `${this.file}.${this.keepRotated}`;
    const dropped = existsSync(oldest) ? `${path.basename(oldest)} (${statSync(oldest).size} bytes of the oldest events) dropped by the rotation` : undefined;
    if (this.keepRotated === 0) {
      rmSync(this.file, { force: true });
      return dropped;
    }
    rmSync(oldest, { force: true });
    for (let i = this.keepRotated - 1; i >= 1; i--) {
      if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    }
    renameSync(this.file, `${this.file}.1`);
    return dropped;
  }
}
