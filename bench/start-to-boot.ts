/**
 * bench/start-to-boot: from spawn to the BootNotification on the wire, the built CLI
 * (`node dist/src/cli/main.js run` on config/simulator.json: the bundle and its code cache)
 * against `node -e 0` (spawn to exit) measured alternately in the same run, for a restart (the
 * station's storage there from its last run: every start but its first, the target) and for a
 * first start (empty storage). The development CSMS runs in this process on 127.0.0.1 and
 * stamps the moment the BootNotification frame arrives. Issue 18 target: the agent within 2x node.
 * With --cpu-prof, one more run of the agent under `node --cpu-prof` prints the top self-time functions.
 *
 *   npm run bench:start [-- --runs 11 --cpu-prof --via-launcher]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { filter, firstValueFrom } from 'rxjs';
import { DevCsms } from '../tools/dev-csms/dev-csms.js';
import { silentLogger } from '../src/process/logger.js';
import { median, repoRoot, requireBuild, simulatorConfig, spawnAgent, stopChild } from './spawned-agent.js';

const TARGET_RATIO = 2;
/** --via-launcher: through dist/src/release/launcher.js, as the installed command and the unit run it (no release current: the installed program). */
let viaLauncher = false;
const BOOT_TIMEOUT_MS = 30_000;

/** ms from spawn to exit of `node -e 0`. */
function bareNode(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`node -e 0 exited ${code}`))));
  });
}

/** ms from spawn to the station's BootNotification CALL arriving at the CSMS; the agent is stopped after. */
async function agentToBoot(csms: DevCsms, dir: string, identity: string, nodeArgs: string[] = []): Promise<number> {
  const entry = viaLauncher ? [path.join(repoRoot, 'dist', 'src', 'release', 'launcher.js'), '--state', path.join(dir, 'launcher-state'), '--installed', repoRoot] : undefined;
  const config = simulatorConfig(dir, csms.url, identity);
  const boot = firstValueFrom(
    csms.messages$.pipe(filter((m) => m.identity === identity && m.direction === 'fromStation' && m.kind === 'call' && m.action === 'BootNotification')),
  ).then(() => performance.now());
  const t0 = performance.now();
  const child = spawnAgent(config, nodeArgs, entry);
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the agent exited ${code} before its BootNotification`))));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no BootNotification within 30 s')), BOOT_TIMEOUT_MS)));
  try {
    return (await Promise.race([boot, exited, timeout])) - t0;
  } finally {
    clearTimeout(timer);
    await stopChild(child);
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time by function and by file (module) from a .cpuprofile, top `n` of each. */
function topSelfTime(file: string, n: number): { functions: Array<[string, number]>; modules: Array<[string, number]> } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    // Waiting for I/O is not start-up work.
    if (frame.functionName === '(idle)') return;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const where = frame.url ? frame.url.replace(`file://${repoRoot}/`, '') : '(native)';
    const fn = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
    modules.set(where, (modules.get(where) ?? 0) + ms);
  });
  const top = (m: Map<string, number>): Array<[string, number]> => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  return { functions: top(functions), modules: top(modules) };
}

/** Files whose code is schema work: Ajv (compiler and runtime), the build's validators, our schema modules. */
const SCHEMA_CODE = /\/validators\/|node_modules\/ajv|json-schema\.js|ocpp-schema|document-schemas|precompiled-validators/;

/** CPU ms of samples with schema code anywhere on the stack (loading, compiling and running validators). */
function schemaWork(file: string): number {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  let ms = 0;
  profile.samples.forEach((id, i) => {
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      if (SCHEMA_CODE.test(byId.get(at)!.callFrame.url)) {
        ms += (profile.timeDeltas[i] ?? 0) / 1000;
        return;
      }
    }
  });
  return ms;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '11' }, 'cpu-prof': { type: 'boolean', default: false }, 'via-launcher': { type: 'boolean', default: false } } });
  viaLauncher = values['via-launcher'];
  const runs = Number(values.runs);
  requireBuild();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evse-bench-start-'));
  const csms = new DevCsms({ port: 0, log: silentLogger });
  await csms.start();
  try {
    // One warm-up of each (the file system cache; the restarts' storage), not counted.
    const station = path.join(dir, 'station');
    await bareNode();
    await agentToBoot(csms, station, 'BENCH-START-WARM');
    const node: number[] = [];
    const agent: number[] = [];
    const firstStart: number[] = [];
    for (let i = 0; i < runs; i++) {
      node.push(await bareNode());
      // A restart (every start but a station's first): its storage.dir is there from the run before.
      agent.push(await agentToBoot(csms, station, `BENCH-START-${i}`));
      // A first start: storage.dir empty (journals, state and the relay map made).
      firstStart.push(await agentToBoot(csms, path.join(dir, `first-${i}`), `BENCH-FIRST-${i}`));
    }
    const ratio = median(agent) / median(node);
    const row = (name: string, xs: number[]): string =>
      `  ${name.padEnd(50)} ${median(xs).toFixed(1).padStart(7)} ms   (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;
    console.log(`spawn to BootNotification on the wire, median of ${runs} runs each (alternating), ${os.cpus().length} CPUs, node ${process.version}`);
    console.log(row('node -e 0 (spawn to exit)', node));
    const entryName = viaLauncher ? 'launcher.js run' : 'main.js run';
    console.log(row(`${entryName}, a restart (spawn to boot frame)`, agent));
    console.log(row(`${entryName}, a first start (empty storage)`, firstStart));
    console.log(`restart / node -e 0 = ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}x): ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'}; first start ${(median(firstStart) / median(node)).toFixed(2)}x`);

    if (values['cpu-prof']) {
      const profDir = path.join(dir, 'prof');
      const ms = await agentToBoot(csms, station, 'BENCH-START-PROF', ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
      const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error('no .cpuprofile written');
      // The profile spans the whole life of the process (to its SIGTERM stop), a little past the boot frame.
      const { functions, modules } = topSelfTime(path.join(profDir, file), 10);
      console.log(`\n--cpu-prof run: ${ms.toFixed(1)} ms to the boot frame; top 10 self time by module (file):`);
      for (const [name, t] of modules) console.log(`  ${t.toFixed(1).padStart(7)} ms  ${name}`);
      console.log('top 10 self time by function:');
      for (const [name, t] of functions) console.log(`  ${t.toFixed(1).padStart(7)} ms  ${name}`);
      console.log(`schema work (a frame of Ajv, dist/validators or the schema modules on the stack): ${schemaWork(path.join(profDir, file)).toFixed(1)} ms`);
    }
    process.exitCode = ratio <= TARGET_RATIO ? 0 : 1;
  } finally {
    await csms.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
