import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MonitorStore, VariableMonitoring, type MonitorDefinition, type MonitorEvent } from '../../../src/services/monitoring/index.js';
import { FakeClock } from '../../../src/station/clock.js';
import { durableUnder } from '../../../src/store/disk-sync.js';

/** The three kinds of monitors (custom, preconfigured, hard-wired) and SetMonitoringBase (N03, N04.FR.15/18, N06). */

const TEMPERATURE = { component: 'Controller', variable: 'Temperature' };
const STORAGE_FREE = { component: 'Controller', variable: 'StorageFree' };
const POWER = { component: 'EVSE', evseId: 1, variable: 'Power' };
const E_STOP = { component: 'EmergencyStopSensor', variable: 'Active' };

const PRECONFIGURED: MonitorDefinition[] = [
  { target: TEMPERATURE, type: 'UpperThreshold', value: 80, severity: 4, transaction: false },
  { target: STORAGE_FREE, type: 'LowerThreshold', value: 1000, severity: 4, transaction: false },
];
const HARDWIRED: MonitorDefinition[] = [{ target: E_STOP, type: 'UpperThreshold', value: 0, severity: 0, transaction: false }];

describe('monitoring: preconfigured and hard-wired monitors, monitoring base', () => {
  let dir: string;
  let clock: FakeClock;
  let events: MonitorEvent[];
  const values: Record<string, string> = {};
  const build = (): VariableMonitoring =>
    new VariableMonitoring({
      clock,
      read: (t) => values[t.variable],
      store: new MonitorStore(dir, () => undefined),
      preconfigured: PRECONFIGURED,
      hardwired: HARDWIRED,
      emit: (e) => events.push(e),
    });
  const summary = (m: VariableMonitoring) => m.list().map((x) => [x.id, x.target.variable, x.origin]);

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'monitoring-base-'));
    clock = new FakeClock();
    events = [];
    Object.assign(values, { Temperature: '50', StorageFree: '5000', Power: '0', Active: 'false' });
  });
  // What is written behind is in place before the folder goes (issue 18).
  afterEach(async () => {
    await durableUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a first start has the defaults, in their own id range, beside the hard-wired ones; custom ids start at 1', () => {
    const m = build();
    assert.deepEqual(summary(m), [
      [1_000_001, 'Temperature', 'preconfigured'],
      [1_000_002, 'StorageFree', 'preconfigured'],
      [2_000_001, 'Active', 'hardwired'],
    ]);
    assert.deepEqual(m.set({ target: POWER, type: 'Delta', value: 100, severity: 6 }), { status: 'Accepted', id: 1 });
    assert.equal(m.base, 'All');
  });

  it('a default raises a PreconfiguredMonitor event; a hard-wired one is not evaluated here', () => {
    const m = build();
    values['Temperature'] = '85';
    values['Active'] = 'true';
    m.tick();
    assert.deepEqual(
      events.map((e) => [e.monitorId, e.origin, e.trigger, e.actualValue]),
      [[1_000_001, 'preconfigured', 'Alerting', '85']],
    );
  });

  it('a hard-wired monitor cannot be replaced (N04.FR.18) or cleared; one of its type and severity makes a set Duplicate', () => {
    const m = build();
    assert.equal(m.set({ id: 2_000_001, target: E_STOP, type: 'UpperThreshold', value: 1, severity: 0 }).status, 'Rejected');
    assert.equal(m.clear(2_000_001), 'Rejected');
    assert.equal(m.set({ target: E_STOP, type: 'UpperThreshold', value: 0, severity: 0 }).status, 'Duplicate');
    assert.equal(m.hardWiredOn({ component: 'emergencystopsensor', variable: 'active' })?.id, 2_000_001);
  });

  it('a replaced default becomes custom (N04.FR.15); All brings back a cleared default and keeps the changed one (N03.FR.03)', () => {
    const m = build();
    assert.equal(m.set({ id: 1_000_001, target: TEMPERATURE, type: 'UpperThreshold', value: 70, severity: 4 }).status, 'Accepted');
    assert.equal(m.clear(1_000_002), 'Accepted');
    assert.ok(m.setBase('All'));
    assert.deepEqual(summary(m), [
      [1_000_001, 'Temperature', 'custom'],
      [1_000_002, 'StorageFree', 'preconfigured'],
      [2_000_001, 'Active', 'hardwired'],
    ]);
    assert.equal(m.get(1_000_001)?.value, 70);
  });

  it('FactoryDefault removes custom monitors and restores the defaults as made (N03.FR.04); HardWiredOnly leaves only the hard-wired (N03.FR.05)', () => {
    const m = build();
    m.set({ target: POWER, type: 'Delta', value: 100, severity: 6 });
    m.set({ id: 1_000_001, target: TEMPERATURE, type: 'UpperThreshold', value: 70, severity: 4 });
    assert.ok(m.setBase('FactoryDefault'));
    assert.deepEqual(summary(m), [
      [1_000_001, 'Temperature', 'preconfigured'],
      [1_000_002, 'StorageFree', 'preconfigured'],
      [2_000_001, 'Active', 'hardwired'],
    ]);
    assert.equal(m.get(1_000_001)?.value, 80);
    assert.ok(m.setBase('HardWiredOnly'));
    assert.deepEqual(summary(m), [[2_000_001, 'Active', 'hardwired']]);
  });

  it('the base and the kinds outlive a restart: after HardWiredOnly the defaults do not come back by themselves', async () => {
    const first = build();
    first.set({ target: POWER, type: 'Delta', value: 100, severity: 6 });
    first.setBase('HardWiredOnly');
    first.set({ target: POWER, type: 'Delta', value: 100, severity: 6 });
    await durableUnder(dir);
    const second = build();
    assert.equal(second.base, 'HardWiredOnly');
    assert.deepEqual(summary(second), [
      [1, 'Power', 'custom'],
      [2_000_001, 'Active', 'hardwired'],
    ]);
  });
});
