import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { LogLevel } from '../../config/station-config.js';
import { inWindow, jsonLines, rotatedFiles } from './log-files.js';
import { maskString } from './mask.js';

/**
 * The agent's own log, kept for diagnostics uploads (OCPP 2.0.1 N01 DiagnosticsLog, 1.6
 * GetDiagnostics): one JSON line per record ({time, level, message}) in `agent.log` in storage.dir,
 * rotated like the security log (a file past maxBytes becomes agent.log.1, older ones move up, only
 * keepRotated are kept), so it never takes more than (keepRotated + 1) x maxBytes.
 *
 * Where a window of records is read from: under systemd the journal holds every line too, and for
 * longer (it survives the file's rotation), so `agentLogRecords` asks journalctl when it is given a
 * unit and falls back to this file when the journal gives nothing (journalctl missing or failing,
 * no permission to read it, a volatile journal emptied by a reboot).
 */

export interface AgentLogRecord {
  /** RFC 3339. */
  time: string;
  level: LogLevel;
  message: string;
}

export interface AgentLogFileOptions {
  /** Bytes in the current file before it is rotated; default 1 MiB. */
  maxBytes?: number;
  /** Rotated files kept besides the current one; default 2 (3 files in all). */
  keepRotated?: number;
  /** The time a record is stamped with; the system's by default. */
  now?: () => Date;
}

export const AGENT_LOG_FILE = 'agent.log';
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'notice', 'warning', 'error'];

function isRecord(v: unknown): v is AgentLogRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r['time'] === 'string' && typeof r['message'] === 'string' && LEVELS.includes(r['level'] as LogLevel);
}

export class AgentLogFile {
  readonly file: string;
  private readonly maxBytes: number;
  private readonly keepRotated: number;
  private readonly now: () => Date;
  private fd: number | undefined;
  private size = 0;
  /** Records lost to write errors (a full disk); the log must never take the agent down. */
  dropped = 0;

  constructor(dir: string, options: AgentLogFileOptions = {}) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, AGENT_LOG_FILE);
    this.maxBytes = options.maxBytes ?? 1024 * 1024;
    this.keepRotated = options.keepRotated ?? 2;
    this.now = options.now ?? (() => new Date());
  }

  /** Appends a record (not synced: a log line is not worth an fsync on flash), URL credentials masked. Never throws. */
  record(level: LogLevel, message: string): void {
    const line = Buffer.from(`${JSON.stringify({ time: this.now().toISOString(), level, message: maskString(message) })}\n`, 'utf8');
    try {
      if (this.fd === undefined) {
        this.fd = openSync(this.file, 'a', 0o600);
        this.size = statSync(this.file).size;
      }
      if (this.size > 0 && this.size + line.length > this.maxBytes) this.rotate();
      let written = 0;
      while (written < line.length) written += writeSync(this.fd ?? -1, line, written);
      this.size += line.length;
    } catch {
      this.dropped += 1;
      this.close();
    }
  }

  close(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already gone
      }
    }
    this.fd = undefined;
  }

  /** The log's files, oldest first: the rotated ones, then the current one. */
  files(): string[] {
    return rotatedFiles(path.dirname(this.file), AGENT_LOG_FILE);
  }

  /** The records from `from` to `to` (either open), oldest first, read a line at a time. */
  async *readWindow(from?: Date, to?: Date): AsyncGenerator<AgentLogRecord> {
    for await (const value of jsonLines(this.files())) {
      if (isRecord(value) && inWindow(Date.parse(value.time), from, to)) yield value;
    }
  }

  private rotate(): void {
    this.close();
    if (this.keepRotated === 0) {
      rmSync(this.file, { force: true });
    } else {
      rmSync(`${this.file}.${this.keepRotated}`, { force: true });
      for (let i = this.keepRotated - 1; i >= 1; i--) {
        if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
      }
      renameSync(this.file, `${this.file}.1`);
    }
    this.fd = openSync(this.file, 'a', 0o600);
    this.size = 0;
  }
}

export interface JournalSource {
  /** The systemd unit whose entries are read, e.g. evse-agent.service. */
  unit: string;
  /** The journalctl to run; `journalctl` on the PATH by default. */
  journalctl?: string;
}

/** syslog priorities (RFC 5424) as the logger's levels; 0-2 (emerg, alert, crit) count as error. */
function levelOfPriority(priority: unknown): LogLevel {
  const p = Number(priority);
  if (p <= 3) return 'error';
  if (p === 4) return 'warning';
  if (p === 5) return 'notice';
  if (p === 6) return 'info';
  return 'debug';
}

/** A journal entry's MESSAGE is a string, or an array of bytes when it is not valid UTF-8. */
function journalMessage(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((b) => typeof b === 'number')) return Buffer.from(value as number[]).toString('utf8');
  return undefined;
}

/** The unit's journal entries in the window, through `journalctl --output=json`, one entry a line. */
export async function* journalWindow(source: JournalSource, from?: Date, to?: Date): AsyncGenerator<AgentLogRecord> {
  const args = [`--unit=${source.unit}`, '--output=json', '--no-pager', '--quiet'];
  // systemd.time(7): "@" and seconds since the epoch.
  if (from) args.push(`--since=@${Math.floor(from.getTime() / 1000)}`);
  if (to) args.push(`--until=@${Math.ceil(to.getTime() / 1000)}`);
  const child = spawn(source.journalctl ?? 'journalctl', args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? -1));
  });
  exited.catch(() => undefined); // observed below
  try {
    for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      const message = journalMessage(entry['MESSAGE']);
      const micros = Number(entry['__REALTIME_TIMESTAMP']);
      if (message === undefined || !Number.isFinite(micros)) continue;
      const timeMs = Math.floor(micros / 1000);
      if (!inWindow(timeMs, from, to)) continue; // --since/--until are whole seconds
      yield { time: new Date(timeMs).toISOString(), level: levelOfPriority(entry['PRIORITY']), message };
    }
    const code = await exited;
    if (code !== 0) throw new Error(`journalctl exited with ${code}`);
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

/**
 * The agent's records in the window: from the journal when `journal` is given (running under
 * systemd), else, or when the journal gives none (or fails before its first), from the rotating file.
 */
export async function* agentLogRecords(file: AgentLogFile, journal: JournalSource | undefined, from?: Date, to?: Date): AsyncGenerator<AgentLogRecord> {
  if (journal) {
    let yielded = 0;
    try {
      for await (const record of journalWindow(journal, from, to)) {
        yielded += 1;
        yield record;
      }
    } catch (err) {
      if (yielded > 0) throw err;
    }
    // Nothing from the journal: journalctl missing or failing, a user not allowed to read it, or a
    // volatile journal emptied by a reboot; the file has what it kept.
    if (yielded > 0) return;
  }
  yield* file.readWindow(from, to);
}
