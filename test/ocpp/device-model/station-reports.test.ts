import assert from 'node:assert/strict';
import path from 'node:path';
import type { GetReportRequest } from 'ocpp-messages/v2.0/index.js';
import { answerGetBaseReport, answerGetReport, isRpcErrorAnswer, splitReport, DeviceModel } from '../../../src/ocpp/v201/device-model/device-model.js';
import { buildStationDeviceModel, type AvailabilityState, type StationLive } from '../../../src/ocpp/v201/device-model/station-variables.js';
import { assertValidOcpp } from './ocpp-schema.js';
import { station, stationModelHooks, refOf, validReports } from './station-model-harness.js';

/** The 2.0.1 station device model's reports (B07 GetBaseReport, B08 GetReport). */

let model: DeviceModel;
let states: Map<string, AvailabilityState>;
let problems: Set<string>;
let live: StationLive;
let tmp: string;

describe('station device model: reports (B07, B08)', () => {
  stationModelHooks((f) => ({ model, states, problems, live, tmp } = f));
  it('B07.FR.08 FullInventory: every variable, valid NotifyReport bodies, characteristics on each (B08.FR.12)', () => {
    const { response, notifyReports } = answerGetBaseReport(model, { requestId: 7, reportBase: 'FullInventory' }, { itemsPerMessage: 20 });
    assert.deepEqual(response, { status: 'Accepted' });
    const reports = validReports({ response, notifyReports });
    const items = reports.flatMap((r) => r.reportData ?? []);
    assert.equal(items.length, model.report('FullInventory').length);
    assert.ok(items.every((i) => i.variableCharacteristics !== undefined));
    assert.ok(items.length > 80);
    assert.equal(new Set(items.map(refOf)).size, items.length);
  });

  it('TC_B_53 (errata 6.2.19): values present except WriteOnly and EVSE.Power without a reading; list values within valuesList', () => {
    const items = model.report('FullInventory');
    for (const item of items) {
      const attr = item.variableAttribute[0];
      const ref = refOf(item);
      assert.equal(attr.type, 'Actual', ref);
      if (attr.mutability === 'WriteOnly') assert.equal(attr.value, undefined, ref);
      else if (ref !== 'EVSE@2/Power') assert.notEqual(attr.value, undefined, ref);
      const c = item.variableCharacteristics!;
      if (['OptionList', 'MemberList', 'SequenceList'].includes(c.dataType)) {
        assert.ok(c.valuesList, ref);
        const allowed = c.valuesList.split(',');
        const members = attr.value === '' || attr.value === undefined ? [] : attr.value.split(',');
        assert.ok(members.every((m) => allowed.includes(m)), `${ref}: ${attr.value} not in ${c.valuesList}`);
        if (c.dataType === 'OptionList') assert.equal(members.length, 1, ref);
      }
      if (attr.mutability !== 'ReadOnly') assert.equal(attr.persistent, true, `${ref}: writable values are persistent (Part 2 2.)`);
      // The measured values monitors can watch; the harness's live source feeds EVSE.Power only.
      assert.equal(c.supportsMonitoring, /^EVSE@\d\/Power$/.test(ref), ref);
    }
    assert.equal(items.find((i) => refOf(i) === 'ClockCtrlr/DateTime')?.variableAttribute[0].constant, false);
    assert.equal(items.find((i) => refOf(i) === 'ChargingStation/VendorName')?.variableAttribute[0].constant, true);
  });

  it('B07.FR.07 ConfigurationInventory: exactly the variables the operator can set', () => {
    const items = model.report('ConfigurationInventory');
    assert.ok(items.every((i) => i.variableAttribute[0].mutability !== 'ReadOnly'));
    const refs = items.map(refOf);
    for (const ref of ['OCPPCommCtrlr/HeartbeatInterval', 'TxCtrlr/TxStartPoint', 'SecurityCtrlr/BasicAuthPassword', 'ClockCtrlr/TimeSource', 'OCPPCommCtrlr/MessageAttempts[TransactionEvent]']) {
      assert.ok(refs.includes(ref), ref);
    }
    const writable = model.report('FullInventory').filter((i) => i.variableAttribute[0].mutability !== 'ReadOnly').map(refOf);
    assert.deepEqual(refs, writable);
    const pw = items.find((i) => refOf(i) === 'SecurityCtrlr/BasicAuthPassword');
    assert.equal(pw?.variableAttribute[0].value, undefined); // B07.FR.03 (errata 2.10)
  });

  it('B07.FR.09 SummaryInventory: availability of station and EVSEs, connectors only when they differ, Problem only when true', () => {
    const summary = () => model.report('SummaryInventory').map((i) => `${refOf(i)}=${i.variableAttribute[0].value}`);
    assert.deepEqual(summary(), ['ChargingStation/AvailabilityState=Available', 'EVSE@1/AvailabilityState=Available', 'EVSE@2/AvailabilityState=Available']);
    states.set('2.', 'Occupied');
    states.set('2.1', 'Occupied');
    problems.add('1');
    assert.deepEqual(summary(), [
      'ChargingStation/AvailabilityState=Available',
      'EVSE@1/AvailabilityState=Available',
      'EVSE@1/Problem=true',
      'EVSE@2/AvailabilityState=Occupied',
      'Connector@2.2/AvailabilityState=Available',
    ]);
    validReports(answerGetBaseReport(model, { requestId: 3, reportBase: 'SummaryInventory' }));
  });

  it('hardware fault components: one ReadOnly boolean per component and EVSE, true while a fault placed there is active, in the summary only then', () => {
    const active = new Set<string>();
    const withFaults = buildStationDeviceModel(
      {
        ...station,
        hardwareFaults: [
          { fault: 'meter', evseId: 1 },
          { fault: 'contactor-welded', evseId: 1 },
          { fault: 'contactor-failed', evseId: 1 },
          { fault: 'overcurrent', evseId: 1 },
          { fault: 'emergency-stop' },
          { fault: 'rcd-trip', evseId: 2 },
        ],
      },
      { ...live, faultActive: (fault, evseId) => active.has(`${fault}@${evseId ?? ''}`) },
      path.join(tmp, 'faults'),
      () => undefined,
    );
    const faultRefs = ['FiscalMetering', 'PowerContactor', 'OverCurrentProtection', 'EmergencyStopSensor', 'RCD'];
    const items = withFaults.report('FullInventory').filter((i) => faultRefs.includes(i.component.name));
    assert.deepEqual(items.map((i) => `${refOf(i)}=${i.variableAttribute[0].value}`), [
      'FiscalMetering@1/Problem=false',
      'PowerContactor@1/Problem=false',
      'OverCurrentProtection@1/Active=false',
      'EmergencyStopSensor/Active=false',
      'RCD@2/Tripped=false',
    ]);
    assert.ok(items.every((i) => i.variableAttribute[0].mutability === 'ReadOnly' && i.variableCharacteristics?.dataType === 'boolean'));
    active.add('contactor-failed@1');
    active.add('emergency-stop@');
    const summary = withFaults.report('SummaryInventory').map((i) => `${refOf(i)}=${i.variableAttribute[0].value}`).filter((r) => faultRefs.some((f) => r.startsWith(f)));
    assert.deepEqual(summary, ['PowerContactor@1/Problem=true', 'EmergencyStopSensor/Active=true']);
    validReports(answerGetBaseReport(withFaults, { requestId: 9, reportBase: 'FullInventory' }));
  });

  it('card readers: TokenReader.Problem, one ReadOnly boolean per EVSE with a reader, true while a reader there fails, in the summary only then', () => {
    const failing = new Set<number>();
    const withReaders = buildStationDeviceModel(
      { ...station, devices: [{ device: 'token-reader', evseId: 1 }, { device: 'token-reader', evseId: 1 }, { device: 'token-reader', evseId: 2 }] },
      { ...live, deviceProblemActive: (device, evseId) => device === 'token-reader' && evseId !== undefined && failing.has(evseId) },
      path.join(tmp, 'readers'),
      () => undefined,
    );
    const readers = (base: 'FullInventory' | 'SummaryInventory'): string[] =>
      withReaders.report(base).filter((i) => i.component.name === 'TokenReader').map((i) => `${refOf(i)}=${i.variableAttribute[0].value}`);
    assert.deepEqual(readers('FullInventory'), ['TokenReader@1/Problem=false', 'TokenReader@2/Problem=false']);
    assert.deepEqual(readers('SummaryInventory'), []);
    failing.add(2);
    assert.deepEqual(readers('SummaryInventory'), ['TokenReader@2/Problem=true']);
    assert.equal(model.report('FullInventory').some((i) => i.component.name === 'TokenReader'), false, 'a station without readers has none');
    validReports(answerGetBaseReport(withReaders, { requestId: 10, reportBase: 'FullInventory' }));
  });

  it('B07.FR.02/05: an unknown reportBase is NotSupported with no report; B07.FR.13: busy is Rejected', () => {
    const unknown = answerGetBaseReport(model, { requestId: 1, reportBase: 'MonitoringInventory' as never });
    assert.deepEqual(unknown, { response: { status: 'NotSupported' }, notifyReports: [] });
    assertValidOcpp('GetBaseReportResponse', unknown.response);
    const busy = answerGetBaseReport(model, { requestId: 1, reportBase: 'FullInventory' }, { busy: true });
    assert.deepEqual(busy, { response: { status: 'Rejected' }, notifyReports: [] });
  });

  it('an empty report is EmptyResultSet with no NotifyReport', () => {
    const empty = new DeviceModel({ definitions: [{ component: { name: 'X' }, variable: { name: 'Y' }, mutability: 'ReadOnly', characteristics: { dataType: 'integer' }, default: '1' }] });
    const answer = answerGetBaseReport(empty, { requestId: 1, reportBase: 'SummaryInventory' });
    assert.deepEqual(answer, { response: { status: 'EmptyResultSet' }, notifyReports: [] });
    assertValidOcpp('GetBaseReportResponse', answer.response);
  });

  it('B07.FR.04/10 splitReport: one requestId, seqNo from 0, tbc on all but the last, generatedAt, every item once', () => {
    const items = model.report('FullInventory');
    const at = new Date('2025-03-01T12:00:00Z');
    const parts = splitReport(items, { requestId: 42, itemsPerMessage: 25, generatedAt: at });
    for (const p of parts) assertValidOcpp('NotifyReportRequest', p);
    assert.equal(parts.length, Math.ceil(items.length / 25));
    assert.deepEqual(parts.map((p) => p.seqNo), parts.map((_, i) => i));
    assert.deepEqual(parts.map((p) => p.tbc), parts.map((_, i) => i < parts.length - 1));
    assert.ok(parts.every((p) => p.requestId === 42 && p.generatedAt === '2025-03-01T12:00:00.000Z'));
    assert.deepEqual(parts.flatMap((p) => p.reportData ?? []), items);
    assert.ok(parts.slice(0, -1).every((p) => p.reportData?.length === 25));
  });

  it('splitReport edge cases: exactly one message full, and no items', () => {
    const items = model.report('SummaryInventory');
    const one = splitReport(items, { requestId: 1, itemsPerMessage: items.length, generatedAt: '2025-03-01T12:00:00Z' });
    assert.equal(one.length, 1);
    assert.equal(one[0]!.tbc, false);
    const none = splitReport([], { requestId: 1, itemsPerMessage: 10, generatedAt: '2025-03-01T12:00:00Z' });
    assert.equal(none.length, 1);
    assert.equal(none[0]!.reportData, undefined);
    assertValidOcpp('NotifyReportRequest', none[0]);
  });

  describe('B08 GetReport', () => {
    const report = (request: GetReportRequest): string[] => {
      assertValidOcpp('GetReportRequest', request);
      const answer = answerGetReport(model, request, { itemsPerMessage: 10 });
      assert.ok(!isRpcErrorAnswer(answer));
      assertValidOcpp('GetReportResponse', answer.response);
      return validReports(answer).flatMap((r) => r.reportData ?? []).map(refOf);
    };

    it('B08.FR.22: an EVSE address without a connector reports the EVSE and all its connectors', () => {
      const refs = report({ requestId: 1, componentVariable: [{ component: { name: 'Connector', evse: { id: 2 } }, variable: { name: 'ConnectorType' } }] });
      assert.deepEqual(refs, ['Connector@2.1/ConnectorType', 'Connector@2.2/ConnectorType']);
    });

    it('B08.FR.23/20: no EVSE reports every tier; no variable reports every variable', () => {
      const refs = report({ requestId: 1, componentVariable: [{ component: { name: 'EVSE' } }] });
      assert.ok(refs.includes('EVSE@1/Power') && refs.includes('EVSE@2/SupplyPhases'));
      assert.ok(refs.every((r) => r.startsWith('EVSE@')));
    });

    it('B08.FR.21: a variable without instance reports every instance', () => {
      const refs = report({ requestId: 1, componentVariable: [{ component: { name: 'DeviceDataCtrlr' }, variable: { name: 'ItemsPerMessage' } }] });
      assert.deepEqual(refs, ['DeviceDataCtrlr/ItemsPerMessage[GetReport]', 'DeviceDataCtrlr/ItemsPerMessage[GetVariables]', 'DeviceDataCtrlr/ItemsPerMessage[SetVariables]']);
    });

    it('B08.FR.10/13: criteria Problem reports the components with a Problem; criteria are ORed and limited by componentVariable (B08.FR.05)', () => {
      problems.add('2');
      const refs = report({ requestId: 1, componentCriteria: ['Problem'] });
      assert.ok(refs.length > 0 && refs.every((r) => r.startsWith('EVSE@2/')), refs.join());
      const limited = report({ requestId: 1, componentCriteria: ['Problem'], componentVariable: [{ component: { name: 'EVSE' }, variable: { name: 'Power' } }] });
      assert.deepEqual(limited, ['EVSE@2/Power']);
    });

    it('B08.FR.08: criteria Available reports components whose Available is true or that have none', () => {
      const refs = report({ requestId: 1, componentCriteria: ['Available'] });
      assert.equal(refs.length, model.report('FullInventory').length);
    });

    it('B08.FR.15: nothing selected is EmptyResultSet', () => {
      const answer = answerGetReport(model, { requestId: 1, componentCriteria: ['Problem'] });
      assert.ok(!isRpcErrorAnswer(answer));
      assert.deepEqual(answer, { response: { status: 'EmptyResultSet' }, notifyReports: [] });
    });

    it('B08.FR.17: more componentVariables than ItemsPerMessage[GetReport] is a CALLERROR', () => {
      const answer = answerGetReport(model, { requestId: 1, componentVariable: Array.from({ length: 51 }, () => ({ component: { name: 'EVSE' } })) as never });
      assert.ok(isRpcErrorAnswer(answer));
      assert.equal(answer.rpcError, 'OccurrenceConstraintViolation');
    });
  });

  it('B06.FR.16: a GetVariables of more than ItemsPerMessage[GetVariables] (50) items is a CALLERROR', () => {
    const item = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } };
    assert.ok(isRpcErrorAnswer(model.getVariables({ getVariableData: Array.from({ length: 51 }, () => item) as never })));
    assert.ok(!isRpcErrorAnswer(model.getVariables({ getVariableData: Array.from({ length: 50 }, () => item) as never })));
  });
});
