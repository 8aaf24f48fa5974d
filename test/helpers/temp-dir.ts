import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Scratch folders for tests, in the system's temp dir (os.tmpdir(), so TMPDIR moves them), every
 * one removed when the run ends by the root hook in test/helpers/root-hooks.ts. A test may remove
 * its own earlier with removeTempDir; none has to.
 */

const made = new Set<string>();

/** A new empty folder named `<prefix>-XXXXXX`, removed at the end of the run at the latest. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  made.add(dir);
  return dir;
}

/** Removes a folder made by makeTempDir, with everything in it. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  made.delete(dir);
}

/** Removes every folder made by makeTempDir that is still there. */
export function removeAllTempDirs(): void {
  for (const dir of [...made]) removeTempDir(dir);
}
