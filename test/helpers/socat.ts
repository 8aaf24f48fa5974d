import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir, removeTempDir } from './temp-dir.js';

/** A pair of connected pseudo-terminals from socat: a serial line with a device at each end. */
export interface PtyPair {
  a: string;
  b: string;
  close(): Promise<void>;
}

export function socatAvailable(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

export async function openPtyPair(): Promise<PtyPair> {
  if (!socatAvailable()) {
    throw new Error('socat is needed for the serial-line tests (apt-get install socat); .ci/run installs it');
  }
  const dir = makeTempDir('evse-pty');
  const a = path.join(dir, 'meter');
  const b = path.join(dir, 'agent');
  const child: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  while (!(existsSync(a) && existsSync(b))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill();
      removeTempDir(dir);
      throw new Error('socat did not create the pty pair');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    a,
    b,
    close: () =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          removeTempDir(dir);
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill();
      }),
  };
}
