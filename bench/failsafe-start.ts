/**
 * bench/failsafe-start: how long `failsafe` takes from start to exit, the built entry
 * (dist/src/cli/failsafe-main.js, what systemd's ExecStopPost ends up in) against a bare
 * `node -e 0` in the same run, both run alternately so that a busy machine weighs on both alike.
 * Also `node dist/src/cli/main.js failsafe` (the evse-agent wrapper's path, which hands over to the
 * entry). The failsafe opens two relays in a scratch sysfs tree, as test/cli/failsafe-relay-map does.
 * Target: the entry's median within 1.5x of node's.
 *
 *   npm run bench:failsafe-start [-- --runs 15]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_RATIO = 1.5;

/** A /sys/class/gpio with a Pi 4's header chip (base 512) and BCM 17 and 18 exported and driven. */
function fakeSysfs(dir: string): string {
  const root = path.join(dir, 'sysfs');
  mkdirSync(path.join(root, 'gpiochip512'), { recursive: true });
  writeFileSync(path.join(root, 'export'), '');
  writeFileSync(path.join(root, 'gpiochip512', 'label'), 'pinctrl-bcm2711\n');
  writeFileSync(path.join(root, 'gpiochip512', 'base'), '512\n');
  writeFileSync(path.join(root, 'gpiochip512', 'ngpio'), '58\n');
  for (const n of [529, 530]) {
    mkdirSync(path.join(root, `gpio${n}`));
    writeFileSync(path.join(root, `gpio${n}`, 'direction'), 'out\n');
    writeFileSync(path.join(root, `gpio${n}`, 'value'), '1\n');
  }
  return root;
}

/** The simulator's config on that sysfs tree, with two relays. */
function stationConfig(dir: string, root: string): string {
  const doc = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'simulator.json'), 'utf8')) as {
    [key: string]: unknown;
    evses: Array<{ id: number; leds?: object; connectors: Array<{ id: number; relay: { line: number; activeLow?: boolean } }> }>;
  };
  doc['gpio'] = { driver: 'sysfs', sysfsRoot: root };
  doc.evses[0]!.connectors[0]!.relay = { line: 17 };
  delete doc.evses[0]!.leds;
  doc['evses'].push({ id: 2, connectors: [{ id: 1, relay: { line: 18, activeLow: true } }] });
  doc['storage'] = { dir: path.join(dir, 'state') };
  doc['$schema'] = path.join(repoRoot, 'config', 'config.schema.json');
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

/** Wall time of one run of node with these arguments, in ms; throws when it does not exit 0. */
function timeRun(args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, EVSE_AGENT_STATE_DIR: '' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);
const entry = path.join(repoRoot, 'dist', 'src', 'cli', 'failsafe-main.js');
const main = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`${entry} is missing: run npm run build first\n`);
  process.exit(1);
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'evse-bench-failsafe-'));
try {
  const config = stationConfig(dir, fakeSysfs(dir));
  const cases: Record<string, string[]> = {
    'node -e 0': ['-e', '0'],
    'failsafe-main.js': [entry, '--config', config],
    'main.js failsafe': [main, 'failsafe', '--config', config],
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  // One warm-up of each (the file system cache), not counted.
  for (const args of Object.values(cases)) timeRun(args);
  for (let i = 0; i < runs; i++) for (const [name, args] of Object.entries(cases)) times[name]!.push(timeRun(args));
  const base = median(times['node -e 0']!);
  process.stdout.write(`start to exit, median of ${runs} runs each (alternating), ${os.cpus().length} CPUs, node ${process.version}\n`);
  for (const [name, xs] of Object.entries(times)) {
    process.stdout.write(`  ${name.padEnd(18)} ${median(xs).toFixed(1).padStart(7)} ms   (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})   ${(median(xs) / base).toFixed(2)}x\n`);
  }
  const ratio = median(times['failsafe-main.js']!) / base;
  process.stdout.write(`failsafe entry / node -e 0 = ${ratio.toFixed(2)}x (target within ${TARGET_RATIO}x): ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'}\n`);
  process.exitCode = ratio <= TARGET_RATIO ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
