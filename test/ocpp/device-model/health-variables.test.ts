import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ReportDataType } from 'ocpp-messages/v2.0/NotifyReportRequest.js';
import type { DeviceModel } from '../../../src/ocpp/v201/device-model/device-model.js';
import type { HostHealthLive } from '../../../src/ocpp/v201/device-model/health-variables.js';
import { buildStationDeviceModel, type StationDescription, type StationLive } from '../../../src/ocpp/v201/device-model/station-variables.js';
import type { MeterValues } from '../../../src/station/meter-reading.js';
import { assertValidOcpp } from './ocpp-schema.js';
import { refOf, variableAccess, type Ref } from './station-model-harness.js';

/**
 * The measured values (per EVSE: meter, pilot) and the station's health (Controller,
 * OCPPCommCtrlr.ReconnectCount) as device model variables, on a fake live source: values, missing
 * values, 1-phase and 3-phase EVSEs, and what reports say of them.
 */

const station: StationDescription = {
  vendor: 'evse-agent',
  model: 'pi-2x',
  firmwareVersion: '0.1.0',
  identity: 'CP042',
  securityProfile: 0,
  evses: [
    { id: 1, phases: 3, maxCurrentA: 32, connectors: [{ id: 1, type: 'sType2' }], pilot: true },
    { id: 2, phases: 1, maxCurrentA: 16, connectors: [{ id: 1, type: 'sType2' }] },
  ],
};

const evse = (id: number) => ({ name: 'EVSE', evse: { id } });
const fiscal = (id: number) => ({ name: 'FiscalMetering', evse: { id } });
const pilot = (id: number) => ({ name: 'CPPWMController', evse: { id } });

