import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, resolveConfig, type LoadedConfig } from '../../src/config/load-config.js';
import type { CardReaderConfig, PilotConfig } from '../../src/config/station-config.js';
import { pilotProfileDir } from '../../src/hal/pilot/profile.js';
import { repoRoot, simulatorDoc, type ConfigDoc } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// evses[].pilot and the top-level readers: what a good config resolves to (the bad ones are in
// test/config/bad/ with the paths they must name), and the wording of the shared-line problems.

const configDir = path.join(repoRoot, 'config');
const RTU_METER = { driver: 'modbus-rtu', profile: 'eastron-sdm630', port: '/dev/ttyUSB0', baudRate: 9600, unitId: 1 };

/** config/simulator.json with a pilot on EVSE 1 (its plugDetect dropped: the pilot says when a vehicle is plugged in). */
function withPilot(pilot: object, meter?: object): ConfigDoc {
  const doc = simulatorDoc();
  if (meter) doc['meter'] = meter;
  doc['evses'][0]['pilot'] = pilot;
  delete doc['evses'][0]['connectors'][0]['plugDetect'];
  return doc;
}

function withReaders(readers: object): ConfigDoc {
  return { ...simulatorDoc(), readers };
}

const resolve = (doc: ConfigDoc, dir = makeTempDir('pilot-config')): LoadedConfig => resolveConfig(doc, path.join(dir, 'config.json'));

function pilotOf(loaded: LoadedConfig): PilotConfig {
  const pilot = loaded.config.evses[0]?.pilot;
  assert.ok(pilot, 'EVSE 1 has no pilot');
  return pilot;
}

