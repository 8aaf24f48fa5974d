import { syncDir } from './durable-files.js';
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * An append-only journal of JSON records, one line each, led by the CRC-32 of the line's JSON:
 *
 *   3610a686 {"t":"m","id":"..."}
 *
 * Each append is written and synced to disk before it returns, so a record that was appended
 * survives kill -9 and a power cut. A record torn by a power cut mid-write (a last line without its
 * newline, or whose CRC does not match) is detected when the journal is opened, skipped, and the
 * damaged file kept aside; the intact records are kept. Appending instead of rewriting spares an
 * SD card: the file is rewritten only when compacted, which the owner does now and then.
 */

export interface JournalDamage {
  /** 1-based line number in the damaged file. */
  line: number;
  reason: string;
}

export interface OpenedJournal<T> {
  journal: AppendJournal<T>;
  /** The intact records, in the order they were appended. */
  records: T[];
  /** What was skipped; empty for a healthy journal. */
  damage: JournalDamage[];
  /** Where the damaged file was kept, when there was damage. */
  damagedCopy?: string;
}

function encode(record: unknown): Buffer {
  const json = JSON.stringify(record);
  const body = Buffer.from(json, 'utf8');
  return Buffer.concat([Buffer.from(`${crc32(body).toString(16).padStart(8, '0')} `, 'ascii'), body, Buffer.from('\n', 'ascii')]);
}

/** Reads a journal file's lines, keeping the intact ones. */
export function readJournalText<T>(text: string, accept: (value: unknown) => value is T): { records: T[]; damage: JournalDamage[] } {
  const records: T[] = [];
  const damage: JournalDamage[] = [];
  const lines = text.split('\n');
  // The text after the last newline is a record cut short, or nothing.
  const tail = lines.pop() ?? '';
  lines.forEach((line, i) => {
    const m = /^([0-9a-f]{8}) (.*)$/.exec(line);
    if (!m) {
      damage.push({ line: i + 1, reason: line.length === 0 ? 'empty line' : 'not a journal record' });
      return;
    }
    if (crc32(Buffer.from(m[2]!, 'utf8')) !== Number.parseInt(m[1]!, 16)) {
      damage.push({ line: i + 1, reason: 'checksum mismatch' });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(m[2]!);
    } catch {
      damage.push({ line: i + 1, reason: 'not JSON' });
      return;
    }
    if (!accept(value)) {
      damage.push({ line: i + 1, reason: 'not a record this journal holds' });
      return;
    }
    records.push(value);
  });
  if (tail.length > 0) damage.push({ line: lines.length + 1, reason: `torn record (${tail.length} bytes without an end)` });
  return { records, damage };
}

export class AppendJournal<T> {
  private fd: number;
  private size: number;

  private constructor(
    readonly file: string,
    fd: number,
  ) {
    this.fd = fd;
    this.size = fstatSync(fd).size;
  }

  /**
   * Opens (creating) a journal. A damaged file is renamed to `<file>.damaged-<time>` and replaced
   * by its intact records, so that appends continue after clean data.
   */
  static open<T>(file: string, accept: (value: unknown) => value is T): OpenedJournal<T> {
    mkdirSync(path.dirname(file), { recursive: true });
    // Only a regular file holds records (a device such as /dev/full reads as endless zeros).
    const text = existsSync(file) && statSync(file).isFile() ? readFileSync(file, 'utf8') : '';
    const { records, damage } = readJournalText(text, accept);
    let damagedCopy: string | undefined;
    if (damage.length > 0) {
      damagedCopy = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(file, damagedCopy);
      AppendJournal.writeWhole(file, records);
    }
    const journal = new AppendJournal<T>(file, openSync(file, 'a', 0o600));
    return { journal, records, damage, damagedCopy };
  }

  private static writeWhole(file: string, records: readonly unknown[]): void {
    const temp = `${file}.tmp`;
    const fd = openSync(temp, 'w', 0o600);
    try {
      if (records.length > 0) writeSync(fd, Buffer.concat(records.map(encode)));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
    syncDir(path.dirname(file));
  }

  /** Bytes in the file now. */
  get bytes(): number {
    return this.size;
  }

  /**
   * Appends records and syncs them to disk. On a failed write (a full disk) the file is cut back
   * to where it was, so no half record is left for the next append to be glued onto, and the error
   * is thrown: the caller still has the records.
   */
  append(...records: T[]): void {
    if (records.length === 0) return;
    const data = Buffer.concat(records.map(encode));
    try {
      let written = 0;
      while (written < data.length) written += writeSync(this.fd, data, written);
      fdatasyncSync(this.fd);
      this.size += data.length;
    } catch (err) {
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // Nothing more to do; the torn tail will be skipped when the journal is next opened.
      }
      throw err;
    }
  }

  /** Compaction: the whole journal replaced by these records, atomically. */
  rewrite(records: readonly T[]): void {
    closeSync(this.fd);
    try {
      AppendJournal.writeWhole(this.file, records);
    } finally {
      this.fd = openSync(this.file, 'a', 0o600);
      this.size = fstatSync(this.fd).size;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
