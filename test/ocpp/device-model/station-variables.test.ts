import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GetReportRequest, GetVariablesResponse, NotifyReportRequest, SetVariablesRequest } from 'ocpp-messages/v2.0/index.js';
import type { ReportDataType } from 'ocpp-messages/v2.0/NotifyReportRequest.js';
import { Secret } from '../../../src/config/station-config.js';
import {
  answerGetBaseReport,
  answerGetReport,
  DeviceModel,
  isRpcErrorAnswer,
  splitReport,
  type ComponentAddress,
  type ReportAnswer,
  type VariableChange,
} from '../../../src/ocpp/v201/device-model/device-model.js';
import { DEVICE_MODEL_FILE } from '../../../src/ocpp/v201/device-model/device-model.js';
import {
  buildStationDeviceModel,
  type AvailabilityState,
  type StationDescription,
  type StationLive,
} from '../../../src/ocpp/v201/device-model/station-variables.js';
import { assertValidOcpp } from './ocpp-schema.js';

const PASSWORD = 'Kx7-Pq2_Zr9=Lm4+Vt8|Wn';

const station: StationDescription = {
  vendor: 'evse-agent',
  model: 'pi-2x',
  serialNumber: 'SN-0042',
  firmwareVersion: '0.1.0',
  identity: 'CP042',
  securityProfile: 1,
  basicAuthPassword: new Secret('ConfigFilePassword-0001'),
  evses: [
    { id: 1, phases: 3, maxCurrentA: 32, connectors: [{ id: 1, type: 'sType2' }] },
    { id: 2, phases: 1, maxCurrentA: 16, connectors: [{ id: 1, type: 'sType2' }, { id: 2, type: 'cType2' }] },
  ],
};

let states: Map<string, AvailabilityState>;
let problems: Set<string>;
const live: StationLive = {
  availabilityState: (evseId, connectorId) => states.get(`${evseId ?? ''}.${connectorId ?? ''}`) ?? 'Available',
  dateTime: () => '2025-03-01T12:00:00.000Z',
  evsePowerW: (evseId) => (evseId === 1 ? 11040.4 : undefined),
  problem: (evseId) => problems.has(String(evseId ?? '')),
};

let tmp: string;
let dir: string;
let seq = 0;
let warnings: string[];
let model: DeviceModel;
let changes: VariableChange[];
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'evse-station-dm-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  states = new Map();
  problems = new Set();
  dir = path.join(tmp, `s${++seq}`);
  warnings = [];
  model = buildStationDeviceModel(station, live, dir, (m) => warnings.push(m));
  changes = [];
  model.changes$.subscribe((c) => changes.push(c));
});

type Ref = [component: string | ComponentAddress, variable: string, instance?: string];
const component = (c: string | ComponentAddress): ComponentAddress => (typeof c === 'string' ? { name: c } : c);
const variable = (name: string, instance?: string) => ({ name, ...(instance !== undefined ? { instance } : {}) });

function get(...refs: Ref[]): GetVariablesResponse['getVariableResult'] {
  const answer = model.getVariables({ getVariableData: refs.map(([c, v, i]) => ({ component: component(c), variable: variable(v, i) })) as never });
  assert.ok(!isRpcErrorAnswer(answer));
  assertValidOcpp('GetVariablesResponse', answer);
  return answer.getVariableResult;
}

function value(...ref: Ref): string | undefined {
  const [r] = get(ref);
  assert.equal(r!.attributeStatus, 'Accepted', `${JSON.stringify(ref)}: ${r!.attributeStatus}`);
  return r!.attributeValue;
}

async function set(ref: Ref, attributeValue: string) {
  const [c, v, i] = ref;
  const request: SetVariablesRequest = { setVariableData: [{ component: component(c), variable: variable(v, i), attributeValue }] };
  const answer = await model.setVariables(request);
  assert.ok(!isRpcErrorAnswer(answer));
  assertValidOcpp('SetVariablesResponse', answer);
  return answer.setVariableResult[0];
}

const evse = (id: number): ComponentAddress => ({ name: 'EVSE', evse: { id } });
const connector = (id: number, connectorId: number): ComponentAddress => ({ name: 'Connector', evse: { id, connectorId } });
const refOf = (r: ReportDataType): string =>
  `${r.component.name}${r.component.evse ? `@${r.component.evse.id}${r.component.evse.connectorId !== undefined ? `.${r.component.evse.connectorId}` : ''}` : ''}/${r.variable.name}${r.variable.instance ? `[${r.variable.instance}]` : ''}`;

