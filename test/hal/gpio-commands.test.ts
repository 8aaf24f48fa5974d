import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { failsafeCommand, relayLinesLeniently } from '../../src/cli/commands/failsafe.js';
import { runCommand } from '../../src/cli/commands/run.js';
import { SimulatedGpio } from '../../src/hal/drivers/simulated/simulated-gpio.js';
import type { Level, LineAddress, RawOutputPin } from '../../src/hal/gpio/gpio.js';
import { runFailsafeHooks } from '../../src/process/lifecycle.js';
import { cliEntry, repoRoot, simulatorConfigCopy, simulatorDoc } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { captureIo, waitFor } from './gpio-fakes.js';

/** The commands that drive relay lines: run opens them when stopped, failsafe opens them from outside. */

const simulatorConfig = path.join(repoRoot, 'config', 'simulator.json');

let tmp: string;
before(() => {
  tmp = makeTempDir('evse-gpio-test');
});

/** A SimulatedGpio that keeps the raw output pins, so a test can drive a relay line the agent holds. */
class CapturingGpio extends SimulatedGpio {
  readonly pins = new Map<number, RawOutputPin>();
  override async openOutput(address: LineAddress, initialLevel: Level): Promise<RawOutputPin> {
    const pin = await super.openOutput(address, initialLevel);
    this.pins.set(address.line, pin);
    return pin;
  }
}

describe('GPIO: run command opens the relays when stopped', () => {
  it('writes the relay inactive on abort, after it was energised, and resolves 0', async () => {
    const gpio = new CapturingGpio();
    const writes: Array<{ line: number; level: Level }> = [];
    gpio.writes$.subscribe((w) => writes.push({ line: w.address.line, level: w.level }));
    const controller = new AbortController();
    const io = captureIo(controller.signal);
    const done = runCommand(io, simulatorConfigCopy(), { gpio });

    await waitFor('the relay to be opened', () => writes.some((w) => w.line === 17));
    assert.deepEqual(
      writes.filter((w) => w.line === 17).map((w) => w.level),
      [0],
    );
    await waitFor('the agent running', () => /running EVSE-SIM-001/.test(io.err()));

    // Energise the contactor behind the agent's back, as the charging core would.
    const pin = gpio.pins.get(17);
    assert.ok(pin);
    pin.writeSync(1);
    assert.equal(gpio.level({ line: 17 }), 1);

    // While running, the process-wide failsafe hook opens it (what SIGTERM and crashes run first).
    runFailsafeHooks();
    assert.equal(gpio.level({ line: 17 }), 0);

    pin.writeSync(1);
    const before = writes.length;
    controller.abort();
    assert.equal(await done, 0);
    const after = writes.slice(before).filter((w) => w.line === 17);
    assert.ok(after.length > 0, 'nothing written to the relay on stop');
    assert.equal(after.at(-1)?.level, 0);
    assert.equal(gpio.level({ line: 17 }), 0);
    assert.match(io.err(), /stopping: opening every relay/);

    // The hook is gone with the command.
    pin.writeSync(1);
    runFailsafeHooks();
    assert.equal(gpio.level({ line: 17 }), 1);
  });

  it('touches no GPIO line when the config is invalid', async () => {
    const gpio = new SimulatedGpio();
    let written = 0;
    gpio.writes$.subscribe(() => written++);
    const io = captureIo();
    const code = await runCommand(io, path.join(repoRoot, 'test', 'config', 'bad', 'gpio-line-relay-and-led.json'), { gpio });
    assert.equal(code, 78);
    assert.equal(written, 0);
    assert.match(io.err(), /invalid configuration/);
  });
});

