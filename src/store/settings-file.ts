import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseJsonText } from '../util/json-syntax.js';

/**
 * Settings the CSMS changed (2.0.1 device model values, 1.6 configuration keys), kept as one JSON
 * file of strings by key in the storage folder. The file holds the CSMS password in clear text
 * (2.0.1 A01.FR.10, 1.6 security whitepaper A01.FR.10: the station needs it to connect), so it is
 * only ever created with mode 0600, and a file others can read is closed again when loaded.
 */

interface FileContents {
  version: 1;
  values: Record<string, string>;
}

const FILE_MODE = 0o600;

export class SettingsFile {
  readonly file: string;
  #tempSeq = 0;

  /** `defaults` names what the station falls back on, for the warnings ("the default configuration"). */
  constructor(
    readonly dir: string,
    readonly fileName: string,
    private readonly defaults: string,
    private readonly onWarning: (message: string) => void,
  ) {
    this.file = path.join(dir, fileName);
  }

  /**
   * The stored values, or none when there is no file yet (a first start) or it cannot be used. A
   * corrupt file is kept aside as .corrupt for diagnosis, and the station starts on its defaults
   * rather than not at all.
   */
  load(): Map<string, string> {
    this.#removeStaleTemps();
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.onWarning(`cannot read ${this.file} (${(err as Error).message}); using ${this.defaults}`);
      }
      return new Map();
    }
    this.#tightenMode();
    const values = parse(text);
    if (typeof values === 'string') {
      this.onWarning(`${this.file} is corrupt (${values}); using ${this.defaults} (the file is kept as ${this.fileName}.corrupt)`);
      try {
        renameSync(this.file, `${this.file}.corrupt`);
      } catch {
        // Keeping the evidence is a courtesy; the next save replaces the file anyway.
      }
      return new Map();
    }
    return values;
  }

  /** Replaces the file: a new temporary file is written and synced, then renamed over the old one. */
  async save(values: ReadonlyMap<string, string>): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const contents: FileContents = { version: 1, values: Object.fromEntries([...values].sort(([a], [b]) => a.localeCompare(b))) };
    const temp = `${this.file}.tmp-${process.pid}-${++this.#tempSeq}`;
    // 'wx': the temporary file is always new, so it gets the mode asked for (chmod undoes the umask).
    const handle = await open(temp, 'wx', FILE_MODE);
    try {
      await handle.writeFile(`${JSON.stringify(contents, null, 2)}\n`, 'utf8');
      await handle.chmod(FILE_MODE);
      await handle.sync();
    } catch (err) {
      await handle.close();
      await rm(temp, { force: true });
      throw err;
    }
    await handle.close();
    try {
      await rename(temp, this.file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    // The rename itself must reach the disk before the new values count as saved.
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /** The file holds a password: nobody but the agent may read it. */
  #tightenMode(): void {
    try {
      if ((statSync(this.file).mode & 0o077) !== 0) {
        chmodSync(this.file, FILE_MODE);
        this.onWarning(`${this.file} was readable by others; its mode is now 0600`);
      }
    } catch {
      // Not ours to fix (another owner); the next save writes a 0600 file anyway.
    }
  }

  /** Left by a power cut between writing and renaming; never complete, so never read. */
  #removeStaleTemps(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith(`${this.fileName}.tmp-`)) rmSync(path.join(this.dir, name), { force: true });
    }
  }
}

/** The values, or what is wrong with the file (a syntax error by line and column; never its text: it holds a password). */
function parse(text: string): Map<string, string> | string {
  const parsed = parseJsonText(text);
  if (!parsed.ok) return parsed.problem.found;
  const doc = parsed.value;
  const shape = 'not a settings file of version 1';
  if (doc === null || typeof doc !== 'object') return shape;
  const { version, values } = doc as Partial<FileContents>;
  if (version !== 1 || values === null || typeof values !== 'object' || Array.isArray(values)) return shape;
  const result = new Map<string, string>();
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== 'string') return `${shape} (the value of ${JSON.stringify(key)} is not a string)`;
    result.set(key, value);
  }
  return result;
}
