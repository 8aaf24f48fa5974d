#!/usr/bin/env node
/**
 * What `npm test` runs after the type check: mocha, with a temp dir of its own (TMPDIR) that is
 * removed when the run ends, so that nothing is left in the system's temp dir: not the tests'
 * scratch folders (test/helpers/temp-dir.ts removes those anyway) and not tsx's compile cache,
 * which tsx keeps in the temp dir. The arguments go to mocha; its exit code is this one's.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const mocha = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'evse-agent-test-'));
const child = spawn(process.execPath, [mocha, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, TMPDIR: tmp } });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  rmSync(tmp, { recursive: true, force: true });
  process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1));
});
