import { writeFileAtomic } from './durable-files.js';
import { datasync, syncDirAsync } from './disk-sync.js';
import { GroupCommit } from './group-commit.js';
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * An append-only journal of JSON records, one line each, led by the CRC-32 of the line's JSON:
 *
 *   3610a686 {"t":"m","id":"..."}
 *
 * Each append is written at once (it survives kill -9 from then on) and synced to disk by group
 * commit (group-commit.ts, issue 18): one fdatasync, on the thread pool, covers every record appended
 * since the last one began, so the event loop never waits for the disk and a replay of many messages
 * costs a few syncs rather than one each. `synced()` says when what was appended is safe from a
 * power cut; whoever must not act before that (send the message, answer the CSMS) waits for it. A record torn by a power cut mid-write (a last line without its
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

function writeAll(fd: number, data: Buffer): void {
  let written = 0;
  while (written < data.length) written += writeSync(fd, data, written);
}

export class AppendJournal<T> {
  /** Open while there is something to write or sync; closed when idle (a fleet of thousands of stations in one process must not hold three files each). */
  private fd: number | undefined;
  private size: number;
  private readonly commits: GroupCommit;
  /** Files a compaction replaced, closed once no sync uses them. */
  private retired: number[] = [];
  /** While a compaction runs: what is appended meanwhile, to be carried into the new file. */
  private compactionTail: Buffer[] | undefined;
  /** A compaction's rename until its folder is synced: no later append is safe before it is. */
  private renameSafe: Promise<void> | undefined;
  private closed = false;

  private constructor(
    readonly file: string,
    fd: number,
  ) {
    this.size = fstatSync(fd).size;
    // Opened again at the first append: an idle journal holds no file.
    closeSync(fd);
    this.commits = new GroupCommit(file, {
      fd: () => this.openFile(),
      barrier: () => this.renameSafe,
      afterSync: () => {
        this.closeRetired();
        this.closeIfIdle();
      },
    });
  }

  private openFile(): number {
    return (this.fd ??= openSync(this.file, 'a', 0o600));
  }

  private closeIfIdle(): void {
    if (this.fd === undefined || this.closed || this.compactionTail || !this.commits.idle) return;
    closeSync(this.fd);
    this.fd = undefined;
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
      // At start-up, before anything else runs: blocking is what is wanted here.
      writeFileAtomic(file, records.map((r) => encode(r).toString('utf8')).join(''), 0o600);
    }
    const journal = new AppendJournal<T>(file, openSync(file, 'a', 0o600));
    return { journal, records, damage, damagedCopy };
  }

  /** Bytes in the file now. */
  get bytes(): number {
    return this.size;
  }

  /**
   * Appends records; they are on disk once `synced()` resolves. On a failed write (a full disk)
   * the file is cut back to where it was, so no half record is left for the next append to be
   * glued onto, and the error is thrown: the caller still has the records.
   */
  append(...records: T[]): void {
    if (records.length === 0) return;
    if (this.closed) throw new Error(`${this.file} is closed`);
    const data = Buffer.concat(records.map(encode));
    const fd = this.openFile();
    try {
      writeAll(fd, data);
    } catch (err) {
      try {
        ftruncateSync(fd, this.size);
      } catch {
        // Nothing more to do; the torn tail will be skipped when the journal is next opened.
      }
      throw err;
    }
    this.size += data.length;
    this.compactionTail?.push(data);
    this.commits.wrote();
  }

  /**
   * Resolves when everything appended so far is on disk; rejects when its sync failed. `urgent`
   * (the default): the caller waits, the sync begins now; otherwise within the commit delay.
   */
  synced(urgent = true): Promise<void> {
    return this.commits.synced(urgent);
  }

  private closeRetired(): void {
    for (const fd of this.retired.splice(0)) closeSync(fd);
  }

  /**
   * Compaction: the whole journal replaced by these records, atomically, without holding the event
   * loop. What is appended while it runs goes to the old file (and its syncs) and is carried into the
   * new one before the rename, so either file a power cut leaves holds it. One at a time.
   */
  async rewrite(records: readonly T[]): Promise<void> {
    if (this.compactionTail || this.closed) return;
    const tail: Buffer[] = (this.compactionTail = []);
    const temp = `${this.file}.tmp`;
    let fd: number | undefined = openSync(temp, 'w', 0o600);
    try {
      let size = 0;
      let chunk = Buffer.concat(records.map(encode));
      for (;;) {
        writeAll(fd, chunk);
        size += chunk.length;
        await datasync(fd);
        if (this.closed) throw new Error(`${this.file} was closed while being compacted`);
        if (tail.length === 0) break;
        chunk = Buffer.concat(tail.splice(0));
      }
      // From here to the swap nothing awaits: no append can reach the old file only.
      renameSync(temp, this.file);
      const old = this.fd;
      this.fd = fd;
      fd = undefined;
      this.size = size;
      if (old !== undefined && this.commits.syncingFd === old) this.retired.push(old);
      else if (old !== undefined) closeSync(old);
      const renameSafe = syncDirAsync(path.dirname(this.file));
      this.renameSafe = renameSafe;
      await renameSafe.finally(() => {
        if (this.renameSafe === renameSafe) this.renameSafe = undefined;
      });
    } catch (err) {
      if (fd !== undefined) {
        closeSync(fd);
        rmSync(temp, { force: true });
      }
      throw err;
    } finally {
      this.compactionTail = undefined;
    }
  }

  /** Closes the file, syncing first what is not yet on disk (shutdown: blocking is fine there). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.commits.close();
    } finally {
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
      this.closeRetired();
    }
  }
}
