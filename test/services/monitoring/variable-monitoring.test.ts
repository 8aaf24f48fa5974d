import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeClock } from '../../../src/station/clock.js';
import { evaluateMonitor, initialState, nextAlignedMs, type Monitor, type MonitorEvent } from '../../../src/services/monitoring/monitor.js';
import { MonitorStore } from '../../../src/services/monitoring/monitor-store.js';
import { VariableMonitoring } from '../../../src/services/monitoring/variable-monitoring.js';
import { durableUnder } from '../../../src/store/disk-sync.js';

const POWER = { component: 'EVSE', evseId: 1, variable: 'Power' };
const monitor = (type: Monitor['type'], value: number, severity = 5): Monitor => ({ id: 1, target: POWER, type, value, severity, transaction: false, origin: 'custom' });

describe('monitoring: evaluation of one monitor', () => {
  it('UpperThreshold trips above the value, not on it, once, and clears on the way back (N07.FR.16, N07.FR.02)', () => {
    const m = monitor('UpperThreshold', 10000);
    let state = initialState(m, '0', 0);
    const seen: Array<MonitorEvent | undefined> = [];
    for (const value of ['10000', '11040', '11040', '500']) {
      const r = evaluateMonitor(m, state, value, 0);
      state = r.state;
      seen.push(r.event);
    }
    assert.deepEqual(
      seen.map((e) => e && [e.trigger, e.actualValue, e.cleared]),
      [undefined, ['Alerting', '11040', false], undefined, ['Alerting', '500', true]],
    );
  });

  it('LowerThreshold trips below the value; a value that is no number changes nothing', () => {
    const m = monitor('LowerThreshold', 200);
    const below = evaluateMonitor(m, { tripped: false }, '199.5', 0);
    assert.equal(below.event?.cleared, false);
    assert.deepEqual(evaluateMonitor(m, below.state, '', 0), { state: below.state });
    assert.equal(evaluateMonitor(m, below.state, '230', 0).event?.cleared, true);
  });

  it('Delta fires when the value moved more than the delta from the last reported one; text on any change (N07.FR.18/19)', () => {
    const m = monitor('Delta', 100);
    let state = initialState(m, '1000', 0);
    const values = ['1050', '1100', '1101', '1150', '1202'];
    const fired = values.map((v) => {
      const r = evaluateMonitor(m, state, v, 0);
      state = r.state;
      return r.event?.trigger;
    });
    assert.deepEqual(fired, [undefined, undefined, 'Delta', undefined, 'Delta']);
    const text = evaluateMonitor(m, { tripped: false, reference: 'A' }, 'B', 0);
    assert.equal(text.event?.actualValue, 'B');
  });

  it('Periodic fires each period from the time it was set; PeriodicClockAligned on the clock multiples (N08.FR.05-07)', () => {
    const m = monitor('Periodic', 60);
    const start = initialState(m, '1', 5_000);
    assert.equal(evaluateMonitor(m, start, '1', 64_999).event, undefined);
    const fired = evaluateMonitor(m, start, '1', 65_000);
    assert.equal(fired.event?.trigger, 'Periodic');
    assert.equal(fired.state.dueMs, 125_000);
    // Missed periods are not made up: one event, the next due after now.
    assert.equal(evaluateMonitor(m, fired.state, '1', 400_000).state.dueMs, 425_000);
    assert.equal(nextAlignedMs(Date.UTC(2026, 0, 1, 12, 7, 30), 900), Date.UTC(2026, 0, 1, 12, 15, 0));
  });
});

