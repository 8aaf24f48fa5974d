import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
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

