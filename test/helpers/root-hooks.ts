import { readdirSync, readFileSync } from 'node:fs';
import { recordFileCpu, startFileCpu } from './cpu-report.js';
import { removeAllTempDirs } from './temp-dir.js';

/**
 * Mocha root hooks (loaded by .mocharc.json "require"): when the run ends, the scratch folders of
 * test/helpers/temp-dir.ts are removed, and no process a test started (an agent, meter-sim, socat)
 * may still be running. A leftover child is killed and named, and the run fails: with --exit, mocha
 * would otherwise leave it running after the tests. In a parallel run (npm test) the hooks run
 * around each file, in the worker running it, so all of this holds per file; there they also
 * measure the file's CPU time when asked to (cpu-report.ts).
 */

interface Child {
  pid: number;
  command: string;
}

/** This process' children that are still running (not zombies), from /proc. */
export function runningChildren(): Child[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return []; // no /proc: not Linux, nothing to check
  }
  const children: Child[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== process.pid || state === 'Z') continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      // tsx's esbuild service, which compiles the tests, is mocha's own.
      if (/\/esbuild --service/.test(command)) continue;
      children.push({ pid: Number(entry), command });
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

export const mochaHooks = {
  beforeAll(): void {
    startFileCpu();
  },

  afterAll(this: Mocha.Context): void {
    recordFileCpu(this.test?.parent?.suites[0]?.file);
    removeAllTempDirs();
    const left = runningChildren();
    for (const child of left) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    if (left.length > 0) {
      throw new Error(`processes started by tests were still running at the end and were killed: ${left.map((c) => `${c.pid} ${c.command.slice(0, 120)}`).join('; ')}`);
    }
  },
};
