import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { datasync, syncDirAsync, trackWrite } from './disk-sync.js';
import { parseJsonText } from '../util/json-syntax.js';

/**
 * Small state kept as JSON files in storage.dir (availability, settings): rewritten whole on
 * change, which is rare. Written to a file of its own, synced, then renamed over the old one, so a
 * power cut leaves either the old or the new file, never half of one.
 *
 * Without holding the event loop (issue 18): write() puts the value in `<name>.json.<n>.pending`
 * at once (it survives kill -9 from then on) and the sync and rename follow on the thread pool. A
 * pending file left by a crash is newer than the file: read() takes the newest one that parses (a
 * power cut may have torn it) and finishes its work. OCPP answers wait for these writes (durableUnder
 * in the RPC layer); whoever must not go on before a value is safe waits for written().
 */

const PENDING = /^(.+)\.json\.(\d+)\.pending$/;
/** Across the stores of this process, so that two stores of one folder never pick the same file. */
let nextSeq = 1;

type JsonTextResult = ReturnType<typeof parseJsonText>;

interface Pending {
  seq: number;
  file: string;
}

export class JsonFileStore {
  /** The newest value of a name and its pending file, until that file is in place. */
  private readonly unwritten = new Map<string, { text: string; pending?: Pending }>();
  /** Pending files of a name, older than its newest, to remove once the newest is in place. */
  private readonly superseded = new Map<string, Pending[]>();
  private readonly running = new Map<string, Promise<void>>();
  private leftovers: Map<string, Pending[]> | undefined;

  constructor(
    readonly dir: string,
    private readonly onWarning: (message: string) => void = () => undefined,
  ) {}

  private file(name: string): string {
    return path.join(this.dir, `${name}.json`);
  }

  /** Pending files a crash left, by name, newest first (read once). */
  private leftoverFiles(name: string): Pending[] {
    if (!this.leftovers) {
      this.leftovers = new Map();
      let entries: string[] = [];
      try {
        entries = readdirSync(this.dir);
      } catch {
        // No folder yet: nothing was left.
      }
      for (const entry of entries) {
        const m = PENDING.exec(entry);
        if (!m) continue;
        const seq = Number(m[2]);
        nextSeq = Math.max(nextSeq, seq + 1);
        const list = this.leftovers.get(m[1]!) ?? [];
        list.push({ seq, file: path.join(this.dir, entry) });
        this.leftovers.set(m[1]!, list.sort((a, b) => b.seq - a.seq));
      }
    }
    return this.leftovers.get(name) ?? [];
  }

  /** The stored value, or undefined when there is none or it cannot be read (reported as a warning). */
  read<T>(name: string): T | undefined {
    const unwritten = this.unwritten.get(name);
    if (unwritten) return JSON.parse(unwritten.text) as T;
    const left = this.leftoverFiles(name);
    for (const pending of left) {
      const parsed = this.parseFile(pending.file, false);
      if (parsed?.ok) {
        // Written before a crash and not yet in place: finished now, the older ones dropped with it.
        this.superseded.set(name, [...left]);
        this.leftovers?.delete(name);
        this.write(name, parsed.value);
        return parsed.value as T;
      }
    }
    const parsed = this.parseFile(this.file(name), true);
    if (parsed?.ok) return parsed.value as T;
    // Line and column, not JSON.parse's byte offset: these files may be looked at by hand.
    if (parsed) this.onWarning(`${this.file(name)} is corrupt (${parsed.problem.found}); using defaults`);
    return undefined;
  }

  private parseFile(file: string, warn: boolean): JsonTextResult | undefined {
    try {
      return parseJsonText(readFileSync(file, 'utf8'));
    } catch (err) {
      if (warn && (err as NodeJS.ErrnoException).code !== 'ENOENT') this.onWarning(`cannot read ${file}: ${(err as Error).message}`);
      return undefined;
    }
  }

  write(name: string, value: unknown, mode = 0o600): void {
    this.leftoverFiles(name); // the sequence continues after what a crash left
    const text = `${JSON.stringify(value, null, 2)}\n`;
    const previous = this.unwritten.get(name)?.pending;
    if (previous) this.superseded.set(name, [...(this.superseded.get(name) ?? []), previous]);
    const pending: Pending = { seq: nextSeq++, file: `${this.file(name)}.${nextSeq - 1}.pending` };
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(pending.file, text, { mode });
      this.unwritten.set(name, { text, pending });
    } catch (err) {
      this.onWarning(`cannot write ${this.file(name)}: ${(err as Error).message}; kept in memory until the next change`);
      this.unwritten.set(name, { text });
      return;
    }
    if (this.running.has(name)) return; // the running write takes the newest when it is done
    const run = this.putInPlace(name).finally(() => this.running.delete(name));
    this.running.set(name, run);
    trackWrite(this.file(name), run);
  }

  /** Syncs the newest pending file of `name` and renames it into place, until none newer waits. */
  private async putInPlace(name: string): Promise<void> {
    for (let next = this.unwritten.get(name); next?.pending; next = this.unwritten.get(name)) {
      const { pending } = next;
      try {
        const fd = openSync(pending.file, 'r');
        try {
          await datasync(fd);
        } finally {
          closeSync(fd);
        }
        await rename(pending.file, this.file(name));
        await syncDirAsync(this.dir);
      } catch (err) {
        this.onWarning(`cannot write ${this.file(name)}: ${(err as Error).message}; kept in memory until the next change`);
        return;
      }
      for (const old of this.superseded.get(name) ?? []) rmSync(old.file, { force: true });
      this.superseded.delete(name);
      if (this.unwritten.get(name) === next) this.unwritten.delete(name);
    }
  }

  /** Resolves when every value written so far is in its file and on disk. */
  async written(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }
}
