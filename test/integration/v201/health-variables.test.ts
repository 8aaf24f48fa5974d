import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { GetVariableResultType } from 'ocpp-messages/v2.0/GetVariablesResponse.js';
import type { NotifyEventRequest } from 'ocpp-messages/v2.0/NotifyEventRequest.js';
import type { NotifyReportRequest } from 'ocpp-messages/v2.0/NotifyReportRequest.js';
import type { SetVariableMonitoringResponse } from 'ocpp-messages/v2.0/SetVariableMonitoringResponse.js';
import { JOURNAL_FILE } from '../../../src/store/transaction-journal.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { afterEachTest, calls, callRecords, ID, sleep, startCharging, startCsms, startRig, stopCsms, storageOf, until, type Rig } from './rig.js';

/**
 * Issue 14: the measured values and the station's health as 2.0.1 device model variables, on the
 * simulated station (an SDM630 meter, 16 A x 3 at 230 V while charging): read with GetVariables,
 * reported with supportsMonitoring, and watched by a monitor.
 */

type Address = { component: { name: string; evse?: { id: number } }; variable: { name: string; instance?: string } };
const at = (component: string, variable: string, instance?: string, evseId?: number): Address => ({
  component: evseId === undefined ? { name: component } : { name: component, evse: { id: evseId } },
  variable: instance === undefined ? { name: variable } : { name: variable, instance },
});

const CURRENT_L1 = at('EVSE', 'ACCurrent', 'L1', 1);
const VOLTAGE_L1 = at('EVSE', 'ACVoltage', 'L1', 1);
const FREQUENCY = at('EVSE', 'Frequency', undefined, 1);
const ENERGY = at('FiscalMetering', 'EnergyImportRegister', undefined, 1);
const STORAGE_FREE = at('Controller', 'StorageFree');
const MEMORY_FREE = at('Controller', 'MemoryFree');
const UPTIME = at('Controller', 'Uptime');
const JOURNAL = at('Controller', 'Storage', 'Journal');
const RECONNECTS = at('OCPPCommCtrlr', 'ReconnectCount');

/** The values, as numbers, of Accepted results; fails on any other status. */
async function numbers(csms: DevCsms, addresses: Address[]): Promise<number[]> {
  const { getVariableResult } = await csms.getVariables(ID, addresses as never);
  return getVariableResult.map((r: GetVariableResultType) => {
    assert.equal(r.attributeStatus, 'Accepted', `${r.component.name}.${r.variable.name}: ${r.attributeStatus}`);
    assert.ok(r.attributeValue !== undefined && r.attributeValue !== '', `${r.component.name}.${r.variable.name} has a value`);
    return Number(r.attributeValue);
  });
}

async function reconnectCount(rig: Pick<Rig, 'csms'>): Promise<number> {
  const [count] = await numbers(rig.csms, [RECONNECTS]);
  return count!;
}

