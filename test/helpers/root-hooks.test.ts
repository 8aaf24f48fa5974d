import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runningChildren } from './root-hooks.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

describe('test helpers: what the root hooks check at the end of a run', () => {
  it('a scratch folder is made in the system temp dir and removed with what it holds', () => {
    const dir = makeTempDir('evse-helper-check');
    assert.equal(path.dirname(dir), os.tmpdir());
    writeFileSync(path.join(dir, 'file'), 'x');
    removeTempDir(dir);
    assert.equal(existsSync(dir), false);
  });

  it('a process a test started is seen while it runs, and no longer once it has exited', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      assert.ok(runningChildren().some((c) => c.pid === child.pid && c.command === 'sleep 30'));
    } finally {
      child.kill('SIGKILL');
    }
    await exited;
    assert.ok(!runningChildren().some((c) => c.pid === child.pid));
  });
});
