import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LOCK_FILE } from '../../src/store/instance-lock.js';

/**
 * Runs `body` while "an agent" holds the instance lock of each storage folder given: a live
 * process of its own, its pid in the lock file, as a running agent leaves it. The commands that
 * must not share a line or a device with a running agent (meter read, pilot read, card read) are
 * tested against it. The lock files are removed and the process killed afterwards.
 */
export async function whileAgentHolds<T>(storageDirs: readonly string[], body: (pid: number) => Promise<T>): Promise<T> {
  const owner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const gone = new Promise((resolve) => owner.on('exit', resolve));
  try {
    for (const dir of storageDirs) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: owner.pid }));
    }
    return await body(owner.pid!);
  } finally {
    owner.kill('SIGKILL');
    await gone;
    for (const dir of storageDirs) rmSync(path.join(dir, LOCK_FILE), { force: true });
  }
}
