import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * The device model's writable values as the CSMS set them, kept in one JSON file in the storage
 * folder. The file holds the BasicAuthPassword in clear text (A01.FR.10: the station needs it to
 * connect), so it is only ever created with mode 0600.
 */

export const DEVICE_MODEL_FILE = 'device-model.json';

/** What the file holds: values by the variable's readable key, e.g. "OCPPCommCtrlr/HeartbeatInterval". */
interface FileContents {
  version: 1;
  values: Record<string, string>;
}

const FILE_MODE = 0o600;

export class PersistedValues {
  readonly file: string;
  #tempSeq = 0;

  constructor(
    readonly dir: string,
    private readonly onWarning: (message: string) => void,
  ) {
    this.file = path.join(dir, DEVICE_MODEL_FILE);
  }

  /**
   * The stored values, or none when there is no file yet (a first start) or it cannot be used. A
   * corrupt file is kept aside as device-model.json.corrupt for diagnosis, and the station starts on
   * its defaults rather than not at all.
   */
  load(): Map<string, string> {
    this.#removeStaleTemps();
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.onWarning(`cannot read ${this.file} (${(err as Error).message}); using default device model values`);
      }
      return new Map();
    }
    const values = parse(text);
    if (values === undefined) {
      this.onWarning(`${this.file} is corrupt; using default device model values (the file is kept as ${DEVICE_MODEL_FILE}.corrupt)`);
      try {
        renameSync(this.file, `${this.file}.corrupt`);
      } catch {
        // Keeping the evidence is a courtesy; the next save replaces the file anyway.
      }
      return new Map();
    }
    return values;
  }

  /** Replaces the file: a temporary file is written and synced, then renamed over the old one. */
  async save(values: ReadonlyMap<string, string>): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const contents: FileContents = { version: 1, values: Object.fromEntries([...values].sort(([a], [b]) => a.localeCompare(b))) };
    const temp = `${this.file}.tmp-${process.pid}-${++this.#tempSeq}`;
    // 'wx': the temporary file is always new, so the mode below is the one it gets.
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

  /** Left by a power cut between writing and renaming; never complete, so never read. */
  #removeStaleTemps(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith(`${DEVICE_MODEL_FILE}.tmp-`)) rmSync(path.join(this.dir, name), { force: true });
    }
  }
}

function parse(text: string): Map<string, string> | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (doc === null || typeof doc !== 'object') return undefined;
  const { version, values } = doc as Partial<FileContents>;
  if (version !== 1 || values === null || typeof values !== 'object' || Array.isArray(values)) return undefined;
  const result = new Map<string, string>();
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== 'string') return undefined;
    result.set(key, value);
  }
  return result;
}
