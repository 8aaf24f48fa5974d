#!/usr/bin/env node
/**
 * What `npm test` runs: mocha, with a temp dir of its own (TMPDIR) that is removed when the run
 * ends, so that nothing is left in the system's temp dir: not the tests' scratch folders
 * (test/helpers/temp-dir.ts removes those anyway) and not tsx's compile cache, which tsx keeps in
 * the temp dir. The arguments go to mocha; its exit code is this one's.
 *
 * Options of its own, before mocha's:
 *   --typecheck `npm run typecheck` first (beside the build, if any); an error stops the run.
 *   --build     builds dist/ first (`npm run build`) and has the tests spawn the agent from it
 *               (EVSE_AGENT_TEST_BUILT_CLI, read by test/helpers/cli.ts): plain node starts it in
 *               about a third of the CPU time tsx needs, and the build is this run's own, so it is
 *               never older than the sources.
 *   --parallel  runs the files in worker processes, TEST_JOBS at a time (default below), the files
 *               known to be slow first, so that the run does not end waiting for one of them.
 *   --lint      `npm run lint` (typescript-eslint) alongside the tests; a finding fails the run,
 *               after the tests, with eslint's report.
 *   --cpu-report with --parallel: at the end, the files that took the most CPU time (their own and
 *               their child processes'), and the total (test/helpers/cpu-report.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Workers for --parallel: two per core. Most tests wait on real sockets, processes and timers, so
 * more workers than cores help until the CPU is saturated; past that, tests with real-time limits
 * start to miss them. Measured on a 2-core machine (07:00 UTC, 32 files of test/cli, config,
 * dev-csms, api, hal, store, systemd and process; the machine busy with other work too): 3 jobs
 * 153 s wall, 4 jobs 127 s, 6 jobs 173 s; 4, 3 and 16 tests failed, mostly over their time limits.
 */
const DEFAULT_JOBS = 2 * os.availableParallelism();

/**
 * Files that take longest (measured at 06:20 UTC), started first in this order; each pattern is
 * matched against paths from the repository root, so a file that moves within its folder keeps its
 * place. The order of the rest does not matter much: each takes a few seconds.
 */
const SLOW_FIRST = [
  /^test\/release\/firmware-e2e\.test\.ts$/,
  /^test\/durability\/kill-v201\.test\.ts$/,
  /^test\/durability\/kill-v16\.test\.ts$/,
  /^test\/cli\/demo\.test\.ts$/,
  /^test\/integration\/.*durability\.test\.ts$/,
  /^test\/systemd\/service-unit\.test\.ts$/,
  /^test\/integration\/.*transactions\.test\.ts$/,
  /^test\/integration\/.*status\.test\.ts$/,
  /^test\/integration\/.*reservations\.test\.ts$/,
  /^test\/station\/safety-resume\.test\.ts$/,
  /^test\/integration\/.*boot\.test\.ts$/,
  /^test\/integration\/.*faults\.test\.ts$/,
  /^test\/cli\/failsafe-relay-map\.test\.ts$/,
];

/** A glob of `*` and `**` (what package.json passes) as a regular expression over relative paths. */
function globToRegExp(glob) {
  const part = (text) => text.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  return new RegExp(`^${glob.split('**/').map(part).join('(?:.*/)?')}$`);
}

/** Every file under dir, as paths relative to the working directory (as mocha takes them). */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative('.', path.join(entry.parentPath ?? entry.path, entry.name)).split(path.sep).join('/'));
}

