import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './cli.js';
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

  it('in a parallel run (npm test), each worker\'s hook finds a child its file left running, kills it and fails the run naming it', async function () {
    this.timeout(30_000);
    const mocha = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
    const fixture = path.join('test', 'helpers', 'fixtures', 'leaves-a-child.ts');
    // Not counted in this run's --cpu-report, if any: that is for the suite's own files.
    const env = { ...process.env, EVSE_AGENT_TEST_CPU_REPORT: '' };
    const run = spawn(process.execPath, [mocha, '--parallel', '--jobs', '1', '--reporter', 'dot', fixture], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    run.stdout.on('data', (d: Buffer) => (out += d.toString()));
    run.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => run.once('close', resolve));
    assert.notEqual(code, 0, out);
    const named = out.match(/processes started by tests were still running at the end and were killed: (\d+) sleep 47/);
    assert.ok(named, out);
    const pid = Number(named[1]);
    // Killed: gone, or at most a zombie until its parent, the worker, is gone too.
    const state = (): string | undefined => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      } catch {
        return undefined;
      }
    };
    const now = state();
    assert.ok(now === undefined || now === 'Z', `sleep 47 (pid ${pid}) still running`);
  });
});

