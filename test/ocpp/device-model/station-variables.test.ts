import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { answerGetReport, isRpcErrorAnswer, DEVICE_MODEL_FILE, type DeviceModel, type VariableChange } from '../../../src/ocpp/v201/device-model/device-model.js';
import { buildStationDeviceModel, type AvailabilityState, type StationLive } from '../../../src/ocpp/v201/device-model/station-variables.js';
import { PASSWORD, station, stationModelHooks, evse, connector, variableAccess, type Ref } from './station-model-harness.js';

/** The 2.0.1 station device model: the standardized variables and their values, BasicAuthPassword. Reports: station-reports.test.ts. */

let model: DeviceModel;
let warnings: string[];
let changes: VariableChange[];
let states: Map<string, AvailabilityState>;
let live: StationLive;
let dir: string;
let tmp: string;
let seq: number;
const { get, value, set } = variableAccess(() => model);

describe('station device model: the standardized variables', () => {
  stationModelHooks((f) => ({ model, warnings, changes, states, live, dir, tmp, seq } = f));
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
  stationModelHooks((f) => ({ model, warnings, changes, states, live, dir, tmp, seq } = f));
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
