import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ModbusSlave } from '../../src/hal/drivers/simulated/modbus-slave.js';
import { SimulatedPilotBoard } from '../../src/hal/drivers/simulated/simulated-pilot.js';
import { loadPilotProfile } from '../../src/hal/pilot/profile.js';
import type { PilotReadResult } from '../../src/cli/commands/pilot-read.js';
import { EXIT } from '../../src/process/lifecycle.js';
import { LOCK_FILE } from '../../src/store/instance-lock.js';
import { CliProcess, runInProcess, runProcess, simulatorConfigCopy, type ConfigDoc } from '../helpers/cli.js';
import { whileAgentHolds } from '../helpers/foreign-agent.js';
import { openPtyPair, type PtyPair } from '../helpers/socat.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** `evse-agent pilot read` against a pilot board on a real serial line (meter-sim --pilot-unit on a socat pty pair). */

interface PilotJson {
  evses: PilotReadResult[];
}

/** A config with one EVSE whose meter (unit 1) and pilot board (unit 2) share the RS485 line `port`. */
function sharedLineConfig(port: string): string {
  const dir = makeTempDir('evse-pilot-cfg');
  const file = path.join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      station: { identity: 'T1' },
      ocpp: { version: '2.0.1', url: 'ws://127.0.0.1:9/ocpp' },
      meter: { driver: 'modbus-rtu', port, profile: 'eastron-sdm630', unitId: 1, timeoutMs: 200, retries: 0 },
      gpio: { driver: 'simulated' },
      evses: [{ id: 1, pilot: { driver: 'modbus-rtu', port, unitId: 2, timeoutMs: 200 }, connectors: [{ id: 1, relay: { line: 17 } }] }],
      storage: { dir: path.join(dir, 'var') },
    }),
  );
  return file;
}

/** Sends a command to meter-sim's standard input; resolves with its reply line. */
async function command(sim: CliProcess, line: string): Promise<string> {
  const from = sim.out.length;
  sim.child.stdin.write(`${line}\n`);
  return (await sim.waitFor(/^(ok|error: .*|\[.*\])$/m, 10000, from))[0];
}

async function pilotRead(file: string, ...extra: string[]): Promise<{ code: number | null; json: PilotJson; stderr: string }> {
  const res = await runProcess(['pilot', 'read', '--config', file, '--json', ...extra]);
  return { code: res.code, json: JSON.parse(res.stdout) as PilotJson, stderr: res.stderr };
}

