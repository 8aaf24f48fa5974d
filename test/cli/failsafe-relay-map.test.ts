import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../../src/cli/commands/run.js';
import { resolveConfig } from '../../src/config/load-config.js';
import { SimulatedGpio } from '../../src/hal/drivers/simulated/simulated-gpio.js';
import { readRelayMap, RELAY_MAP_FILE, writeRelayMap } from '../../src/store/relay-map.js';
import { runProcess, simulatorConfigCopy, simulatorDoc } from '../helpers/cli.js';

/**
 * `failsafe` runs after every exit of the agent and must open the relays even when the config on
 * disk is not JSON any more: then it opens the lines of the relay map the last start left.
 */
describe('failsafe: the relay map, for a config that cannot be read', function () {
  this.timeout(30000);
  let tmp: string;
  let seq = 0;

  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'evse-failsafe-test-'));
  });
  after(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  /**
   * A /sys/class/gpio with a Pi 4's header chip (base 512), and BCM 17 and 18 exported and driven
   * by an agent that is gone: 17 energised (high, active-high), 18 energised (low, active-low).
   */
  function fakeSysfs(dir: string): string {
    const root = path.join(dir, 'sysfs');
    mkdirSync(path.join(root, 'gpiochip512'), { recursive: true });
    writeFileSync(path.join(root, 'export'), '');
    writeFileSync(path.join(root, 'gpiochip512', 'label'), 'pinctrl-bcm2711\n');
    writeFileSync(path.join(root, 'gpiochip512', 'base'), '512\n');
    writeFileSync(path.join(root, 'gpiochip512', 'ngpio'), '58\n');
    for (const [n, level] of [
      [529, 1],
      [530, 0],
    ] as const) {
      mkdirSync(path.join(root, `gpio${n}`));
      writeFileSync(path.join(root, `gpio${n}`, 'direction'), 'out\n');
      writeFileSync(path.join(root, `gpio${n}`, 'value'), `${level}\n`);
    }
    return root;
  }

  /** A station with two relays on sysfs, its relay map in stateDir, and its config file then broken. */
  function brokenStation(): { dir: string; root: string; stateDir: string; file: string } {
    const dir = path.join(tmp, `station${++seq}`);
    mkdirSync(dir);
    const root = fakeSysfs(dir);
    const stateDir = path.join(dir, 'state');
    const doc = simulatorDoc();
    doc['gpio'] = { driver: 'sysfs', sysfsRoot: root };
    doc['evses'][0]['connectors'][0]['relay'] = { line: 17 };
    doc['evses'].push({ id: 2, connectors: [{ id: 1, relay: { line: 18, activeLow: true } }] });
    delete doc['evses'][0]['leds'];
    doc['storage'] = { dir: stateDir };
    const file = path.join(dir, 'config.json');
    // What the last successful start wrote.
    writeRelayMap(stateDir, resolveConfig(doc, file).config, new Date());
    // Then a half-finished edit: a missing comma on line 3.
    writeFileSync(file, '{\n  "station": {"identity": "CP-1"}\n  "ocpp": {}\n}\n');
    return { dir, root, stateDir, file };
  }

  const level = (root: string, n: number): { direction: string; value: string } => ({
    direction: readFileSync(path.join(root, `gpio${n}`, 'direction'), 'utf8').trim(),
    value: readFileSync(path.join(root, `gpio${n}`, 'value'), 'utf8').trim(),
  });

  it('a real failsafe with a config that is not JSON opens the relays of the map ($EVSE_AGENT_STATE_DIR), naming line and column', async () => {
    const { root, stateDir, file } = brokenStation();
    const { code, stdout, stderr } = await runProcess(['failsafe', '--config', file], { env: { EVSE_AGENT_STATE_DIR: stateDir } });
    assert.equal(code, 0, stderr);
    // Each relay at its inactive level, set in the one write that makes it an output.
    assert.deepEqual(level(root, 529), { direction: 'low', value: '0' });
    assert.deepEqual(level(root, 530), { direction: 'high', value: '1' });
    assert.match(stderr, /failsafe: cannot use .*config\.json: not JSON: a syntax error at line 3, column 3 \(/);
    assert.match(stderr, new RegExp(`opening the relays of the last start, from ${path.join(stateDir, RELAY_MAP_FILE).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    assert.doesNotMatch(stderr, /position \d+/);
    assert.match(stdout, /^failsafe: relay BCM 17 \(sysfs gpio529 on pinctrl-bcm2711\) open$/m);
    assert.match(stdout, /^failsafe: relay BCM 18 \(sysfs gpio530 on pinctrl-bcm2711\) open$/m);
  });

  it('takes the state dir from --state-dir too', async () => {
    const { root, stateDir, file } = brokenStation();
    const { code, stderr } = await runProcess(['failsafe', '--config', file, '--state-dir', stateDir], { env: { EVSE_AGENT_STATE_DIR: path.join(tmp, 'nowhere') } });
    assert.equal(code, 0, stderr);
    assert.deepEqual(level(root, 529), { direction: 'low', value: '0' });
  });

  it('without a relay map: exit 78, saying where it looked, and touches nothing', async () => {
    const { root, file } = brokenStation();
    const empty = path.join(tmp, `empty${++seq}`);
    const { code, stderr } = await runProcess(['failsafe', '--config', file, '--state-dir', empty]);
    assert.equal(code, 78);
    assert.match(stderr, /line 3, column 3 .*no relay map either \(.*relay-map\.json: ENOENT\); no relay line known/);
    assert.deepEqual(level(root, 529), { direction: 'out', value: '1' });
  });

  it('with a valid config, also opens the lines the last start drove that the config no longer names (edited since)', async () => {
    const { root, stateDir, file } = brokenStation();
    // The config, valid again, now names only BCM 17: BCM 18 was the second EVSE's relay at the last start.
    const doc = simulatorDoc();
    doc['gpio'] = { driver: 'sysfs', sysfsRoot: root };
    doc['evses'][0]['connectors'][0]['relay'] = { line: 17 };
    doc['storage'] = { dir: stateDir };
    writeFileSync(file, JSON.stringify(doc));
    const { code, stdout, stderr } = await runProcess(['failsafe', '--config', file]);
    assert.equal(code, 0, stderr);
    assert.deepEqual(level(root, 529), { direction: 'low', value: '0' });
    assert.deepEqual(level(root, 530), { direction: 'high', value: '1' });
    assert.match(stderr, /also opening 1 relay line\(s\) the last start drove and .*config\.json no longer names/);
    assert.equal(stdout.match(/ open$/gm)?.length, 2, stdout);
  });

  it('run writes the relay map at a successful start: gpio, chip root and every relay with its active level', async () => {
    const file = simulatorConfigCopy();
    try {
      const controller = new AbortController();
      let err = '';
      const io = { stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) }, stop: controller.signal };
      const done = runCommand(io, file, { gpio: new SimulatedGpio() });
      const deadline = Date.now() + 15000;
      while (!/running EVSE-SIM-001/.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      controller.abort();
      assert.equal(await done, 0, err);
      const map = readRelayMap(path.join(path.dirname(file), 'var'));
      assert.ok(map.ok, JSON.stringify(map));
      assert.deepEqual(map.map, { driver: 'simulated', chip: undefined, root: '/sys/class/gpio', relays: [{ line: 17, activeLow: false, chip: undefined }] });
    } finally {
      rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});

