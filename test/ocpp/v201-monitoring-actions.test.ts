import assert from 'node:assert/strict';
import { FakeClock } from '../../src/station/clock.js';
import { DeviceModel } from '../../src/ocpp/v201/device-model/device-model.js';
import { liveValue, stored, text } from '../../src/ocpp/v201/device-model/definition-helpers.js';
import { monitoringVariables } from '../../src/ocpp/v201/device-model/monitoring-variables.js';
import { clearVariableMonitoring } from '../../src/ocpp/v201/actions/clear-variable-monitoring.js';
import { monitorEventData } from '../../src/ocpp/v201/actions/monitor-events.js';
import { setMonitoringLevel } from '../../src/ocpp/v201/actions/set-monitoring-level.js';
import { setVariableMonitoring } from '../../src/ocpp/v201/actions/set-variable-monitoring.js';
import { VariableMonitoring, type Monitor, type MonitorEvent } from '../../src/services/monitoring/index.js';
import { monitoringReportParts, selectMonitors, setMonitoringBase } from '../../src/ocpp/v201/actions/monitoring-report.js';
import { RpcError } from '../../src/ocpp/rpc/rpc-errors.js';

const EVSE1 = { name: 'EVSE', evse: { id: 1 } };

describe('2.0.1 monitoring actions (N04-N07)', () => {
  let power: string;
  let events: MonitorEvent[];
  let deviceModel: DeviceModel;
  let monitoring: VariableMonitoring;

  beforeEach(() => {
    power = '0';
    events = [];
    monitoring = new VariableMonitoring({
      clock: new FakeClock(),
      read: (t) => deviceModel.actualValue({ name: t.component, evse: { id: t.evseId! } }, { name: t.variable }),
      emit: (e) => events.push(e),
    });
    deviceModel = new DeviceModel({
      definitions: [
        liveValue(EVSE1, 'Power', { dataType: 'decimal', unit: 'W', maxLimit: 22080 }, () => power),
        stored({ name: 'SecurityCtrlr' }, 'Identity', 'ReadWrite', text(48), 'CS-1'),
        ...monitoringVariables({ level: () => monitoring.level, base: () => monitoring.base }),
      ],
    });
  });

  it('SetVariableMonitoring answers each item: UnknownComponent, UnknownVariable, UnsupportedMonitorType, Rejected out of range, Accepted with an id, Duplicate', () => {
    const set = setVariableMonitoring(deviceModel, monitoring);
    const item = (component: object, variable: string, type: string, value: number, severity = 4): object => ({ component, variable: { name: variable }, type, value, severity });
    const answer = set({
      setMonitoringData: [
        item({ name: 'Boiler' }, 'Power', 'UpperThreshold', 1),
        item(EVSE1, 'Colour', 'UpperThreshold', 1),
        item({ name: 'SecurityCtrlr' }, 'Identity', 'UpperThreshold', 1),
        item(EVSE1, 'Power', 'UpperThreshold', 30000),
        item(EVSE1, 'Power', 'UpperThreshold', 10000),
        item(EVSE1, 'Power', 'UpperThreshold', 9000),
        item({ name: 'SecurityCtrlr' }, 'Identity', 'Delta', 1),
      ],
    });
    assert.deepEqual(
      answer.setMonitoringResult.map((r) => [r.status, r.id]),
      [
        ['UnknownComponent', undefined],
        ['UnknownVariable', undefined],
        ['UnsupportedMonitorType', undefined],
        ['Rejected', undefined],
        ['Accepted', 1],
        ['Duplicate', 1],
        ['Accepted', 2],
      ],
    );
    assert.deepEqual(answer.setMonitoringResult[4]!.component, EVSE1);
    // N04.FR.13: an id that is no monitor.
    assert.equal(set({ setMonitoringData: [{ id: 99, ...item(EVSE1, 'Power', 'Delta', 5) }] }).setMonitoringResult[0].status, 'Rejected');
    const tooMany = Array.from({ length: 21 }, () => item(EVSE1, 'Power', 'Delta', 5));
    assert.throws(() => set({ setMonitoringData: tooMany }), (err: unknown) => err instanceof RpcError && err.code === 'OccurrenceConstraintViolation');
  });

  it('a threshold on EVSE.Power raises a CustomMonitor event and clears; SetMonitoringLevel filters; ClearVariableMonitoring Accepted then NotFound', () => {
    const id = setVariableMonitoring(deviceModel, monitoring)({ setMonitoringData: [{ component: EVSE1, variable: { name: 'Power' }, type: 'UpperThreshold', value: 10000, severity: 5 }] }).setMonitoringResult[0].id!;
    power = '11040';
    monitoring.tick();
    const data = monitorEventData(events[0]!, 7, '2026-01-01T12:00:00.000Z', 'tx-1');
    assert.deepEqual(data, {
      eventId: 7,
      timestamp: '2026-01-01T12:00:00.000Z',
      trigger: 'Alerting',
      actualValue: '11040',
      component: EVSE1,
      variable: { name: 'Power' },
      variableMonitoringId: id,
      eventNotificationType: 'CustomMonitor',
      transactionId: 'tx-1',
    });
    power = '0';
    monitoring.tick();
    assert.equal(monitorEventData(events[1]!, 8, 'now').cleared, true);
    const level = setMonitoringLevel(monitoring);
    assert.equal(level({ severity: 10 }).status, 'Rejected');
    assert.equal(level({ severity: 4 }).status, 'Accepted');
    assert.equal(deviceModel.getInt('MonitoringCtrlr', 'ActiveMonitoringLevel'), 4);
    power = '11040';
    monitoring.tick();
    assert.equal(events.length, 2);
    const clear = clearVariableMonitoring(monitoring);
    assert.deepEqual(clear({ id: [id, 42] }).clearMonitoringResult, [
      { id, status: 'Accepted' },
      { id: 42, status: 'NotFound' },
    ]);
  });
});