describe('pilot read (a real process) of a board on the meter\'s serial line', function () {
  this.timeout(60000);
  let pty: PtyPair;
  let sim: CliProcess;
  let file: string;

  before(async () => {
    pty = await openPtyPair();
    sim = new CliProcess(['meter-sim', '--profile', 'eastron-sdm630', '--port', pty.a, '--unit-id', '1', '--pilot-unit', '2']);
    await sim.waitFor(/pilot evse-wb unit 2 .* on .* 9600 8N1 \(RTU\)/);
    file = sharedLineConfig(pty.b);
  });
  after(async () => {
    sim.child.kill('SIGTERM');
    await sim.exited;
    await pty.close();
    rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('reads the vehicle state letter, the offer, the cable rating and the raw state under fixed names', async () => {
    const empty = await pilotRead(file);
    assert.equal(empty.code, EXIT.ok, empty.stderr);
    const { pilot, ...reading } = empty.json.evses[0]!;
    assert.deepEqual(reading, { evseId: 1, ok: true, vehicleState: 'A', offeredCurrentA: 0, boardErrors: [], rawState: 1 });
    assert.equal(empty.json.evses.length, 1);
    assert.match(pilot, /evse-wb, modbus-rtu .*unit 2/);

    assert.equal(await command(sim, 'plug'), 'ok');
    assert.equal(await command(sim, 'cable 20'), 'ok');
    const plugged = (await pilotRead(file)).json.evses[0]!;
    assert.equal(plugged.vehicleState, 'B');
    assert.equal(plugged.rawState, 2);
    assert.equal(plugged.cableRatingA, 20, 'the proximity pilot\'s rating, read only with a cable in');

    assert.equal(await command(sim, 'vehicle fault state-e'), 'ok');
    const e = (await pilotRead(file)).json.evses[0]!;
    assert.equal(e.vehicleState, 'E');
    assert.equal(e.rawState, 5);
    assert.equal(await command(sim, 'vehicle fault none'), 'ok');
  });

  it('prints a reading an installer can read', async () => {
    const res = await runProcess(['pilot', 'read', '--config', file]);
    assert.equal(res.code, EXIT.ok, res.stderr);
    assert.match(res.stdout, /^EVSE 1 pilot \(evse-wb, modbus-rtu/);
    assert.match(res.stdout, /vehicleState\s+B \(raw 2\)/);
    assert.match(res.stdout, /offeredCurrentA\s+0 A \(no PWM\)/);
    assert.match(res.stdout, /cableRatingA\s+20 A/);
    assert.match(res.stdout, /boardErrors\s+none/);
  });

  it('exits 69 (unavailable) when the board does not answer, saying why, and reads it again once it does', async () => {
    assert.equal(await command(sim, 'unit 2 fault silent'), 'ok');
    const silent = await pilotRead(file);
    assert.equal(silent.code, EXIT.unavailable);
    const r = silent.json.evses[0]!;
    assert.equal(r.ok, false);
    assert.equal(r.vehicleState, undefined, 'no state letter made up for a board that did not answer');
    assert.equal(r.error?.kind, 'timeout');
    const text = await runProcess(['pilot', 'read', '--config', file]);
    assert.equal(text.code, EXIT.unavailable);
    assert.match(text.stdout, /no reading: timeout: /);

    assert.equal(await command(sim, 'unit 2 fault none'), 'ok');
    assert.equal((await pilotRead(file)).code, EXIT.ok);
  });

  it('refuses (75) while an agent holds storage.dir: the line has one master', async () => {
    await whileAgentHolds([path.join(path.dirname(file), 'var')], async (pid) => {
      const refused = await runInProcess(['pilot', 'read', '--config', file]);
      assert.equal(refused.code, EXIT.alreadyRunning, refused.stderr);
      assert.match(refused.stderr, new RegExp(`already running \\(pid ${pid}\\)`));
      assert.equal(refused.stdout, '');
    });
  });
});

describe('pilot read of a board left offering current (Modbus TCP, in-process slave)', () => {
  it('reports the offer it found, and leaves the board at 0 A: with no agent running no vehicle is offered current', async () => {
    const board = new SimulatedPilotBoard(loadPilotProfile('evse-wb'), 3);
    board.updateVehicle((v) => v.plugIn());
    board.writeRegister(1000, 16);
    assert.equal(board.vehicleState, 'C');
    const slave = new ModbusSlave([board]);
    const port = await slave.listenTcp('127.0.0.1', 0, 'mbap');
    const file = simulatorConfigCopy((doc) => {
      doc['evses'][0]['pilot'] = { driver: 'modbus-tcp', host: '127.0.0.1', tcpPort: port, unitId: 3, timeoutMs: 300 };
    });
    try {
      const res = await runInProcess(['pilot', 'read', '--config', file, '--json']);
      assert.equal(res.code, EXIT.ok, res.stderr);
      const r = (JSON.parse(res.stdout) as PilotJson).evses[0]!;
      assert.deepEqual([r.vehicleState, r.offeredCurrentA, r.rawState, r.cableRatingA], ['C', 16, 3, 32]);
      assert.equal(board.offeredCurrentA, 0);
      assert.equal(board.vehicleState, 'B', 'the vehicle stopped: no PWM');
    } finally {
      await slave.close();
      rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});

describe('pilot read: simulated boards and EVSEs without one', function () {
  this.timeout(30000);
  const withPilot = (doc: ConfigDoc): void => {
    doc['evses'][0]['pilot'] = { driver: 'simulated' };
  };
  const secondEvseWithoutPilot = (doc: ConfigDoc): void => {
    const second = JSON.parse(JSON.stringify(doc['evses'][0])) as ConfigDoc;
    second['id'] = 2;
    delete second['pilot'];
    second['leds'] = {};
    second['connectors'] = [{ id: 1, relay: { line: 25 } }];
    doc['evses'].push(second);
  };

  it('reads a simulated board in-process, even while an agent runs (no wire to share)', async () => {
    const file = simulatorConfigCopy(withPilot);
    const owner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const gone = new Promise((resolve) => owner.on('exit', resolve));
    try {
      const storage = path.join(path.dirname(file), 'var');
      mkdirSync(storage, { recursive: true });
      writeFileSync(path.join(storage, LOCK_FILE), JSON.stringify({ pid: owner.pid }));
      const res = await runInProcess(['pilot', 'read', '--config', file, '--json']);
      assert.equal(res.code, EXIT.ok, res.stderr);
      const r = (JSON.parse(res.stdout) as PilotJson).evses[0]!;
      assert.equal(r.ok, true);
      assert.equal(r.vehicleState, 'A', 'a fresh simulated board has no vehicle');
      assert.match(r.pilot, /simulated/);
    } finally {
      owner.kill('SIGKILL');
      await gone;
    }
  });

  it('says which EVSE has no pilot; a usage error (64) when none has one or --evse names one without', async () => {
    const none = await runInProcess(['pilot', 'read', '--config', simulatorConfigCopy()]);
    assert.equal(none.code, EXIT.usage);
    assert.match(none.stderr, /no EVSE in .* has a pilot board/);

    const mixed = simulatorConfigCopy((doc) => {
      withPilot(doc);
      secondEvseWithoutPilot(doc);
    });
    const both = await runInProcess(['pilot', 'read', '--config', mixed]);
    assert.equal(both.code, EXIT.ok, both.stderr);
    assert.match(both.stdout, /EVSE 2: no pilot board configured/);
    assert.match(both.stdout, /vehicleState\s+A/);
    const json = await runInProcess(['pilot', 'read', '--config', mixed, '--json']);
    assert.deepEqual((JSON.parse(json.stdout) as PilotJson).evses.map((e) => e.evseId), [1], 'stdout stays one JSON document');
    assert.match(json.stderr, /EVSE 2: no pilot board configured/);

    const second = await runInProcess(['pilot', 'read', '--config', mixed, '--evse', '2']);
    assert.equal(second.code, EXIT.usage);
    assert.match(second.stderr, /EVSE 2 in .* has no pilot board/);
    const missing = await runInProcess(['pilot', 'read', '--config', mixed, '--evse', '7']);
    assert.equal(missing.code, EXIT.usage);
    assert.match(missing.stderr, /no EVSE 7/);
  });
});