describe('GPIO: failsafe command', () => {
  /** A relay left energised by an agent that is gone: driven at its active level, no longer held. */
  async function energised(gpio: SimulatedGpio, line: number, activeLow = false): Promise<void> {
    const pin = await gpio.openOutput({ line }, activeLow ? 0 : 1);
    await pin.close();
    assert.equal(gpio.level({ line }), activeLow ? 0 : 1);
  }

  /** Every level written from now on, by line. */
  function recordWrites(gpio: SimulatedGpio): Map<number, Level[]> {
    const byLine = new Map<number, Level[]>();
    gpio.writes$.subscribe((w) => byLine.set(w.address.line, [...(byLine.get(w.address.line) ?? []), w.level]));
    return byLine;
  }

  it('opens the relay of a valid config and exits 0', async () => {
    const gpio = new SimulatedGpio();
    await energised(gpio, 17);
    const writes = recordWrites(gpio);
    const io = captureIo();
    const code = await failsafeCommand(io, simulatorConfig, gpio);
    assert.equal(code, 0, io.err());
    assert.equal(gpio.level({ line: 17 }), 0);
    // Only the inactive level, from the first write: the contactor never closes on the way.
    assert.ok((writes.get(17) ?? []).length > 0);
    assert.ok((writes.get(17) ?? []).every((l) => l === 0), String(writes.get(17)));
    assert.match(io.out(), /^failsafe: relay BCM 17 \(simulated\) open$/m);
    assert.equal(io.err(), '');
  });

  it('still opens every relay it finds in a config that does not validate, with a warning', async () => {
    const doc = simulatorDoc();
    doc['evses'][0]['maxCurentA'] = 32; // a typo: the config no longer validates
    doc['evses'].push({ id: 2, connectors: [{ id: 1, relay: { line: 18, activeLow: true } }] });
    const file = path.join(tmp, 'failsafe-typo.json');
    writeFileSync(file, JSON.stringify(doc));
    const gpio = new SimulatedGpio();
    await energised(gpio, 17);
    await energised(gpio, 18, true);
    const writes = recordWrites(gpio);
    const io = captureIo();
    const code = await failsafeCommand(io, file, gpio);
    assert.equal(code, 0, io.err());
    assert.equal(gpio.level({ line: 17 }), 0);
    assert.equal(gpio.level({ line: 18 }), 1);
    assert.ok((writes.get(17) ?? []).every((l) => l === 0), String(writes.get(17)));
    assert.ok((writes.get(18) ?? []).every((l) => l === 1), String(writes.get(18)));
    const warnings = io.err().split('\n').filter((l) => l.length > 0);
    assert.equal(warnings.length, 1, io.err());
    assert.match(warnings[0] ?? '', /^failsafe: .*failsafe-typo\.json does not validate \(1 config problem\(s\)\); opening every relay line found in it$/);
    assert.equal(io.out().match(/ open$/gm)?.length, 2);
  });

  it('exits 78 when the config is not JSON, and 78 when it does not exist', async () => {
    const gpio = new SimulatedGpio();
    let written = 0;
    gpio.writes$.subscribe(() => written++);
    for (const file of [path.join(repoRoot, 'test', 'config', 'bad', 'not-json.json'), path.join(tmp, 'missing.json')]) {
      const io = captureIo();
      assert.equal(await failsafeCommand(io, file, gpio), 78);
      assert.match(io.err(), /failsafe: cannot read .*; no relay line known/);
    }
    assert.equal(written, 0);
  });

  it('exits 1 when there is no relay to open', async () => {
    const doc = simulatorDoc();
    doc['evses'] = [];
    const file = path.join(tmp, 'failsafe-no-relays.json');
    writeFileSync(file, JSON.stringify(doc));
    const io = captureIo();
    assert.equal(await failsafeCommand(io, file, new SimulatedGpio()), 1);
    assert.match(io.err(), /no relay line in the config/);
  });

  it('does nothing for simulated GPIO without a driver to use', async () => {
    const io = captureIo();
    assert.equal(await failsafeCommand(io, simulatorConfig), 0);
    assert.match(io.out(), /GPIO is simulated/);
  });

  it('relayLinesLeniently takes the well-formed relays and skips the rest', () => {
    const found = relayLinesLeniently({
      gpio: { driver: 'sysfs', chip: 'pinctrl-rp1', sysfsRoot: '/tmp/gpio' },
      evses: [
        { connectors: [{ relay: { line: 17 } }, { relay: { line: '18' } }, null, { relay: { line: 19, activeLow: true, chip: 'x' } }] },
        { connectors: 'nope' },
        null,
        { connectors: [{ relay: { line: 20.5 } }, { relay: { line: 21, activeLow: 'yes' } }] },
      ],
    });
    assert.deepEqual(found, {
      driver: 'sysfs',
      chip: 'pinctrl-rp1',
      root: '/tmp/gpio',
      relays: [
        { line: 17, activeLow: false, chip: undefined },
        { line: 19, activeLow: true, chip: 'x' },
        { line: 21, activeLow: false, chip: undefined },
      ],
    });
    assert.deepEqual(relayLinesLeniently(null), { driver: 'sysfs', chip: undefined, root: undefined, relays: [] });
  });
});

describe('GPIO: signals in a real process', () => {
  it('on SIGTERM, opens every relay and exits 0', async function () {
    this.timeout(20_000);
    const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, 'run', '--config', simulatorConfigCopy()], {
      cwd: repoRoot,
      env: { ...process.env, JOURNAL_STREAM: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      await waitFor('the agent running', () => /running EVSE-SIM-001/.test(stderr) || child.exitCode !== null, 12_000);
      assert.match(stderr, /running EVSE-SIM-001/, stdout);
      child.kill('SIGTERM');
      const { code, signal } = await exited;
      assert.equal(signal, null, stderr);
      assert.equal(code, 0, stderr);
      assert.match(stderr, /opening every relay/);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
