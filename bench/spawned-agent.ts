/**
 * bench/spawned-agent: the built CLI (`node dist/src/cli/main.js run --config FILE`) as a child
 * process on config/simulator.json, pointed at a development CSMS in the bench process, for the
 * benches that compare the agent as installed with a bare node process (start-to-boot, idle-rss-ratio).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const builtCli = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/** Exits with a hint when dist/ is missing: these benches measure the built code. */
export function requireBuild(): void {
  if (!existsSync(builtCli)) {
    process.stderr.write(`${builtCli} is missing: run npm run build first\n`);
    process.exit(1);
  }
}

/** Writes the simulator's config for one station in `dir` (its own storage), connecting to `csmsUrl`. */
export function simulatorConfig(dir: string, csmsUrl: string, identity: string, meterPollMs = 1000): string {
  const doc = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'simulator.json'), 'utf8')) as {
    [key: string]: unknown;
    station: object;
    ocpp: object;
    meter: object;
  };
  mkdirSync(dir, { recursive: true });
  doc['$schema'] = path.join(repoRoot, 'config', 'config.schema.json');
  doc['station'] = { ...doc.station, identity };
  doc['ocpp'] = { ...doc.ocpp, url: csmsUrl };
  doc['meter'] = { ...doc.meter, pollIntervalMs: meterPollMs };
  doc['api'] = { listen: '127.0.0.1:0' };
  doc['storage'] = { dir: path.join(dir, 'state') };
  doc['log'] = { level: 'error' };
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

/** Spawns `node [nodeArgs] dist/src/cli/main.js run --config FILE` (or another entry, e.g. the launcher with its options), output to the bench's stderr. */
export function spawnAgent(configFile: string, nodeArgs: readonly string[] = [], entry: readonly string[] = [builtCli]): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, ...entry, 'run', '--config', configFile], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, EVSE_AGENT_STATE_DIR: '' },
  });
}

/** Ends a child with SIGTERM (the agent's orderly stop), SIGKILL after `graceMs`; resolves once it exited. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Resident set size of a live process in bytes, from /proc/PID/status (VmRSS). */
export function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  if (!line) throw new Error(`no VmRSS for process ${pid}`);
  return Number(line.replace(/\D+/g, '')) * 1024;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
