import { closeSync, fdatasync, fdatasyncSync, fsync, openSync } from 'node:fs';
import path from 'node:path';

/**
 * Syncing to disk without holding the event loop (issue 18): on an SD card one fdatasync can take
 * 100 ms or more, and a fault must open the relay meanwhile. The syncs run on libuv's thread pool;
 * the caller gets a promise for the moment its bytes are safe.
 *
 * EVSE_EMULATED_FSYNC_MS makes every sync that much slower, as a slow card would, for the benches
 * (bench/replay.ts, bench/fault-edge.ts); it is never set in service.
 */

function emulatedDelayMs(): number {
  const ms = Number(process.env['EVSE_EMULATED_FSYNC_MS'] ?? 0);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

function later(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** Syncs of this process so far, begun and finished: what the benches print and the tests count. */
export const diskSyncs = { started: 0, finished: 0 };

function promised(run: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void, fd: number): Promise<void> {
  diskSyncs.started++;
  return new Promise<void>((resolve, reject) => run(fd, (err) => (err ? reject(err) : resolve())))
    .then(() => later(emulatedDelayMs()))
    .finally(() => diskSyncs.finished++);
}

/** fdatasync on the thread pool: the file's data (and the size) is on disk when it resolves. */
export function datasync(fd: number): Promise<void> {
  return promised(fdatasync, fd);
}

/** fsync of a folder on the thread pool: a rename or a new file in it is on disk when it resolves. */
export async function syncDirAsync(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await promised(fsync, fd);
  } finally {
    closeSync(fd);
  }
}

/** fdatasync that blocks: only where nothing else may run meanwhile (start-up, shutdown). */
export function datasyncBlocking(fd: number): void {
  diskSyncs.started++;
  diskSyncs.finished++;
  fdatasyncSync(fd);
  const ms = emulatedDelayMs();
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Writes made and not yet on disk, by file, so that an OCPP answer can wait until what it
 * acknowledges is safe (never an answer acknowledged before its record is): see durableUnder.
 */
const inFlight = new Set<{ file: string; done: Promise<void> }>();

/** Counts `done` as a write to `file` until it settles (a failure is the writer's to report). */
export function trackWrite(file: string, done: Promise<void>): void {
  const entry = { file, done: done.catch(() => undefined) };
  inFlight.add(entry);
  void entry.done.then(() => inFlight.delete(entry));
}

/** Resolves once every write tracked so far to a file under `dir` has settled. */
export function durableUnder(dir: string): Promise<void> {
  const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
  const waiting = [...inFlight].filter((w) => w.file.startsWith(prefix)).map((w) => w.done);
  return waiting.length === 0 ? Promise.resolve() : Promise.all(waiting).then(() => undefined);
}
