import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './durable-files.js';
import path from 'node:path';
import { parseJsonText } from '../util/json-syntax.js';

/**
 * Small state kept as JSON files in storage.dir (availability, settings): rewritten whole on
 * change, which is rare. Written to a temporary file, synced, then renamed over the old one, so a
 * power cut leaves either the old or the new file, never half of one.
 */
export class JsonFileStore {
  constructor(
    readonly dir: string,
    private readonly onWarning: (message: string) => void = () => undefined,
  ) {}

  private file(name: string): string {
    return path.join(this.dir, `${name}.json`);
  }

  /** The stored value, or undefined when there is none or it cannot be read (reported as a warning). */
  read<T>(name: string): T | undefined {
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
    writeFileAtomic(this.file(name), `${JSON.stringify(value, null, 2)}\n`, mode);
  }

}
