import { createReadStream, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * A rotated log's files in `dir`, oldest first: `base.N` ... `base.1`, then `base`. Read from the
 * folder rather than from a writer's keepRotated, so a reader sees what is there.
 */
export function rotatedFiles(dir: string, base: string): string[] {
  if (!existsSync(dir)) return [];
  const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\.(\\d+))?$`);
  return readdirSync(dir)
    .map((name) => ({ name, match: pattern.exec(name) }))
    .filter((f): f is { name: string; match: RegExpExecArray } => f.match !== null)
    .map(({ name, match }) => ({ name, generation: match[1] === undefined ? 0 : Number(match[1]) }))
    .sort((a, b) => b.generation - a.generation)
    .map(({ name }) => path.join(dir, name));
}

/** The JSON values of the files' lines, a line at a time; a line that is not JSON (a torn write) is skipped. */
export async function* jsonLines(files: readonly string[]): AsyncGenerator<unknown> {
  for (const file of files) {
    let input;
    try {
      input = createReadStream(file, { encoding: 'utf8' });
    } catch {
      continue;
    }
    // A file rotated away between listing and opening: the others still count.
    const opened = await new Promise<boolean>((resolve) => {
      input.once('open', () => resolve(true));
      input.once('error', () => resolve(false));
    });
    if (!opened) continue;
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      if (line === '') continue;
      try {
        yield JSON.parse(line) as unknown;
      } catch {
        // skipped
      }
    }
  }
}

/** Whether a time (ms since the epoch) is in the window; either end may be open. */
export function inWindow(timeMs: number, from?: Date, to?: Date): boolean {
  if (Number.isNaN(timeMs)) return false;
  return (from === undefined || timeMs >= from.getTime()) && (to === undefined || timeMs <= to.getTime());
}