/** The problems of a config that must not load. */
function problemsOf(doc: ConfigDoc): Array<{ path: string; expected: string; found: string }> {
  try {
    resolve(doc);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('the config loaded');
}

describe('config: pilot boards', () => {
  it('resolves the EVSE-WB board on the meter’s RS485 line of config/raspberry-pi-evse-wb.json', () => {
    // The example names its password file relative to its folder: check a copy next to one.
    const dir = makeTempDir('evse-wb-example');
    copyFileSync(path.join(configDir, 'raspberry-pi-evse-wb.json'), path.join(dir, 'config.json'));
    writeFileSync(path.join(dir, 'csms-password'), 'Example-Password-0020\n', { mode: 0o600 });
    const loaded = loadConfig(path.join(dir, 'config.json'));
    assert.deepEqual(loaded.warnings, []);
    const [evse] = loaded.config.evses;
    assert.ok(evse);
    const { profile, ...pilot } = pilotOf(loaded);
    assert.equal(profile?.id, 'evse-wb');
    assert.deepEqual(pilot, {
      driver: 'modbus-rtu',
      link: { kind: 'rtu', path: '/dev/ttyUSB0', baudRate: 9600, parity: 'none', stopBits: 1 },
      unitId: 2,
      timing: { timeoutMs: 500, interRequestDelayMs: 20 },
      pollIntervalMs: 50,
      failAfterPolls: 3,
      ventilation: false,
      releaseTimeoutMs: 3000,
    });
    // One line, two units: the meter keeps unit 1 on the same settings.
    assert.deepEqual(evse.meter.link, pilot.link);
    assert.equal(evse.meter.unitId, 1);
    assert.equal(evse.connectors[0]?.plugDetect, undefined);
    assert.deepEqual(loaded.config.readers, [
      { name: 'front', driver: 'pn532', evseId: 1, device: '/dev/serial0', baudRate: 115200 },
      {
        name: 'usb',
        driver: 'evdev',
        evseId: 1,
        device: '/dev/input/by-id/usb-RFID_Reader-event-kbd',
        format: { typed: 'decimal', byteLength: 4, byteOrder: 'little' },
        interKeyTimeoutMs: 100,
      },
    ] satisfies CardReaderConfig[]);
  });

  it('resolves config/simulator-pilot.json: a simulated evse-wb board on EVSE 1 and the simulated reader "front"', () => {
    const loaded = loadConfig(path.join(configDir, 'simulator-pilot.json'));
    const pilot = pilotOf(loaded);
    assert.equal(pilot.driver, 'simulated');
    assert.equal(pilot.profile?.id, 'evse-wb');
    assert.equal(pilot.link, undefined);
    assert.equal(pilot.pollIntervalMs, 50);
    assert.deepEqual(loaded.config.readers, [{ name: 'front', driver: 'simulated', evseId: 1 }]);
  });

  it('fills in the defaults of a board given only its driver and port: evse-wb, its factory 9600 8N1 and unit 1', () => {
    const pilot = pilotOf(resolve(withPilot({ driver: 'modbus-rtu', port: '/dev/ttyAMA0' })));
    assert.equal(pilot.profile?.id, 'evse-wb');
    assert.deepEqual(pilot.link, { kind: 'rtu', path: '/dev/ttyAMA0', baudRate: 9600, parity: 'none', stopBits: 1 });
    assert.equal(pilot.unitId, 1);
    assert.deepEqual(pilot.timing, { timeoutMs: 500, interRequestDelayMs: 20 });
    assert.equal(pilot.pollIntervalMs, 50);
    assert.equal(pilot.failAfterPolls, 3);
    assert.equal(pilot.ventilation, false);
    assert.equal(pilot.releaseTimeoutMs, 3000);
  });

  it('takes every key it is given over the defaults', () => {
    const pilot = pilotOf(
      resolve(
        withPilot({
          driver: 'modbus-rtu',
          port: '/dev/ttyAMA0',
          baudRate: 19200,
          parity: 'even',
          stopBits: 2,
          unitId: 7,
          timeoutMs: 250,
          interRequestDelayMs: 5,
          pollIntervalMs: 50,
          failAfterPolls: 5,
          ventilation: true,
          releaseTimeoutMs: 1500,
        }),
      ),
    );
    assert.deepEqual(pilot.link, { kind: 'rtu', path: '/dev/ttyAMA0', baudRate: 19200, parity: 'even', stopBits: 2 });
    assert.deepEqual(
      [pilot.unitId, pilot.timing, pilot.pollIntervalMs, pilot.failAfterPolls, pilot.ventilation, pilot.releaseTimeoutMs],
      [7, { timeoutMs: 250, interRequestDelayMs: 5 }, 50, 5, true, 1500],
    );
  });

  it('resolves a board behind a Modbus TCP gateway with the meter’s TCP defaults (port 502, MBAP)', () => {
    const pilot = pilotOf(resolve(withPilot({ driver: 'modbus-tcp', host: '192.168.1.60', unitId: 3 })));
    assert.deepEqual(pilot.link, { kind: 'tcp', host: '192.168.1.60', port: 502, framing: 'mbap' });
    assert.equal(pilot.unitId, 3);
    const rtuOverTcp = pilotOf(resolve(withPilot({ driver: 'modbus-tcp', host: 'gw', tcpPort: 8899, tcpFraming: 'rtu' })));
    assert.deepEqual(rtuOverTcp.link, { kind: 'tcp', host: 'gw', port: 8899, framing: 'rtu' });
  });

  it('resolves an OpenEVSE controller to its port at RAPI’s 115200 baud, without profile or Modbus link', () => {
    const pilot = pilotOf(resolve(withPilot({ driver: 'openevse', port: '/dev/ttyAMA0' })));
    assert.equal(pilot.port, '/dev/ttyAMA0');
    assert.equal(pilot.baudRate, 115200);
    assert.equal(pilot.profile, undefined);
    assert.equal(pilot.link, undefined);
    assert.equal(pilotOf(resolve(withPilot({ driver: 'openevse', port: '/dev/ttyAMA0', baudRate: 38400 }))).baudRate, 38400);
  });

  it('loads a profile file named relative to the config’s folder, and names the path of one that is broken', () => {
    const dir = makeTempDir('pilot-profile');
    const shipped = JSON.parse(readFileSync(path.join(pilotProfileDir, 'evse-wb.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'my-board.json'), JSON.stringify({ ...shipped, id: 'my-board' }));
    const pilot = pilotOf(resolve(withPilot({ driver: 'simulated', profile: 'my-board.json' }), dir));
    assert.equal(pilot.profile?.id, 'my-board');

    writeFileSync(path.join(dir, 'broken.json'), JSON.stringify({ ...shipped, id: 'broken', current: { minA: 20, maxA: 6 } }));
    let problems: ConfigError['problems'] = [];
    try {
      resolve(withPilot({ driver: 'simulated', profile: './broken.json' }), dir);
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      problems = err.problems;
    }
    assert.deepEqual(
      problems.map((p) => p.path),
      ['/evses/0/pilot/profile'],
    );
    assert.match(problems[0]?.expected ?? '', /a valid pilot profile \(.*broken\.json: \/current: must be minA <= maxA/);
  });

  it('names the meter’s path and both lines’ settings when a board on the meter’s line disagrees', () => {
    const [problem, ...rest] = problemsOf(withPilot({ driver: 'modbus-rtu', port: '/dev/ttyUSB0', parity: 'even', unitId: 2 }, RTU_METER));
    assert.deepEqual(rest, []);
    assert.equal(problem?.path, '/evses/0/pilot');
    assert.match(problem?.expected ?? '', /the meter of EVSE 1 at \/meter .*\/dev\/ttyUSB0 9600 8N1/);
    assert.equal(problem?.found, '/dev/ttyUSB0 9600 8E1');
  });

  it('takes the board’s unit id from its profile when none is set, and then points at the pilot for a clash with the meter', () => {
    // evse-wb leaves the factory at unit 1, the meter's too: the installer must re-address one.
    const problems = problemsOf(withPilot({ driver: 'modbus-rtu', port: '/dev/ttyUSB0' }, RTU_METER));
    assert.deepEqual(
      problems.map((p) => [p.path, p.found]),
      [['/evses/0/pilot', '1']],
    );
    assert.match(problems[0]?.expected ?? '', /unit id of its own .*the meter of EVSE 1 at \/meter answers to unit 1/);
  });

  it('lets a board have the meter’s unit id on a line of its own', () => {
    const loaded = resolve(withPilot({ driver: 'modbus-rtu', port: '/dev/ttyUSB1', unitId: 1 }, RTU_METER));
    assert.equal(pilotOf(loaded).unitId, 1);
    assert.deepEqual(loaded.warnings, []);
  });

  it('warns that a board’s own timing has no effect on the meter’s line, and still loads', () => {
    const loaded = resolve(withPilot({ driver: 'modbus-rtu', port: '/dev/ttyUSB0', unitId: 2, timeoutMs: 200 }, RTU_METER));
    assert.equal(pilotOf(loaded).timing.timeoutMs, 200);
    assert.deepEqual(
      loaded.warnings.map((w) => w.path),
      ['/evses/0/pilot'],
    );
    assert.match(loaded.warnings[0]?.message ?? '', /keeps the timing of the meter of EVSE 1 at \/meter \(timeoutMs 500/);
  });

  it('needs no plugDetect beside a pilot, and a connector without either loads as before', () => {
    const doc = withPilot({ driver: 'simulated' });
    doc['evses'].push({ id: 2, connectors: [{ id: 1, relay: { line: 18 } }] });
    const { config } = resolve(doc);
    assert.equal(config.evses[1]?.pilot, undefined);
    assert.equal(config.evses[1]?.connectors[0]?.plugDetect, undefined);
  });

  it('has no pilot where none is configured', () => {
    const { config } = resolve(simulatorDoc());
    assert.equal(config.evses[0]?.pilot, undefined);
    assert.deepEqual(config.readers, []);
  });
});

describe('config: card readers', () => {
  it('fills in an evdev reader’s format field by field from the driver’s default, and its key timeout', () => {
    const { config } = resolve(withReaders({ usb: { driver: 'evdev', evseId: 1, device: '/dev/input/event3', format: { typed: 'hex', byteLength: 7 } } }));
    assert.deepEqual(config.readers, [
      { name: 'usb', driver: 'evdev', evseId: 1, device: '/dev/input/event3', format: { typed: 'hex', byteLength: 7, byteOrder: 'little' }, interKeyTimeoutMs: 100 },
    ]);
  });

  it('keeps the readers in the file’s order, each on its own EVSE', () => {
    const doc = withReaders({
      left: { driver: 'pn532', evseId: 2, device: '/dev/ttyAMA1', baudRate: 57600 },
      right: { driver: 'simulated', evseId: 1 },
    });
    doc['evses'].push({ id: 2, connectors: [{ id: 1, relay: { line: 18 } }] });
    const { config } = resolve(doc);
    assert.deepEqual(config.readers, [
      { name: 'left', driver: 'pn532', evseId: 2, device: '/dev/ttyAMA1', baudRate: 57600 },
      { name: 'right', driver: 'simulated', evseId: 1 },
    ]);
  });

  it('refuses a reader on an OpenEVSE controller’s port, naming the pilot', () => {
    const doc = withPilot({ driver: 'openevse', port: '/dev/ttyAMA0' });
    doc['readers'] = { front: { driver: 'pn532', evseId: 1, device: '/dev/ttyAMA0' } };
    const problems = problemsOf(doc);
    assert.deepEqual(
      problems.map((p) => p.path),
      ['/readers/front/device'],
    );
    assert.match(problems[0]?.expected ?? '', /the pilot board of EVSE 1 at \/evses\/0\/pilot opens \/dev\/ttyAMA0/);
  });

  it('reports every reader problem of one file at once', () => {
    const problems = problemsOf(
      withReaders({
        a: { driver: 'pn532', evseId: 9 },
        b: { driver: 'evdev', evseId: 1, device: '/dev/input/event1', baudRate: 9600 },
        c: { driver: 'evdev', evseId: 1, device: '/dev/input/event1' },
      }),
    );
    assert.deepEqual(problems.map((p) => p.path).sort(), ['/readers/a/device', '/readers/a/evseId', '/readers/b/baudRate', '/readers/c/device']);
  });
});
