import { readFileSync } from 'node:fs';
import { writeFileAtomicAsync } from './durable-files.js';
import { trackWrite } from './disk-sync.js';
import path from 'node:path';
import { parseJsonText } from '../util/json-syntax.js';

/**
 * Small state kept as JSON files in storage.dir (availability, settings): rewritten whole on
 * change, which is rare. Written to a temporary file, synced, then renamed over the old one, so a
 * power cut leaves either the old or the new file, never half of one.
 *
 * Written behind (issue 18): write() returns at once and the file is replaced off the event loop;
 * a read meanwhile sees the new value, and writes of one file in quick succession end in its last
 * value. OCPP answers wait for these writes (durableUnder in the RPC layer).
 */
export class JsonFileStore {
  constructor(
    readonly dir: string,
    private readonly onWarning: (message: string) => void = () => undefined,
  ) {}

  private file(name: string): string {
    return path.join(this.dir, `${name}.json`);
  }

  /** Values written and not yet in their file, by name. */
  private readonly unwritten = new Map<string, { text: string; mode: number }>();
  private readonly writing = new Set<string>();

  /** The stored value, or undefined when there is none or it cannot be read (reported as a warning). */
  read<T>(name: string): T | undefined {
    const unwritten = this.unwritten.get(name);
    if (unwritten) return JSON.parse(unwritten.text) as T;
    let text: string;
    try {
      text = readFileSync(this.file(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.onWarning(`cannot read ${this.file(name)}: ${(err as Error).message}`);
      return undefined;
    }
    const parsed = parseJsonText(text);
    if (parsed.ok) return parsed.value as T;
    // Line and column, not JSON.parse's byte offset: these files may be looked at by hand.
    this.onWarning(`${this.file(name)} is corrupt (${parsed.problem.found}); using defaults`);
    return undefined;
  }

  write(name: string, value: unknown, mode = 0o600): void {
    this.unwritten.set(name, { text: `${JSON.stringify(value, null, 2)}\n`, mode });
    if (this.writing.has(name)) return; // the running write takes the newest value when it is done
    this.writing.add(name);
    trackWrite(this.file(name), this.writeOut(name));
  }

  /** Writes `name`'s newest value until none newer is waiting; a failure keeps it in memory, said once. */
  private async writeOut(name: string): Promise<void> {
    try {
      for (let next = this.unwritten.get(name); next; next = this.unwritten.get(name)) {
        await writeFileAtomicAsync(this.file(name), next.text, next.mode);
        if (this.unwritten.get(name) === next) this.unwritten.delete(name);
      }
    } catch (err) {
      this.onWarning(`cannot write ${this.file(name)}: ${(err as Error).message}; kept in memory until the next change`);
    } finally {
      this.writing.delete(name);
    }
  }

}