describe('2.0.1 monitoring reports and base (N02, N03)', () => {
  const target = (component: string, variable: string, evseId?: number) => (evseId === undefined ? { component, variable } : { component, variable, evseId });
  const monitors: Monitor[] = [
    { id: 1, target: target('EVSE', 'Power', 1), type: 'UpperThreshold', value: 10000, severity: 4, transaction: false, origin: 'custom' },
    { id: 2, target: target('EVSE', 'Power', 1), type: 'Delta', value: 500, severity: 7, transaction: true, origin: 'custom' },
    { id: 3, target: target('EVSE', 'Power', 2), type: 'LowerThreshold', value: 10, severity: 4, transaction: false, origin: 'custom' },
    { id: 4, target: target('SecurityCtrlr', 'Identity'), type: 'Periodic', value: 60, severity: 9, transaction: false, origin: 'custom' },
  ];
  const ids = (request: object): number[] => selectMonitors(monitors, { requestId: 1, ...request }).map((m) => m.id);

  it('selects by criteria and component variables; what a componentVariable leaves out matches all (N02.FR.05-17)', () => {
    assert.deepEqual(ids({}), [1, 2, 3, 4]);
    assert.deepEqual(ids({ monitoringCriteria: ['ThresholdMonitoring'] }), [1, 3]);
    assert.deepEqual(ids({ monitoringCriteria: ['DeltaMonitoring', 'PeriodicMonitoring'] }), [2, 4]);
    assert.deepEqual(ids({ componentVariable: [{ component: { name: 'evse' } }] }), [1, 2, 3]);
    assert.deepEqual(ids({ componentVariable: [{ component: { name: 'EVSE', evse: { id: 2 } }, variable: { name: 'Power' } }] }), [3]);
    assert.deepEqual(ids({ monitoringCriteria: ['PeriodicMonitoring'], componentVariable: [{ component: { name: 'EVSE' } }] }), []);
  });

  it('the report groups a variable\'s monitors, seqNo from 0, tbc on all parts but the last', () => {
    const [part] = monitoringReportParts(monitors, 5, 'now');
    assert.equal(part!.seqNo, 0);
    assert.equal(part!.tbc, false);
    assert.deepEqual(part!.monitor![0], {
      component: { name: 'EVSE', evse: { id: 1 } },
      variable: { name: 'Power' },
      variableMonitoring: [
        { id: 1, transaction: false, value: 10000, type: 'UpperThreshold', severity: 4 },
        { id: 2, transaction: true, value: 500, type: 'Delta', severity: 7 },
      ],
    });
    assert.equal(part!.monitor!.length, 3);
    const many: Monitor[] = Array.from({ length: 45 }, (_, i) => ({ ...monitors[0]!, id: i + 1, target: target('EVSE', 'Power', i + 1) }));
    const parts = monitoringReportParts(many, 6, 'now');
    assert.deepEqual(parts.map((p) => [p.seqNo, p.tbc, p.monitor!.length, p.requestId]), [[0, true, 20, 6], [1, true, 20, 6], [2, false, 5, 6]]);
  });

  it('SetMonitoringBase All keeps the monitors; HardWiredOnly removes every custom one', () => {
    const monitoring = new VariableMonitoring({ clock: new FakeClock(), read: () => '0', emit: () => undefined });
    monitoring.set({ target: target('EVSE', 'Power', 1), type: 'Delta', value: 5, severity: 3 });
    const base = setMonitoringBase(monitoring);
    assert.deepEqual(base({ monitoringBase: 'All' }), { status: 'Accepted' });
    assert.equal(monitoring.list().length, 1);
    assert.deepEqual(base({ monitoringBase: 'HardWiredOnly' }), { status: 'Accepted' });
    assert.deepEqual(monitoring.list(), []);
  });
});
