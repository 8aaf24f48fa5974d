import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXIT, exitCodeForStartError, StartError } from '../../src/process/lifecycle.js';
import { acquireInstanceLock, LOCK_FILE, lockHolder, ownerAlive, type LockOwner } from '../../src/store/instance-lock.js';

/** A process that just sleeps: a live lock owner other than the test itself. */
function sleeper(): { child: ChildProcess; gone: Promise<void> } {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  return { child, gone: new Promise((resolve) => child.on('exit', () => resolve())) };
}

/** The pids whose parent is pid, and their state letter, from /proc. */
function childrenOf(pid: number): Array<{ pid: number; state: string }> {
  const out: Array<{ pid: number; state: string }> = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === pid) out.push({ pid: Number(name), state: state ?? '' });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe('store: the instance lock on storage.dir', () => {
  let tmp: string;
  let seq = 0;
  const freshDir = (): string => path.join(tmp, `state${++seq}`);
  const writeLock = (dir: string, owner: LockOwner): void => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify(owner));
  };
  const lockPid = (dir: string): number => (JSON.parse(readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as LockOwner).pid;

  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'evse-lock-test-'));
  });
  after(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('creates storage.dir and the lock holding this pid; re-entrant within the process; gone when the last holder releases', async () => {
    const dir = freshDir();
    const a = await acquireInstanceLock(dir);
    assert.equal(lockPid(dir), process.pid);
    const b = await acquireInstanceLock(dir);
    a.release();
    assert.ok(existsSync(path.join(dir, LOCK_FILE)), 'released while still held');
    b.release();
    assert.ok(!existsSync(path.join(dir, LOCK_FILE)));
    // Nothing else is left in the folder (no temp file of the exclusive create).
    assert.deepEqual(readdirSync(dir), []);
  });

  it('refuses a lock whose owner runs, naming its pid (StartError already-running, exit 75); takes it once that one is gone', async () => {
    const dir = freshDir();
    const { child, gone } = sleeper();
    try {
      writeLock(dir, { pid: child.pid! });
      await assert.rejects(acquireInstanceLock(dir), (err: unknown) => {
        assert.ok(err instanceof StartError);
        assert.equal(err.failure, 'already-running');
        assert.match(err.message, new RegExp(`^already running \\(pid ${child.pid}\\) on storage\\.dir `));
        assert.equal(exitCodeForStartError(err), EXIT.alreadyRunning);
        return true;
      });
      assert.equal(lockHolder(dir)?.pid, child.pid);
    } finally {
      child.kill('SIGKILL');
      await gone;
    }
    // kill -9 left the lock behind: stale, taken over.
    assert.equal(lockHolder(dir), undefined);
    const lock = await acquireInstanceLock(dir);
    assert.equal(lockPid(dir), process.pid);
    lock.release();
  });

  it('takes over a lock whose pid now belongs to another process (start time differs) or that is from before a reboot', async () => {
    const { child, gone } = sleeper();
    try {
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const startTicks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
      assert.ok(ownerAlive({ pid: child.pid!, startTicks }));
      // The same pid, started at another time: the kernel gave the pid out again.
      assert.ok(!ownerAlive({ pid: child.pid!, startTicks: String(Number(startTicks) + 1) }));
      // Another boot id: whatever runs under that pid now, it is not the owner.
      const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      assert.ok(!ownerAlive({ pid: child.pid!, bootId: `${bootId.slice(0, -1)}${bootId.endsWith('0') ? '1' : '0'}`, startTicks }));

      const dir = freshDir();
      writeLock(dir, { pid: child.pid!, startTicks: String(Number(startTicks) + 1) });
      const lock = await acquireInstanceLock(dir);
      assert.equal(lockPid(dir), process.pid);
      lock.release();
    } finally {
      child.kill('SIGKILL');
      await gone;
    }
  });

  it('treats a zombie (exited, not yet collected) as gone', async () => {
    // A shell that starts a child which exits at once, and then does not wait for it for a while.
    const shell = spawn('sh', ['-c', 'sleep 0 & exec sleep 30'], { stdio: 'ignore' });
    const gone = new Promise((resolve) => shell.on('exit', resolve));
    try {
      let zombie: number | undefined;
      const deadline = Date.now() + 5000;
      while (zombie === undefined && Date.now() < deadline) {
        zombie = childrenOf(shell.pid!).find((c) => c.state === 'Z')?.pid;
        if (zombie === undefined) await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(zombie, 'no zombie appeared');
      assert.equal(ownerAlive({ pid: zombie }), false);
    } finally {
      shell.kill('SIGKILL');
      await gone;
    }
  });

  it('a damaged lock file is stale once it is a moment old', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const file = path.join(dir, LOCK_FILE);
    writeFileSync(file, '');
    utimesSync(file, new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
    const lock = await acquireInstanceLock(dir);
    assert.equal(lockPid(dir), process.pid);
    lock.release();
  });

  it('a storage.dir that cannot be created is StartError storage (exit 73)', async () => {
    const blocker = path.join(tmp, 'a-file');
    writeFileSync(blocker, '');
    await assert.rejects(acquireInstanceLock(path.join(blocker, 'state')), (err: unknown) => {
      assert.ok(err instanceof StartError);
      assert.equal(err.failure, 'storage');
      assert.match(err.message, /cannot create storage\.dir .*a-file\/state/);
      assert.equal(exitCodeForStartError(err), EXIT.cannotCreate);
      return true;
    });
  });
});

describe('service: exit codes for a start that failed', () => {
  const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

  it('sorts each cause into its own code; permission over where it happened; unknown errors are internal (70)', () => {
    assert.equal(exitCodeForStartError(new StartError('already-running', 'x')), 75);
    assert.equal(exitCodeForStartError(new StartError('storage', 'x', { cause: errno('EROFS') })), 73);
    assert.equal(exitCodeForStartError(new StartError('storage', 'x', { cause: errno('EACCES') })), 77);
    assert.equal(exitCodeForStartError(new StartError('hardware', 'x', { cause: new Error('no chip') })), 74);
    // SysfsGpio wraps onoff's error; the errno is found down the cause chain.
    assert.equal(exitCodeForStartError(new StartError('hardware', 'x', { cause: new Error('cannot open BCM 17', { cause: errno('EACCES') }) })), 77);
    assert.equal(exitCodeForStartError(new StartError('listen', 'x', { cause: errno('EADDRINUSE') })), 71);
    assert.equal(exitCodeForStartError(new StartError('listen', 'x', { cause: errno('EADDRNOTAVAIL') })), 71);
    assert.equal(exitCodeForStartError(new StartError('listen', 'x', { cause: errno('EACCES') })), 77);
    assert.equal(exitCodeForStartError(new TypeError('a bug')), 70);
    // 69 is kept for a device that did not answer: no start failure maps to it.
    const codes = new Set([...(['already-running', 'storage', 'hardware', 'listen'] as const)].map((f) => exitCodeForStartError(new StartError(f, 'x'))));
    assert.ok(!codes.has(EXIT.unavailable));
    // One meaning per code.
    assert.equal(new Set(Object.values(EXIT)).size, Object.keys(EXIT).length);
  });
});