function validReports(answer: ReportAnswer<unknown>): NotifyReportRequest[] {
  for (const body of answer.notifyReports) assertValidOcpp('NotifyReportRequest', body);
  return answer.notifyReports;
}

describe('station device model: the standardized variables', () => {
  // Every variable the spec marks required for the blocks this station implements, and the optional
  // ones the agent uses, under their exact standardized names (dm_components_vars.csv).
  const expected: Ref[] = [
    ['ChargingStation', 'AvailabilityState'], ['ChargingStation', 'Available'], ['ChargingStation', 'SupplyPhases'],
    ['ChargingStation', 'VendorName'], ['ChargingStation', 'Model'], ['ChargingStation', 'SerialNumber'], ['ChargingStation', 'FirmwareVersion'],
    [evse(1), 'AvailabilityState'], [evse(1), 'Available'], [evse(1), 'Power'], [evse(1), 'SupplyPhases'],
    [evse(2), 'AvailabilityState'], [connector(2, 2), 'AvailabilityState'], [connector(2, 2), 'Available'], [connector(2, 2), 'ConnectorType'], [connector(2, 2), 'SupplyPhases'],
    ['OCPPCommCtrlr', 'ActiveNetworkProfile'], ['OCPPCommCtrlr', 'FileTransferProtocols'], ['OCPPCommCtrlr', 'HeartbeatInterval'],
    ['OCPPCommCtrlr', 'MessageTimeout', 'Default'], ['OCPPCommCtrlr', 'MessageAttempts', 'TransactionEvent'], ['OCPPCommCtrlr', 'MessageAttemptInterval', 'TransactionEvent'],
    ['OCPPCommCtrlr', 'NetworkConfigurationPriority'], ['OCPPCommCtrlr', 'NetworkProfileConnectionAttempts'], ['OCPPCommCtrlr', 'OfflineThreshold'],
    ['OCPPCommCtrlr', 'ResetRetries'], ['OCPPCommCtrlr', 'RetryBackOffRandomRange'], ['OCPPCommCtrlr', 'RetryBackOffRepeatTimes'], ['OCPPCommCtrlr', 'RetryBackOffWaitMinimum'],
    ['OCPPCommCtrlr', 'UnlockOnEVSideDisconnect'], ['OCPPCommCtrlr', 'WebSocketPingInterval'],
    ['TxCtrlr', 'EVConnectionTimeOut'], ['TxCtrlr', 'StopTxOnEVSideDisconnect'], ['TxCtrlr', 'StopTxOnInvalidId'], ['TxCtrlr', 'TxBeforeAcceptedEnabled'],
    ['TxCtrlr', 'TxStartPoint'], ['TxCtrlr', 'TxStopPoint'], ['TxCtrlr', 'MaxEnergyOnInvalidId'],
    ['SampledDataCtrlr', 'Enabled'], ['SampledDataCtrlr', 'TxEndedMeasurands'], ['SampledDataCtrlr', 'TxEndedInterval'], ['SampledDataCtrlr', 'TxStartedMeasurands'],
    ['SampledDataCtrlr', 'TxUpdatedMeasurands'], ['SampledDataCtrlr', 'TxUpdatedInterval'], ['SampledDataCtrlr', 'RegisterValuesWithoutPhases'],
    ['AlignedDataCtrlr', 'Enabled'], ['AlignedDataCtrlr', 'Measurands'], ['AlignedDataCtrlr', 'Interval'], ['AlignedDataCtrlr', 'SendDuringIdle'],
    ['AlignedDataCtrlr', 'TxEndedMeasurands'], ['AlignedDataCtrlr', 'TxEndedInterval'],
    ['AuthCtrlr', 'Enabled'], ['AuthCtrlr', 'AuthorizeRemoteStart'], ['AuthCtrlr', 'LocalAuthorizeOffline'], ['AuthCtrlr', 'LocalPreAuthorize'],
    ['AuthCtrlr', 'OfflineTxForUnknownIdEnabled'], ['AuthCtrlr', 'DisableRemoteAuthorization'],
    ['DeviceDataCtrlr', 'ItemsPerMessage', 'GetReport'], ['DeviceDataCtrlr', 'ItemsPerMessage', 'GetVariables'], ['DeviceDataCtrlr', 'ItemsPerMessage', 'SetVariables'],
    ['DeviceDataCtrlr', 'BytesPerMessage', 'GetReport'], ['DeviceDataCtrlr', 'BytesPerMessage', 'GetVariables'], ['DeviceDataCtrlr', 'BytesPerMessage', 'SetVariables'],
    ['ClockCtrlr', 'DateTime'], ['ClockCtrlr', 'TimeSource'],
    ['SecurityCtrlr', 'Identity'], ['SecurityCtrlr', 'OrganizationName'], ['SecurityCtrlr', 'SecurityProfile'], ['SecurityCtrlr', 'AdditionalRootCertificateCheck'],
  ];

  it('answers GetVariables Accepted for every expected variable', () => {
    for (let i = 0; i < expected.length; i += 50) {
      const results = get(...expected.slice(i, i + 50));
      results.forEach((r, j) => assert.equal(r.attributeStatus, 'Accepted', JSON.stringify(expected[i + j])));
    }
  });

  it('has the values the station description and the live getters give', () => {
    assert.equal(value('ChargingStation', 'VendorName'), 'evse-agent');
    assert.equal(value('ChargingStation', 'Model'), 'pi-2x');
    assert.equal(value('ChargingStation', 'SupplyPhases'), '3');
    assert.equal(value(evse(2), 'SupplyPhases'), '1');
    assert.equal(value(connector(2, 2), 'SupplyPhases'), '1');
    assert.equal(value(connector(2, 1), 'ConnectorType'), 'sType2');
    assert.equal(value(connector(2, 2), 'ConnectorType'), 'cType2');
    assert.equal(value(evse(1), 'Power'), '11040');
    assert.equal(value(evse(2), 'Power'), ''); // B06.FR.13
    assert.equal(value('ClockCtrlr', 'DateTime'), '2025-03-01T12:00:00.000Z');
    assert.equal(value('SecurityCtrlr', 'Identity'), 'CP042');
    assert.equal(value('SecurityCtrlr', 'SecurityProfile'), '1');
    assert.equal(value('OCPPCommCtrlr', 'ActiveNetworkProfile'), '1');
    states.set('2.', 'Occupied');
    states.set('2.2', 'Occupied');
    assert.equal(value(evse(2), 'AvailabilityState'), 'Occupied');
    assert.equal(value(connector(2, 2), 'AvailabilityState'), 'Occupied');
    assert.equal(value(connector(2, 1), 'AvailabilityState'), 'Available');
  });

  it('has the spec defaults: TxStartPoint PowerPathClosed, TxStopPoint EVConnected,Authorized (Part 2 E table 95), MessageTimeout 30', () => {
    assert.equal(value('TxCtrlr', 'TxStartPoint'), 'PowerPathClosed');
    assert.equal(value('TxCtrlr', 'TxStopPoint'), 'EVConnected,Authorized');
    assert.equal(model.getInt('OCPPCommCtrlr', 'MessageTimeout', { instance: 'Default' }), 30);
    assert.equal(value('SampledDataCtrlr', 'TxUpdatedMeasurands'), 'Energy.Active.Import.Register');
    assert.equal(value('SampledDataCtrlr', 'TxEndedInterval'), '0');
  });

  it('EVSE.Power has the maxLimit phases x maxCurrentA x 230 V (Part 2 2.13.7)', () => {
    const full = model.report('FullInventory');
    const power = (id: number) => full.find((r) => r.component.name === 'EVSE' && r.component.evse?.id === id && r.variable.name === 'Power');
    assert.equal(power(1)?.variableCharacteristics?.maxLimit, 3 * 32 * 230);
    assert.equal(power(2)?.variableCharacteristics?.maxLimit, 16 * 230);
    assert.equal(power(1)?.variableCharacteristics?.unit, 'W');
  });

  it('ReadOnly variables are Rejected by SetVariables (B05.FR.09)', async () => {
    for (const ref of [['SecurityCtrlr', 'SecurityProfile'], ['OCPPCommCtrlr', 'MessageTimeout', 'Default'], [connector(1, 1), 'ConnectorType'], ['DeviceDataCtrlr', 'ItemsPerMessage', 'GetVariables'], ['ClockCtrlr', 'DateTime']] as Ref[]) {
      const r = await set(ref, '1');
      assert.equal(r.attributeStatus, 'Rejected', JSON.stringify(ref));
    }
  });

  it('TxStartPoint/TxStopPoint take any non-empty subset of the points the station can detect, nothing else', async () => {
    assert.equal((await set(['TxCtrlr', 'TxStartPoint'], 'EVConnected,Authorized')).attributeStatus, 'Accepted');
    assert.equal((await set(['TxCtrlr', 'TxStopPoint'], 'EnergyTransfer')).attributeStatus, 'Accepted');
    for (const bad of ['ParkingBayOccupancy', 'DataSigned', 'EVConnected,DataSigned', '']) {
      assert.equal((await set(['TxCtrlr', 'TxStartPoint'], bad)).attributeStatus, 'Rejected', bad);
      assert.equal((await set(['TxCtrlr', 'TxStopPoint'], bad)).attributeStatus, 'Rejected', bad);
    }
    assert.deepEqual(model.getList('TxCtrlr', 'TxStartPoint'), ['EVConnected', 'Authorized']);
  });

  it('measurand lists take only what the meter measures', async () => {
    assert.equal((await set(['SampledDataCtrlr', 'TxUpdatedMeasurands'], 'Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,Frequency')).attributeStatus, 'Accepted');
    assert.equal((await set(['SampledDataCtrlr', 'TxUpdatedMeasurands'], 'SoC')).attributeStatus, 'Rejected');
    assert.equal((await set(['AlignedDataCtrlr', 'Measurands'], 'Energy.Active.Export.Register')).attributeStatus, 'Accepted');
    assert.equal((await set(['AlignedDataCtrlr', 'Measurands'], 'Power.Reactive.Import')).attributeStatus, 'Rejected');
  });

  it('HeartbeatInterval: a SetVariables is announced on changes$ for the agent to act on', async () => {
    assert.equal((await set(['OCPPCommCtrlr', 'HeartbeatInterval'], '120')).attributeStatus, 'Accepted');
    assert.deepEqual(changes, [{ component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval', value: '120' }]);
    assert.equal(model.getInt('OCPPCommCtrlr', 'HeartbeatInterval'), 120);
    assert.equal((await set(['OCPPCommCtrlr', 'HeartbeatInterval'], '0')).attributeStatus, 'Rejected'); // minLimit 1
  });

  it('NetworkConfigurationPriority: RebootRequired (B10.FR.01), only usable slots (B10.FR.02); ActiveNetworkProfile follows after the restart', async () => {
    const withSlots = { ...station, networkProfileSlots: [1, 2, 3] };
    const usable = new Set([1, 2]);
    const d = path.join(tmp, `slots${seq}`);
    const slotLive: StationLive = { ...live, networkProfileSlotUsable: (s) => usable.has(s) };
    let m = buildStationDeviceModel(withSlots, slotLive, d, () => undefined);
    const setPriority = async (v: string) => {
      const a = await m.setVariables({ setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' }, attributeValue: v }] });
      assert.ok(!isRpcErrorAnswer(a));
      return a.setVariableResult[0];
    };
    const rejected = await setPriority('3,1');
    assert.equal(rejected.attributeStatus, 'Rejected');
    assert.match(rejected.attributeStatusInfo?.additionalInfo ?? '', /slot 3/);
    assert.equal((await setPriority('2,1')).attributeStatus, 'RebootRequired');
    assert.equal(m.getString('OCPPCommCtrlr', 'NetworkConfigurationPriority'), '1');
    assert.equal(m.getInt('OCPPCommCtrlr', 'ActiveNetworkProfile'), 1);
    m = buildStationDeviceModel(withSlots, slotLive, d, () => undefined);
    assert.equal(m.getString('OCPPCommCtrlr', 'NetworkConfigurationPriority'), '2,1');
    assert.equal(m.getInt('OCPPCommCtrlr', 'ActiveNetworkProfile'), 2);
    // A slot that is no longer usable at start makes the saved priority fall back to the default.
    usable.delete(2);
    const startWarnings: string[] = [];
    m = buildStationDeviceModel(withSlots, slotLive, d, (w) => startWarnings.push(w));
    assert.equal(m.getString('OCPPCommCtrlr', 'NetworkConfigurationPriority'), '1');
    assert.match(startWarnings.join('\n'), /NetworkConfigurationPriority/);
  });

  it('UnlockOnEVSideDisconnect is ReadOnly false for a station of fixed cables only (Part 2 2.1.12)', () => {
    const cables = buildStationDeviceModel(
      { ...station, evses: [{ id: 1, phases: 3, maxCurrentA: 32, connectors: [{ id: 1, type: 'cType2' }] }] },
      live,
      path.join(tmp, `cables${seq}`),
      () => undefined,
    );
    assert.equal(cables.getBool('OCPPCommCtrlr', 'UnlockOnEVSideDisconnect'), false);
    assert.equal(model.getBool('OCPPCommCtrlr', 'UnlockOnEVSideDisconnect'), true);
  });

  it('optional live getters add their variables (Problem); SecurityCtrlr.CertificateEntries (2.2.4, required) is always there, 0 by default', () => {
    const bare = buildStationDeviceModel(station, { availabilityState: () => 'Available', dateTime: () => '2025-01-01T00:00:00Z' }, path.join(tmp, `bare${seq}`), () => undefined);
    assert.equal(bare.has('ChargingStation', 'Problem'), false);
    assert.equal(bare.getInt('SecurityCtrlr', 'CertificateEntries'), 0);
    assert.equal(model.has('EVSE', 'Problem', { evse: { id: 1 } }), true);
    const certs = buildStationDeviceModel(station, { ...live, certificateEntries: () => 2 }, path.join(tmp, `certs${seq}`), () => undefined);
    assert.equal(certs.getInt('SecurityCtrlr', 'CertificateEntries'), 2);
  });
});

describe('station device model: BasicAuthPassword', () => {
  const pw: Ref = ['SecurityCtrlr', 'BasicAuthPassword'];

  it('starts with the config file password, readable only as a Secret', () => {
    assert.equal(model.getSecret('SecurityCtrlr', 'BasicAuthPassword')?.reveal(), 'ConfigFilePassword-0001');
  });

  it('A01: setting it is Accepted, announced masked, persisted in a 0600 file, and in effect after a restart', async () => {
    assert.equal((await set(pw, PASSWORD)).attributeStatus, 'Accepted');
    assert.equal(changes.length, 1);
    assert.equal(changes[0]!.value, '********');
    assert.equal(changes[0]!.secret?.reveal(), PASSWORD);
    const file = path.join(dir, DEVICE_MODEL_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(readFileSync(file, 'utf8').includes(PASSWORD));
    const again = buildStationDeviceModel(station, live, dir, (m) => warnings.push(m));
    assert.equal(again.getSecret('SecurityCtrlr', 'BasicAuthPassword')?.reveal(), PASSWORD);
  });

  it('is never in a GetVariables response, a report, a change event or a warning', async () => {
    await set(pw, PASSWORD);
    const [r] = get(pw);
    assert.equal(r!.attributeStatus, 'Rejected'); // B06.FR.09
    const everything = JSON.stringify([
      r,
      model.report('FullInventory'),
      model.report('ConfigurationInventory'),
      model.report('SummaryInventory'),
      answerGetReport(model, { requestId: 1 }),
      changes,
    ]);
    assert.ok(!everything.includes(PASSWORD));
    assert.ok(!everything.includes('ConfigFilePassword'));
    assert.ok(!warnings.join('\n').includes(PASSWORD));
  });

  it('A00.FR.205: 16 to 40 characters of passwordString, else Rejected without echoing the value', async () => {
    for (const bad of ['short-Pass-1', 'x'.repeat(41), 'has spaces in the password', 'ümlauts-are-not-allowed-here']) {
      const r = await set(pw, bad);
      assert.equal(r.attributeStatus, 'Rejected', bad);
      assert.ok(!JSON.stringify(r).includes(bad));
    }
    assert.equal(model.getSecret('SecurityCtrlr', 'BasicAuthPassword')?.reveal(), 'ConfigFilePassword-0001');
    assert.equal((await set(pw, 'a'.repeat(16))).attributeStatus, 'Accepted');
    assert.equal((await set(pw, `${'A1*-_=:+|@.'.repeat(3)}1234567`)).attributeStatus, 'Accepted');
  });
});

describe('station device model: reports (B07, B08)', () => {
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
      assert.equal(c.supportsMonitoring, false);
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