describe('monitoring: the service', () => {
  let dir: string;
  let clock: FakeClock;
  let power: string;
  let events: MonitorEvent[];
  const warnings: string[] = [];
  const build = (): VariableMonitoring =>
    new VariableMonitoring({ clock, read: (t) => (t.variable === 'Power' && t.evseId === 1 ? power : undefined), store: new MonitorStore(dir, (w) => warnings.push(w)), emit: (e) => events.push(e) });

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'monitoring-'));
    clock = new FakeClock();
    power = '0';
    events = [];
    warnings.length = 0;
  });
  // What is written behind is in place before the folder goes (issue 18).
  afterEach(async () => {
    await durableUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('ids given and kept; Duplicate for the same type and severity on the variable; Rejected for an unknown id, another variable, a negative delta (N04)', () => {
    const m = build();
    assert.deepEqual(m.set({ target: POWER, type: 'UpperThreshold', value: 10000, severity: 4 }), { status: 'Accepted', id: 1 });
    assert.deepEqual(m.set({ target: { ...POWER, component: 'evse' }, type: 'UpperThreshold', value: 9000, severity: 4 }).status, 'Duplicate');
    assert.deepEqual(m.set({ target: POWER, type: 'UpperThreshold', value: 9000, severity: 5 }), { status: 'Accepted', id: 2 });
    assert.equal(m.set({ id: 7, target: POWER, type: 'Delta', value: 1, severity: 5 }).status, 'Rejected');
    assert.equal(m.set({ id: 1, target: { ...POWER, evseId: 2 }, type: 'UpperThreshold', value: 1, severity: 4 }).status, 'Rejected');
    assert.equal(m.set({ target: POWER, type: 'Delta', value: -1, severity: 5 }).status, 'Rejected');
    assert.deepEqual(m.set({ id: 1, target: POWER, type: 'UpperThreshold', value: 12000, severity: 4 }), { status: 'Accepted', id: 1 });
    assert.deepEqual(m.list().map((x) => [x.id, x.value]), [[1, 12000], [2, 9000]]);
    assert.equal(m.clear(2), 'Accepted');
    assert.equal(m.clear(2), 'NotFound');
  });

  it('looks once a second: a threshold raises and clears; events above the monitoring level are not sent (N05.FR.03)', () => {
    const m = build();
    m.set({ target: POWER, type: 'UpperThreshold', value: 10000, severity: 5 });
    m.start();
    power = '11040';
    clock.advance(1000);
    power = '0';
    clock.advance(1000);
    assert.deepEqual(events.map((e) => [e.monitorId, e.actualValue, e.cleared]), [[1, '11040', false], [1, '0', true]]);
    assert.equal(m.setLevel(4), true);
    assert.equal(m.setLevel(10), false);
    power = '11040';
    clock.advance(1000);
    assert.equal(events.length, 2);
    m.stop();
    clock.advance(5000);
    assert.equal(clock.pending, 0);
  });

  it('a transaction-only monitor is looked at only while a transaction runs; nothing while monitoring is disabled', () => {
    let running = false;
    let enabled = true;
    const m = new VariableMonitoring({ clock, read: () => power, emit: (e) => events.push(e), transactionRunning: () => running, enabled: () => enabled });
    m.set({ target: POWER, type: 'UpperThreshold', value: 10, severity: 1, transaction: true });
    power = '20';
    m.tick();
    assert.equal(events.length, 0);
    running = true;
    enabled = false;
    m.tick();
    assert.equal(events.length, 0);
    enabled = true;
    m.tick();
    assert.equal(events.length, 1);
  });

  it('monitors, the level and a tripped threshold outlive a restart; the clear after it is still sent (N07.FR.13/14)', async () => {
    const first = build();
    first.set({ target: POWER, type: 'UpperThreshold', value: 10000, severity: 2 });
    first.set({ target: POWER, type: 'Periodic', value: 60, severity: 8, transaction: true });
    first.setLevel(3);
    power = '11040';
    first.tick();
    assert.equal(events.length, 1);
    await durableUnder(dir);
    const second = build();
    assert.deepEqual(second.list(), first.list());
    assert.equal(second.level, 3);
    power = '100';
    second.tick();
    assert.deepEqual(events.map((e) => e.cleared), [false, true]);
    await durableUnder(dir);
    const stored = JSON.parse(readFileSync(path.join(dir, 'variable-monitors.json'), 'utf8')) as { tripped: number[] };
    assert.deepEqual(stored.tripped, []);
  });

  it('an entry that does not read as a monitor is skipped with a warning; the others are kept (one of a file without origins is custom)', () => {
    const good = { id: 3, target: POWER, type: 'Delta', value: 5, severity: 1, transaction: false };
    writeFileSync(path.join(dir, 'variable-monitors.json'), JSON.stringify({ format: 1, monitors: [good, { id: 4, type: 'Sometimes' }], level: 42 }));
    const m = build();
    assert.deepEqual(m.list(), [{ ...good, origin: 'custom' }]);
    assert.equal(m.level, 9);
    assert.equal(warnings.length, 1);
  });
});