/** The spec arguments expanded (globs) and ordered: the slow files first, each file once. */
function orderedSpecs(specs) {
  const files = [];
  for (const spec of specs) {
    if (!spec.includes('*')) {
      files.push(spec);
      continue;
    }
    const base = spec.slice(0, spec.indexOf('*')).replace(/[^/]*$/, '') || '.';
    const re = globToRegExp(spec);
    files.push(...filesUnder(base).filter((f) => re.test(f)).sort());
  }
  const unique = [...new Set(files.map((f) => f.replace(/^\.\//, '')))];
  const rank = (file) => {
    const i = SLOW_FIRST.findIndex((re) => re.test(file));
    return i < 0 ? SLOW_FIRST.length : i;
  };
  // Array.prototype.sort is stable: within a rank, the files keep their (alphabetical) order.
  return unique.sort((a, b) => rank(a) - rank(b));
}

const args = process.argv.slice(2);
const own = (flag) => {
  const i = args.indexOf(flag);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};
const typecheck = own('--typecheck');
const build = own('--build');
const parallel = own('--parallel');
const cpuReport = own('--cpu-report');
const lint = own('--lint');

/** Runs an npm script of this package; resolves with its exit code and, if quiet, what it printed. */
function npmRun(script, quiet) {
  const npm = process.env['npm_execpath'];
  const [command, prefix] = npm ? [process.execPath, [npm]] : ['npm', []];
  return new Promise((resolve) => {
    const child = spawn(command, [...prefix, 'run', '--silent', script], { cwd: repoRoot, stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

const env = { ...process.env };
if (typecheck || build) {
  // Side by side (two processes, two cores). With the type check beside it, the build's errors
  // would be the same ones again: its output is printed only if it fails alone.
  const [checked, built] = await Promise.all([typecheck ? npmRun('typecheck', false) : { code: 0 }, build ? npmRun('build', typecheck) : { code: 0 }]);
  if (checked.code !== 0) {
    process.stderr.write('run-mocha: the type check (npm run typecheck) failed\n');
    process.exit(checked.code);
  }
  if (built.code !== 0) {
    process.stderr.write(`${built.output ?? ''}run-mocha: the build (npm run build) failed\n`);
    process.exit(built.code);
  }
  if (build) env['EVSE_AGENT_TEST_BUILT_CLI'] = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');
}

let mochaArgs = args;
if (parallel) {
  // Mocha's own options (--grep, --reporter ...) stay as given; file and glob arguments are ordered.
  const options = [];
  const specs = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg.startsWith('-')) {
      options.push(arg);
      // An option's value follows it unless given as --name=value; mocha's boolean flags have none.
      if (!arg.includes('=') && i + 1 < args.length && !args[i + 1].startsWith('-') && !/\.(ts|js|mjs)$|\*/.test(args[i + 1])) options.push(args[++i]);
    } else specs.push(arg);
  }
  const jobs = process.env['TEST_JOBS'] ?? String(DEFAULT_JOBS);
  mochaArgs = ['--parallel', '--jobs', jobs, ...options, ...orderedSpecs(specs)];
}

/** The --cpu-report summary: the files taking the most CPU, and the sum over all files. */
function printCpuReport(file) {
  if (!existsSync(file)) return;
  const lines = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
  const cpu = (l) => l.ownMs + l.childrenMs;
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
  lines.sort((a, b) => cpu(b) - cpu(a));
  const total = lines.reduce((sum, l) => sum + cpu(l), 0);
  process.stdout.write(`\nCPU time of the test files: ${s(total)} in all (own + child processes), ${lines.length} files; the most:\n`);
  for (const l of lines.slice(0, 15)) process.stdout.write(`  ${s(cpu(l)).padStart(7)} (own ${s(l.ownMs)}, children ${s(l.childrenMs)}, wall ${s(l.wallMs)})  ${l.file}\n`);
}

const mocha = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'evse-agent-test-'));
// The browser tests' screenshots (test/helpers/browser.ts) outlive the run: in the system's temp dir.
env['EVSE_AGENT_TEST_ARTIFACTS'] ??= path.join(os.tmpdir(), 'evse-agent-test-artifacts');
env['TMPDIR'] = tmp;
// Outside the run's TMPDIR, which a test may look into; removed with it.
const cpuReportFile = `${tmp}-cpu.jsonl`;
if (cpuReport) env['EVSE_AGENT_TEST_CPU_REPORT'] = cpuReportFile;
const child = spawn(process.execPath, [mocha, ...mochaArgs], { stdio: 'inherit', env });
// Beside the tests, which mostly wait on sockets and timers; its report is printed at the end.
const linted = lint ? npmRun('lint', true) : Promise.resolve({ code: 0, output: '' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', async (code, signal) => {
  if (cpuReport) printCpuReport(cpuReportFile);
  rmSync(tmp, { recursive: true, force: true });
  rmSync(cpuReportFile, { force: true });
  const lintResult = await linted;
  if (lintResult.code !== 0) process.stderr.write(`${lintResult.output}run-mocha: the linter (npm run lint) found problems\n`);
  const testCode = code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1);
  process.exit(testCode !== 0 ? testCode : lintResult.code);
});