describe('station device model: measured values and health', () => {
  let tmp: string;
  let model: DeviceModel;
  let readings: Map<number, Partial<MeterValues>>;
  let host: HostHealthLive & { temperature: number | undefined; uptime: number };
  let reconnects: number;
  const { get, value } = variableAccess(() => model);
  const build = (live: Partial<StationLive>, description = station): DeviceModel =>
    buildStationDeviceModel(
      description,
      { availabilityState: () => 'Available', dateTime: () => '2026-12-02T12:00:00.000Z', ...live },
      path.join(tmp, String(Math.random()).slice(2)),
      () => undefined,
    );
  const fullLive = (): Partial<StationLive> => ({
    evsePowerW: (id) => readings.get(id)?.powerW,
    meterReading: (id) => readings.get(id),
    meterCommErrors: (id) => (id === 1 ? 3 : 0),
    pilotCommErrors: (id) => (id === 1 ? 7 : undefined),
    host,
    reconnectCount: () => reconnects,
  });
  const reportOf = (m: DeviceModel, ref: string): ReportDataType | undefined => m.report('FullInventory').find((i) => refOf(i) === ref);

  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'evse-health-dm-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));
  beforeEach(() => {
    readings = new Map([
      [1, { energyImportWh: 123456.7, powerW: 11040.4, currentL1A: 16.01, currentL2A: 15.98, currentL3A: 16.004, voltageL1V: 230.4, voltageL2V: 229.1, voltageL3V: 231.25, frequencyHz: 49.98 }],
      [2, { energyImportWh: 42, currentL1A: 6.5, voltageL1V: 228 }],
    ]);
    host = {
      hasCpuTemperature: true,
      temperature: 48.312,
      uptime: 61,
      cpuTemperatureC: () => host.temperature,
      storageFreeBytes: () => 7_500_000_000,
      memoryFreeBytes: () => 512 * 1024 * 1024,
      uptimeS: () => host.uptime,
      journalBytes: () => 4096,
    };
    reconnects = 2;
    model = build(fullLive());
  });

  it('3-phase EVSE: ACCurrent and ACVoltage per phase L1-L3, Frequency, FiscalMetering EnergyImportRegister, from the latest reading', () => {
    const refs: Ref[] = [
      [evse(1), 'ACCurrent', 'L1'], [evse(1), 'ACCurrent', 'L2'], [evse(1), 'ACCurrent', 'L3'],
      [evse(1), 'ACVoltage', 'L1'], [evse(1), 'ACVoltage', 'L2'], [evse(1), 'ACVoltage', 'L3'],
      [evse(1), 'Frequency'], [fiscal(1), 'EnergyImportRegister'], [evse(1), 'Power'],
    ];
    assert.deepEqual(refs.map((r) => value(...r)), ['16.01', '15.98', '16.004', '230.4', '229.1', '231.25', '49.98', '123456.7', '11040']);
    // Live: the next reading is what the next read gives.
    readings.set(1, { ...readings.get(1)!, voltageL2V: 212.0004 });
    assert.equal(value(evse(1), 'ACVoltage', 'L2'), '212');
  });

  it('1-phase EVSE: only L1; the other phases are unknown variables; a value the meter does not give has no Actual value', () => {
    assert.equal(value(evse(2), 'ACCurrent', 'L1'), '6.5');
    assert.equal(value(evse(2), 'ACVoltage', 'L1'), '228');
    const [l2, l3] = get([evse(2), 'ACCurrent', 'L2'], [evse(2), 'ACVoltage', 'L3']);
    assert.equal(l2!.attributeStatus, 'UnknownVariable');
    assert.equal(l3!.attributeStatus, 'UnknownVariable');
    // No frequency from this meter: Accepted without a value (B06.FR.13), absent from reports.
    assert.equal(value(evse(2), 'Frequency'), '');
    assert.equal(reportOf(model, 'EVSE@2/Frequency')!.variableAttribute[0].value, undefined);
    assert.equal(model.actualValue(evse(2), { name: 'Frequency' }), undefined);
  });

  it('no reading yet (meter not polled, or failed since start): no Actual values', () => {
    readings.clear();
    assert.equal(model.actualValue(evse(1), { name: 'ACCurrent', instance: 'L1' }), undefined);
    assert.equal(model.actualValue(fiscal(1), { name: 'EnergyImportRegister' }), undefined);
    readings.set(1, { energyImportWh: Number.NaN });
    assert.equal(model.actualValue(fiscal(1), { name: 'EnergyImportRegister' }), undefined, 'not a number is no value');
  });

  it('CommErrors (vendor-specific): the meter\'s failed polls on FiscalMetering, the pilot\'s on CPPWMController where there is a pilot', () => {
    assert.equal(value(fiscal(1), 'CommErrors'), '3');
    assert.equal(value(fiscal(2), 'CommErrors'), '0');
    assert.equal(value(pilot(1), 'CommErrors'), '7');
    assert.equal(get([pilot(2), 'CommErrors'])[0]!.attributeStatus, 'UnknownComponent');
  });

  it('Controller: Temperature, StorageFree, MemoryFree, Uptime, Storage[Journal]; OCPPCommCtrlr ReconnectCount', () => {
    assert.equal(value('Controller', 'Temperature'), '48.312');
    assert.equal(value('Controller', 'StorageFree'), '7500000000');
    assert.equal(value('Controller', 'MemoryFree'), String(512 * 1024 * 1024));
    assert.equal(value('Controller', 'Uptime'), '61');
    assert.equal(value('Controller', 'Storage', 'Journal'), '4096');
    assert.equal(value('OCPPCommCtrlr', 'ReconnectCount'), '2');
    host.uptime = 62;
    reconnects = 3;
    host.temperature = undefined; // a read error now
    assert.equal(value('Controller', 'Uptime'), '62');
    assert.equal(value('OCPPCommCtrlr', 'ReconnectCount'), '3');
    assert.equal(model.actualValue({ name: 'Controller' }, { name: 'Temperature' }), undefined);
  });

  it('no temperature sensor readable at start: no Temperature variable, the rest are there', () => {
    const m = build({ ...fullLive(), host: { ...host, hasCpuTemperature: false } });
    assert.equal(reportOf(m, 'Controller/Temperature'), undefined);
    assert.equal(reportOf(m, 'Controller/Uptime')?.variableAttribute[0].value, '61');
  });

  it('without the getters: none of these variables (EVSE.Power stays)', () => {
    const refs = build({}).report('FullInventory').map(refOf);
    for (const name of ['ACCurrent', 'ACVoltage', 'Frequency', 'EnergyImportRegister', 'CommErrors', 'Controller/', 'ReconnectCount']) {
      assert.ok(!refs.some((r) => r.includes(name)), `${name} in ${refs.filter((r) => r.includes(name)).join()}`);
    }
    assert.ok(refs.includes('EVSE@1/Power'));
  });

  it('reports: ReadOnly, not constant, units, supportsMonitoring true for the measured values and false for settings; valid NotifyReport data', () => {
    const expected: Array<[string, string, string]> = [
      ['EVSE@1/Power', 'decimal', 'W'],
      ['EVSE@1/ACCurrent[L3]', 'decimal', 'A'],
      ['EVSE@2/ACVoltage[L1]', 'decimal', 'V'],
      ['EVSE@1/Frequency', 'decimal', 'Hz'],
      ['FiscalMetering@1/EnergyImportRegister', 'decimal', 'Wh'],
      ['FiscalMetering@1/CommErrors', 'integer', ''],
      ['CPPWMController@1/CommErrors', 'integer', ''],
      ['Controller/Temperature', 'decimal', 'Celsius'],
      ['Controller/StorageFree', 'integer', 'B'],
      ['Controller/MemoryFree', 'integer', 'B'],
      ['Controller/Uptime', 'integer', 's'],
      ['Controller/Storage[Journal]', 'integer', 'B'],
      ['OCPPCommCtrlr/ReconnectCount', 'integer', ''],
    ];
    for (const [ref, dataType, unit] of expected) {
      const item = reportOf(model, ref);
      assert.ok(item, ref);
      assertValidOcpp('NotifyReportRequest', { requestId: 1, generatedAt: '2026-12-02T12:00:00Z', seqNo: 0, reportData: [item] });
      const c = item.variableCharacteristics!;
      assert.equal(c.dataType, dataType, ref);
      assert.equal(c.unit ?? '', unit, ref);
      assert.equal(c.supportsMonitoring, true, ref);
      assert.equal(item.variableAttribute[0].mutability, 'ReadOnly', ref);
      assert.equal(item.variableAttribute[0].constant, false, ref);
      assert.notEqual(item.variableAttribute[0].value, undefined, ref);
    }
    for (const ref of ['OCPPCommCtrlr/HeartbeatInterval', 'EVSE@1/AvailabilityState', 'ClockCtrlr/DateTime']) {
      assert.equal(reportOf(model, ref)!.variableCharacteristics!.supportsMonitoring, false, ref);
    }
  });

  it('monitors see them as numbers with their limits', () => {
    assert.deepEqual(model.monitorable({ name: 'Controller' }, { name: 'Uptime' }), { dataType: 'integer', minLimit: 0, writeOnly: false });
    assert.deepEqual(model.monitorable(evse(1), { name: 'ACVoltage', instance: 'L1' }), { dataType: 'decimal', writeOnly: false });
    assert.equal(model.actualValue(evse(1), { name: 'ACVoltage', instance: 'l1' }), '230.4', 'instances match without regard to case');
  });
});
