import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { KERNEL_BOOT_ID_FILE } from '../process/device-start.js';
import { StartError } from '../process/lifecycle.js';

/**
 * One agent per storage.dir: two would drive the same GPIO lines and append to the same journal.
 * Node has no flock, so the lock is a file created exclusively (O_EXCL) holding its owner's pid;
 * a lock whose owner is gone (kill -9, power cut) is stale and taken over. Within one process the
 * lock is re-entrant: `run` holds it across an in-process restart while each Agent takes it too.
 */

export const LOCK_FILE = 'evse-agent.lock';

/** Who holds a lock: enough to tell a live owner from a pid the kernel has handed out again. */
export interface LockOwner {
  pid: number;
  /** /proc/sys/kernel/random/boot_id: a lock from before a reboot is stale whatever its pid. */
  bootId?: string;
  /** Field 22 of /proc/PID/stat, the process' start time since boot: tells a reused pid apart. */
  startTicks?: string;
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The state letter and start time of a process from /proc, when it is visible. */
function procStat(pid: number): { state: string; startTicks: string } | undefined {
  const text = readOptional(`/proc/${pid}/stat`);
  if (!text) return undefined;
  // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTicks = fields[19];
  return state && startTicks ? { state, startTicks } : undefined;
}

function currentOwner(): LockOwner {
  const bootId = readOptional(KERNEL_BOOT_ID_FILE)?.trim();
  const startTicks = procStat(process.pid)?.startTicks;
  return { pid: process.pid, bootId: bootId || undefined, startTicks };
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const doc = JSON.parse(text) as Partial<LockOwner>;
    if (!Number.isInteger(doc.pid) || (doc.pid as number) <= 0) return undefined;
    return {
      pid: doc.pid as number,
      bootId: typeof doc.bootId === 'string' ? doc.bootId : undefined,
      startTicks: typeof doc.startTicks === 'string' ? doc.startTicks : undefined,
    };
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote a lock still runs. */
export function ownerAlive(owner: LockOwner, self: LockOwner = currentOwner()): boolean {
  if (owner.bootId && self.bootId && owner.bootId !== self.bootId) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    // EPERM: it runs, under another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(owner.pid);
  // Hidden /proc (systemd's ProtectProc): the signal's answer is all there is.
  if (!stat) return true;
  // A zombie has exited; only its parent has not collected it yet.
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return !(owner.startTicks && stat.startTicks !== owner.startTicks);
}

/** The live process holding the lock on dir, if any (without taking it: `meter read` only looks). */
export function lockHolder(dir: string): LockOwner | undefined {
  const text = readOptional(path.join(dir, LOCK_FILE));
  const owner = text === undefined ? undefined : parseOwner(text);
  if (!owner || owner.pid === process.pid) return undefined;
  return ownerAlive(owner) ? owner : undefined;
}

// Process-wide by nature: a lock file names a process, so the process keeps one registry of the
// storage dirs it holds (one entry per dir: two stations in one process never share a dir).
const held = new Map<string, { count: number; owner: LockOwner }>();
let exitHookInstalled = false;

function removeIfOurs(file: string, owner: LockOwner): void {
  const text = readOptional(file);
  if (text !== undefined && parseOwner(text)?.pid === owner.pid) rmSync(file, { force: true });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crash exits through process.exit: the lock goes with it. kill -9 leaves it, and it is stale.
  process.on('exit', () => {
    for (const [file, h] of held) removeIfOurs(file, h.owner);
    held.clear();
  });
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates the lock file with its content in one step: it never exists half-written. Not synced:
 * the lock only matters while its owner runs, and live processes see the page cache; a power cut
 * ends every owner, and a lock a power cut left empty is stale once old (acquireInstanceLock).
 */
function createExclusively(file: string, owner: LockOwner): boolean {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o644);
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * Moves a stale lock out of the way. Renaming is atomic, so of two processes taking over the same
 * stale lock only one moves it; one that moved a fresh lock by mistake puts it back.
 */
function takeOver(file: string, staleText: string): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readOptional(aside);
  if (moved !== staleText) {
    try {
      linkSync(aside, file);
    } catch {
      // Someone else holds it by now; they win.
    }
  }
  rmSync(aside, { force: true });
}

export interface InstanceLock {
  readonly file: string;
  release(): void;
}

/**
 * Takes the lock on storage.dir (creating the folder), before anything touches hardware. Throws
 * StartError 'already-running' naming the live owner's pid, or 'storage' when the folder or the
 * lock file cannot be created.
 */
export async function acquireInstanceLock(dir: string): Promise<InstanceLock> {
  const file = path.join(path.resolve(dir), LOCK_FILE);
  const lock: InstanceLock = {
    file,
    release: () => {
      const h = held.get(file);
      if (!h || --h.count > 0) return;
      held.delete(file);
      removeIfOurs(file, h.owner);
    },
  };
  const mine = held.get(file);
  if (mine) {
    mine.count++;
    return lock;
  }
  const owner = currentOwner();
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new StartError('storage', `cannot create storage.dir ${dir}: ${(err as Error).message}`, { cause: err });
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    let created: boolean;
    try {
      created = createExclusively(file, owner);
    } catch (err) {
      throw new StartError('storage', `cannot write in storage.dir ${dir}: ${(err as Error).message}`, { cause: err });
    }
    if (created) {
      installExitHook();
      held.set(file, { count: 1, owner });
      return lock;
    }
    const text = readOptional(file);
    if (text === undefined) continue;
    const other = parseOwner(text);
    // Our own pid in a lock we do not hold: left by an earlier process that had the same pid.
    if (other && other.pid !== owner.pid && ownerAlive(other, owner)) {
      throw new StartError('already-running', `already running (pid ${other.pid}) on storage.dir ${dir}; stop that one first`);
    }
    if (!other) {
      // Not ours to read (written by a future version?) or damaged: stale once it is a little old.
      const ageMs = Date.now() - (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (ageMs < 2000) {
        await pause(100);
        continue;
      }
    }
    takeOver(file, text);
  }
  throw new StartError('storage', `cannot take the lock ${file}: it keeps changing hands`);
}