describe('OCPP 2.0.1 integration: measured values and health variables (issue 14)', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('GetVariables: EVSE ACCurrent[L1], ACVoltage[L1], Frequency, FiscalMetering EnergyImportRegister, Controller StorageFree, MemoryFree, Uptime, Storage[Journal] plausible while charging; Uptime grows', async function () {
    const rig = await startRig();
    await startCharging(rig);
    // The meter polls once a second: wait for a reading taken while the EV draws.
    let current = 0;
    for (let i = 0; i < 40 && current < 15; i++) {
      current = (await numbers(rig.csms, [CURRENT_L1]))[0]!;
      if (current < 15) await sleep(200);
    }
    const [currentA, voltageV, frequencyHz, energyWh, storageFree, memoryFree, uptime, journal] = await numbers(rig.csms, [
      CURRENT_L1, VOLTAGE_L1, FREQUENCY, ENERGY, STORAGE_FREE, MEMORY_FREE, UPTIME, JOURNAL,
    ]);
    assert.ok(currentA! > 15 && currentA! < 17, `ACCurrent[L1] ${currentA} A`);
    assert.ok(voltageV! >= 200 && voltageV! <= 260, `ACVoltage[L1] ${voltageV} V`);
    assert.ok(frequencyHz! > 45 && frequencyHz! < 65, `Frequency ${frequencyHz} Hz`);
    assert.ok(energyWh! >= 0, `EnergyImportRegister ${energyWh} Wh`);
    assert.ok(storageFree! > 0 && Number.isInteger(storageFree), `StorageFree ${storageFree} B`);
    assert.ok(memoryFree! > 0 && Number.isInteger(memoryFree), `MemoryFree ${memoryFree} B`);
    assert.ok(Number.isInteger(uptime) && uptime! >= 0, `Uptime ${uptime} s`);
    // The transaction's messages are journaled: the journal file's size, as the file system tells it.
    const journalFile = path.join(storageOf(rig.file), JOURNAL_FILE);
    let journalNow = journal!;
    for (let i = 0; i < 5 && journalNow !== statSync(journalFile).size; i++) journalNow = (await numbers(rig.csms, [JOURNAL]))[0]!;
    assert.ok(journalNow > 0, `Storage[Journal] ${journalNow} B`);
    assert.equal(journalNow, statSync(journalFile).size);
    await sleep(1100);
    const [later] = await numbers(rig.csms, [UPTIME]);
    assert.ok(later! > uptime!, `Uptime ${uptime} s, then ${later} s`);
  });

  it('OCPPCommCtrlr ReconnectCount: 0 after the first connection, 1 once the connection lost is made again', async function () {
    const rig = await startRig();
    assert.equal(await reconnectCount(rig), 0);
    const port = rig.csms.port;
    await stopCsms(rig.csms);
    await until(() => !rig.agent.client.isConnected, 2000, 'the connection to drop');
    const back = await startCsms({ port });
    await back.waitForConnection(ID, 5000);
    await until(() => rig.agent.client.isConnected, 3000, 'connected again');
    assert.equal(await reconnectCount({ csms: back }), 1);
    await stopCsms(back);
  });

  it('GetBaseReport FullInventory: supportsMonitoring true for the measured values (EVSE Power, ACVoltage, Controller Uptime), false for a configuration variable', async function () {
    const { csms } = await startRig();
    assert.equal((await csms.getBaseReport(ID, 'FullInventory', 77)).status, 'Accepted');
    await csms.waitFor<NotifyReportRequest>(ID, 'NotifyReport', (p) => p.requestId === 77 && !p.tbc);
    const items = callRecords<NotifyReportRequest>(csms, 'NotifyReport').flatMap((r) => r.payload.reportData ?? []);
    const find = (a: Address) =>
      items.find((i) => i.component.name === a.component.name && i.component.evse?.id === a.component.evse?.id && i.variable.name === a.variable.name && i.variable.instance === a.variable.instance);
    for (const a of [at('EVSE', 'Power', undefined, 1), VOLTAGE_L1, UPTIME, ENERGY, RECONNECTS]) {
      assert.equal(find(a)?.variableCharacteristics?.supportsMonitoring, true, JSON.stringify(a));
    }
    assert.equal(find(at('OCPPCommCtrlr', 'HeartbeatInterval'))?.variableCharacteristics?.supportsMonitoring, false);
    assert.equal(find(UPTIME)?.variableCharacteristics?.unit, 's');
  });

  it('a SetVariableMonitoring UpperThreshold on Controller Uptime is Accepted and raises a NotifyEvent once crossed', async function () {
    const rig = await startRig();
    const [uptime] = await numbers(rig.csms, [UPTIME]);
    const threshold = uptime! + 2;
    const answer = (await rig.csms.call(ID, 'SetVariableMonitoring', {
      setMonitoringData: [{ ...UPTIME, type: 'UpperThreshold', value: threshold, severity: 5 }],
    })) as SetVariableMonitoringResponse;
    const [result] = answer.setMonitoringResult;
    assert.equal(result.status, 'Accepted');
    const events = () => calls<NotifyEventRequest>(rig.csms, 'NotifyEvent').flatMap((r) => r.eventData).filter((e) => e.variableMonitoringId === result.id);
    assert.deepEqual(events(), [], 'nothing before the threshold');
    await until(() => events().length >= 1, 8000, 'the Uptime monitor raises');
    const [raised] = events();
    assert.equal(raised!.eventNotificationType, 'CustomMonitor');
    assert.deepEqual(raised!.component, UPTIME.component);
    assert.equal(raised!.variable.name, 'Uptime');
    assert.ok(Number(raised!.actualValue) > threshold, `actualValue ${raised!.actualValue} over ${threshold}`);
  });
});
