import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/cli.js';
import type { CliIo } from '../../src/cli/io.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { StationConfig } from '../../src/config/station-config.js';
import { makeTempDir } from './temp-dir.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliEntry = path.join(repoRoot, 'src', 'cli', 'main.ts');

/**
 * The agent built by this run (test/run-mocha.mjs --build sets it after it has built dist/), else
 * none. Plain node starts the built agent in about a third of the CPU time tsx takes for the
 * sources, and a run spawns it dozens of times; without the variable (mocha run by hand on a few
 * files) the sources are run, so a test never runs a build older than the sources.
 */
const builtCliEntry = process.env['EVSE_AGENT_TEST_BUILT_CLI'];

/** `node` arguments that run the real executable with argv: the built agent of this run, else the sources through tsx. */
export function cliNodeArgs(argv: string[]): string[] {
  return builtCliEntry ? [builtCliEntry, ...argv] : ['--import', 'tsx', cliEntry, ...argv];
}

/** Runs a command in-process, capturing what it writes. */
export async function runInProcess(
  argv: string[],
  options: { stop?: AbortSignal; stdinLines?: AsyncIterable<string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    stop: options.stop ?? AbortSignal.abort(),
    ...(options.stdinLines ? { stdinLines: options.stdinLines } : {}),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** Polls what a command has written so far (read()) until it matches re; resolves with the match. */
export async function waitForOutput(read: () => string, re: RegExp, timeoutMs = 5000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = read().match(re);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`never printed ${re}; output:\n${read()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs the real executable (cliNodeArgs) as a child process; resolves when it exits. */
export function runProcess(
  argv: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliNodeArgs(argv), {
      cwd: repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A command of the real executable (cliNodeArgs) as a child process, kept running; its stdout and stderr together, as they come. */
export class CliProcess {
  out = '';
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;

  constructor(argv: string[]) {
    this.child = spawn(process.execPath, cliNodeArgs(argv), { cwd: repoRoot, env: { ...process.env, JOURNAL_STREAM: '' } });
    this.child.stdout.on('data', (d: Buffer) => (this.out += d.toString()));
    this.child.stderr.on('data', (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Waits for output (from character `from` on) matching re; rejects if the process exits first. */
  async waitFor(re: RegExp, timeoutMs = 20000, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.out.slice(from).match(re);
      if (m) return m;
      if (this.child.exitCode !== null) throw new Error(`process exited (${this.child.exitCode}) before ${re}:\n${this.out.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`never saw ${re}:\n${this.out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** For `run`: waits for the local API, then for GET /api/status to show the boot Accepted; resolves with the API's base URL. */
  async booted(timeoutMs = 20000): Promise<string> {
    const api = `http://127.0.0.1:${(await this.waitFor(/local API on http:\/\/127\.0\.0\.1:(\d+)/))[1]}`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = (await (await fetch(`${api}/api/status`)).json()) as { connection: { bootState: string } };
      if (status.connection.bootState === 'Accepted') return api;
      if (Date.now() > deadline) throw new Error(`no boot:\n${this.out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * A config document for a test to change at any depth (`doc['evses'][0]['connectors'][0]['relay'] =
 * ...`) and write out: loosely typed on purpose, since what a test writes (often a wrong value) is
 * checked by the config's own validation, not by the compiler.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type ConfigDoc = Record<string, any>;

/** config/simulator.json as a fresh, unvalidated document, to change and write elsewhere. */
export function simulatorDoc(): ConfigDoc {
  return JSON.parse(readFileSync(path.join(repoRoot, 'config', 'simulator.json'), 'utf8')) as ConfigDoc;
}

/** config/simulator.json loaded, its storage in a new scratch folder: the simulated meter saves its register there, not in the checkout's var/. */
export function scratchSimulatorConfig(prefix: string): StationConfig {
  const { config } = loadConfig(path.join(repoRoot, 'config', 'simulator.json'));
  return { ...config, storage: { ...config.storage, dir: makeTempDir(prefix) } };
}

/**
 * config/simulator.json copied to a scratch folder, with the local API on a free port, the
 * storage there too and no CSMS, so tests never collide with a running agent or each other.
 */
export function simulatorConfigCopy(changes: (doc: ConfigDoc) => void = () => undefined): string {
  const dir = makeTempDir('evse-sim-config');
  const doc = simulatorDoc();
  doc['$schema'] = path.join(repoRoot, 'config', 'config.schema.json');
  doc['api'] = { listen: '127.0.0.1:0' };
  // Nothing listens on the discard port: a test that wants a CSMS sets its own URL, and none
  // reaches a development CSMS that may be running on the simulator's port.
  doc['ocpp'] = { ...doc['ocpp'], url: 'ws://127.0.0.1:9/ocpp' };
  doc['storage'] = { dir: path.join(dir, 'var') };
  changes(doc);
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}
