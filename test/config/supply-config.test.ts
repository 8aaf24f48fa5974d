import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { summarise } from '../../src/cli/commands/check-config.js';
import { ConfigError, resolveConfig, type LoadedConfig } from '../../src/config/load-config.js';
import { resolveProfilePath } from '../../src/hal/meter/profile.js';
import { simulatorDoc, type ConfigDoc } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// The top-level supply section: what a good one resolves to, and the problems check-config names
// (the grid meter on a line shared with EVSE meters and pilot boards, its profile, the margin, the
// grid operator's input line).

const RTU_METER = { driver: 'modbus-rtu', profile: 'eastron-sdm630', port: '/dev/ttyUSB0', baudRate: 9600, unitId: 1 };

function withSupply(supply: object, meter?: object): ConfigDoc {
  const doc = simulatorDoc();
  if (meter) doc['meter'] = meter;
  doc['supply'] = supply;
  return doc;
}

const resolve = (doc: ConfigDoc, dir = makeTempDir('supply-config')): LoadedConfig => resolveConfig(doc, path.join(dir, 'config.json'));

function problemsOf(doc: ConfigDoc, dir?: string): Array<{ path: string; expected: string; found: string }> {
  try {
    resolve(doc, dir);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('the config loaded');
}

describe('config: supply (station maximum, grid meter, grid operator)', () => {
  it('is absent from the resolved config when the file has none', () => {
    assert.equal(resolve(simulatorDoc()).config.supply, undefined);
  });

  it('resolves a simulated grid meter with the schema defaults, its house load per the profile\'s phases, and the grid operator input', () => {
    const { config, warnings } = resolve(
      withSupply({
        maxCurrentA: 32,
        gridMeter: { driver: 'simulated', mainFuseA: 35, simulation: { houseCurrentA: [10, 4] } },
        gridOperator: { line: 25, activeLow: true, maxPowerW: 4200 },
      }),
    );
    assert.deepEqual(warnings, []);
    const supply = config.supply;
    assert.ok(supply?.gridMeter);
    const { meter, ...limits } = supply.gridMeter;
    assert.deepEqual(limits, { mainFuseA: 35, marginA: 2, hysteresisA: 1, raiseAfterS: 30, failsafeCurrentA: 6, houseCurrentA: [10, 4, 0] });
    assert.equal(meter.driver, 'simulated');
    assert.equal(meter.profile.id, 'eastron-sdm630');
    assert.equal(meter.pollIntervalMs, 1000);
    assert.equal(supply.maxCurrentA, 32);
    assert.deepEqual(supply.gridOperator, { line: { line: 25, activeLow: true, chip: undefined, debounceMs: 100 }, maxPowerW: 4200 });
  });

  it('check-config\'s summary names the shared maximum, the grid meter with its line and fuse, and the operator\'s input', () => {
    const loaded = resolve(withSupply({ maxCurrentA: 40, gridMeter: { ...RTU_METER, unitId: 3, mainFuseA: 50, marginA: 3 }, gridOperator: { line: 25, maxPowerW: 4200 } }, RTU_METER));
    const line = summarise(loaded)
      .split('\n')
      .find((l) => l.startsWith('supply   '));
    assert.equal(line, 'supply   40 A per phase shared; grid meter eastron-sdm630 (modbus-rtu, /dev/ttyUSB0 9600 8N1 unit 3), fuse 50 A less 3 A; grid operator on BCM 25: 4200 W while active');
    assert.ok(!summarise(resolve(simulatorDoc())).includes('supply'));
  });

  it('the grid meter inherits nothing from the top-level meter: a Modbus one names its own port', () => {
    const problems = problemsOf(withSupply({ gridMeter: { driver: 'modbus-rtu', profile: 'eastron-sdm630', mainFuseA: 35 } }, RTU_METER));
    assert.deepEqual(
      problems.map((p) => p.path),
      ['/supply/gridMeter/port'],
    );
  });

  it('a grid meter on the EVSE meter\'s RS485 line with its own unit id and the same settings loads, sharing the line', () => {
    const { config } = resolve(withSupply({ gridMeter: { ...RTU_METER, unitId: 3, mainFuseA: 50 } }, RTU_METER));
    assert.deepEqual(config.supply?.gridMeter?.meter.link, { kind: 'rtu', path: '/dev/ttyUSB0', baudRate: 9600, parity: 'none', stopBits: 1 });
    assert.equal(config.supply?.gridMeter?.meter.unitId, 3);
  });

  it('on a shared line: the EVSE meter\'s unit id, or other serial settings, are problems at the grid meter', () => {
    const sameUnit = problemsOf(withSupply({ gridMeter: { ...RTU_METER, mainFuseA: 35 } }, RTU_METER));
    assert.deepEqual(
      sameUnit.map((p) => p.path),
      ['/supply/gridMeter/unitId'],
    );
    assert.match(sameUnit[0]!.expected, /a unit id of its own on \/dev\/ttyUSB0 9600 8N1 \(the meter of EVSE 1 at \/meter answers to unit 1\)/);
    const otherBaud = problemsOf(withSupply({ gridMeter: { ...RTU_METER, unitId: 2, baudRate: 19200, mainFuseA: 35 } }, RTU_METER));
    assert.deepEqual(
      otherBaud.map((p) => [p.path, p.found]),
      [['/supply/gridMeter', '/dev/ttyUSB0 19200 8N1']],
    );
  });

  it('a grid meter and an OpenEVSE controller on one serial port is a problem (a device no other part opens)', () => {
    const doc = withSupply({ gridMeter: { ...RTU_METER, port: '/dev/ttyUSB1', mainFuseA: 35 } });
    doc['evses'][0]['pilot'] = { driver: 'openevse', port: '/dev/ttyUSB1' };
    delete doc['evses'][0]['connectors'][0]['plugDetect'];
    const problems = problemsOf(doc);
    assert.deepEqual(
      problems.map((p) => p.path),
      ['/evses/0/pilot/port'],
    );
    assert.match(problems[0]!.expected, /the grid meter at \/supply\/gridMeter opens \/dev\/ttyUSB1/);
  });

  it('a grid meter whose profile reads no phase current is a problem at its profile', () => {
    const dir = makeTempDir('supply-profile');
    const profile = JSON.parse(readFileSync(resolveProfilePath('eastron-sdm630'), 'utf8')) as { id: string; values: Record<string, unknown>; $schema?: string };
    for (const name of Object.keys(profile.values)) if (name.startsWith('current')) delete profile.values[name];
    profile.id = 'energy-only';
    delete profile.$schema;
    writeFileSync(path.join(dir, 'energy-only.json'), JSON.stringify(profile));
    const problems = problemsOf(withSupply({ gridMeter: { driver: 'simulated', profile: './energy-only.json', mainFuseA: 35 } }), dir);
    assert.deepEqual(
      problems.map((p) => [p.path, p.found]),
      [['/supply/gridMeter/profile', '"energy-only"']],
    );
  });

  it('a margin that leaves less than 6 A below the fuse is a problem', () => {
    const problems = problemsOf(withSupply({ gridMeter: { driver: 'simulated', mainFuseA: 10, marginA: 5 } }));
    assert.deepEqual(
      problems.map((p) => [p.path, p.found]),
      [['/supply/gridMeter/marginA', '5']],
    );
  });

  it('simulation keys on a Modbus grid meter are a problem, as on any meter', () => {
    const problems = problemsOf(withSupply({ gridMeter: { ...RTU_METER, unitId: 4, mainFuseA: 35, simulation: { houseCurrentA: [3] } } }, RTU_METER));
    assert.deepEqual(
      problems.map((p) => p.path),
      ['/supply/gridMeter/simulation'],
    );
  });

  it('the grid operator\'s input line used by a safety input is a problem; a power under 6 A on every EVSE is a warning', () => {
    const problems = problemsOf(withSupply({ gridOperator: { line: 23, maxPowerW: 4200 } }));
    assert.deepEqual(
      problems.map((p) => p.path),
      ['/supply/gridOperator/line'],
    );
    const { warnings } = resolve(withSupply({ gridOperator: { line: 25, maxPowerW: 3000 } }));
    assert.deepEqual(
      warnings.map((w) => w.path),
      ['/supply/gridOperator/maxPowerW'],
    );
    assert.match(warnings[0]!.message, /3000 W is under 6 A on any EVSE \(4140 W at 230 V\)/);
  });

  it('the schema refuses a station maximum under 6 A, a grid meter without its fuse, and unknown keys', () => {
    for (const [supply, where] of [
      [{ maxCurrentA: 5 }, '/supply/maxCurrentA'],
      [{ gridMeter: { driver: 'simulated' } }, '/supply/gridMeter/mainFuseA'],
      [{ gridOperator: { line: 25, maxPowerW: 4200, maxPower: 1 } }, '/supply/gridOperator/maxPower'],
    ] as const) {
      try {
        resolve(withSupply(supply));
        assert.fail(`loaded with ${JSON.stringify(supply)}`);
      } catch (err) {
        assert.ok(err instanceof ConfigError && err.stage === 'schema', String(err));
        assert.deepEqual(
          err.problems.map((p) => p.path),
          [where],
        );
      }
    }
  });
});
