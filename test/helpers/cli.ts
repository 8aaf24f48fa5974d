import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/cli.js';
import type { CliIo } from '../../src/cli/io.js';
import { makeTempDir } from './temp-dir.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliEntry = path.join(repoRoot, 'src', 'cli', 'main.ts');

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

/** Runs the real executable (through tsx) as a child process; resolves when it exits. */
export function runProcess(
  argv: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...argv], {
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

/**
 * config/simulator.json copied to a scratch folder, with the local API on a free port, the
 * storage there too and no CSMS, so tests never collide with a running agent or each other.
 */
export function simulatorConfigCopy(changes: (doc: Record<string, any>) => void = () => undefined): string {
  const dir = makeTempDir('evse-sim-config');
  const doc = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'simulator.json'), 'utf8')) as Record<string, any>;
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
