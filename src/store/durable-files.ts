import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { datasync, syncDirAsync } from './disk-sync.js';
import path from 'node:path';

/**
 * Files that survive a power cut whole: written beside, synced, renamed over, the folder synced.
 * A crash leaves the old file or the new one, never half of one.
 */

/** Makes a rename or a new file in `dir` durable. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `file` with `text`, created with `mode` (the folder is made when missing, with `dirMode`). */
export function writeFileAtomic(file: string, text: string, mode: number, dirMode?: number): void {
  const dir = path.dirname(file);
  mkdirSync(dir, dirMode === undefined ? { recursive: true } : { recursive: true, mode: dirMode });
  const temp = `${file}.tmp`;
  const fd = openSync(temp, 'w', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  syncDir(dir);
}

/**
 * writeFileAtomic without holding the event loop: the same steps, the syncs on the thread pool.
 * Two writes of the same file must not overlap (JsonFileStore keeps one at a time per file).
 */
export async function writeFileAtomicAsync(file: string, text: string, mode: number): Promise<void> {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  const temp = `${file}.tmp`;
  const handle = await open(temp, 'w', mode);
  try {
    await handle.writeFile(text);
    await datasync(handle.fd);
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  await syncDirAsync(dir);
}
