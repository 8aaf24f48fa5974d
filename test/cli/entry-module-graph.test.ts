import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, simulatorDoc } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** Modules the failsafe must not load: OCPP and its WebSocket, the schema checker, the development CSMS, the agent, rxjs, Modbus. */
const FORBIDDEN = [
  /\/node_modules\/(ws|ajv|ajv-formats|ajv-draft-04|rxjs|modbus-serial|serialport|ocpp-messages)\//,
  /\/src\/ocpp\//,
  /\/src\/services\//,
  /\/src\/app\//,
  /\/src\/station\//,
  /\/src\/config\//,
  /\/tools\/dev-csms\//,
  /\/src\/cli\/(cli|command-line|agent-loop)\.ts$/,
  /\/src\/cli\/commands\//,
];

/** Runs node on a source entry (through tsx), logging every module it resolves; resolves with the exit, output and that list. */
function runLogged(entry: string, args: string[]): Promise<{ code: number | null; out: string; modules: string[] }> {
  const log = path.join(makeTempDir('evse-module-graph'), 'modules.log');
  writeFileSync(log, '');
  const register = path.join(repoRoot, 'test', 'cli', 'module-graph', 'register.mjs');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', register, path.join(repoRoot, entry), ...args], {
      cwd: repoRoot,
      env: { ...process.env, MODULE_GRAPH_LOG: log, EVSE_AGENT_STATE_DIR: '' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const modules = readFileSync(log, 'utf8')
        .split('\n')
        .filter((u) => u.startsWith('file:'))
        .map((u) => new URL(u).pathname);
      resolve({ code, out, modules });
    });
  });
}

/**
 * `failsafe` is its own entry (src/cli/failsafe-main.ts), which systemd's ExecStopPost reaches
 * through `evse-agent failsafe`: it runs after every exit of the agent and must start in about the
 * time of a bare node, so it loads the relay map reader and the sysfs GPIO code and nothing of OCPP.
 */
describe('failsafe entry: its module graph', function () {
  this.timeout(30000);

  /** A fake sysfs with BCM 17 exported and driven high (energised), and a config naming it. */
  function station(): { root: string; file: string; stateDir: string } {
    const dir = makeTempDir('evse-failsafe-entry');
    const root = path.join(dir, 'sysfs');
    mkdirSync(path.join(root, 'gpiochip512'), { recursive: true });
    writeFileSync(path.join(root, 'export'), '');
    writeFileSync(path.join(root, 'gpiochip512', 'label'), 'pinctrl-bcm2711\n');
    writeFileSync(path.join(root, 'gpiochip512', 'base'), '512\n');
    writeFileSync(path.join(root, 'gpiochip512', 'ngpio'), '58\n');
    mkdirSync(path.join(root, 'gpio529'));
    writeFileSync(path.join(root, 'gpio529', 'direction'), 'out\n');
    writeFileSync(path.join(root, 'gpio529', 'value'), '1\n');
    const doc = simulatorDoc();
    doc['gpio'] = { driver: 'sysfs', sysfsRoot: root };
    doc['evses'][0]['connectors'][0]['relay'] = { line: 17 };
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(doc));
    return { root, file, stateDir: path.join(dir, 'state') };
  }

  for (const [how, entry, args] of [
    ['src/cli/failsafe-main.ts', 'src/cli/failsafe-main.ts', []],
    ['evse-agent failsafe (main.ts hands over)', 'src/cli/main.ts', ['failsafe']],
  ] as const) {
    it(`${how}: opens the relay, loading neither OCPP, ws, Ajv, rxjs nor the development CSMS`, async () => {
      const { root, file, stateDir } = station();
      const { code, out, modules } = await runLogged(entry, [...args, '--config', file, '--state-dir', stateDir]);
      assert.equal(code, 0, out);
      assert.match(out, /^failsafe: relay BCM 17 \(sysfs gpio529 on pinctrl-bcm2711\) open$/m);
      assert.equal(readFileSync(path.join(root, 'gpio529', 'direction'), 'utf8').trim(), 'low');
      // The hook saw the modules it needs: otherwise an empty list would pass.
      for (const needed of ['/src/cli/failsafe-main.ts', '/src/store/relay-map.ts', '/src/hal/drivers/sysfs/sysfs-gpio.ts']) {
        assert.ok(modules.some((m) => m.endsWith(needed)), `${needed} not among:\n${modules.join('\n')}`);
      }
      const loaded = modules.filter((m) => FORBIDDEN.some((re) => re.test(m)));
      assert.deepEqual(loaded, [], `the failsafe loaded:\n${loaded.join('\n')}`);
    });
  }

  it('--help still prints the usage of `evse-agent failsafe` (the full command line answers it)', async () => {
    const { code, out } = await runLogged('src/cli/failsafe-main.ts', ['--help']);
    assert.equal(code, 0, out);
    assert.match(out, /^usage: evse-agent failsafe \[--config FILE\] \[--state-dir DIR\]/);
  });

  it('a wrong option is a usage error (64), as for every command', async () => {
    const { code, out } = await runLogged('src/cli/failsafe-main.ts', ['--nonsense']);
    assert.equal(code, 64, out);
    assert.match(out, /evse-agent: .*--nonsense/);
  });
});

/** main.ts imports a command's module only when that command runs. */
describe('evse-agent: each command loads its own modules only', function () {
  this.timeout(30000);

  const modulesOf = (modules: string[], re: RegExp): string[] => modules.filter((m) => re.test(m));

  it('help loads no command at all', async () => {
    const { code, out, modules } = await runLogged('src/cli/main.ts', ['help']);
    assert.equal(code, 0, out);
    assert.match(out, /^usage: evse-agent <command>/);
    assert.deepEqual(modulesOf(modules, /\/src\/cli\/(commands|failsafe)\//), []);
    assert.deepEqual(modulesOf(modules, /\/src\/(config|hal|ocpp|app|station)\//), []);
  });

  it('check-config loads the config loader, and neither OCPP, ws, the agent nor the development CSMS', async () => {
    const { code, out, modules } = await runLogged('src/cli/main.ts', ['check-config', path.join(repoRoot, 'config', 'simulator.json')]);
    assert.equal(code, 0, out);
    assert.ok(modules.some((m) => m.endsWith('/src/config/load-config.ts')), modules.join('\n'));
    const loaded = modulesOf(modules, /\/node_modules\/ws\/|\/src\/ocpp\/|\/src\/app\/|\/tools\/dev-csms\/|\/src\/cli\/commands\/(run|demo|dev-csms|meter-sim)\.ts$/);
    assert.deepEqual(loaded, [], `check-config loaded:\n${loaded.join('\n')}`);
  });
});
