import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GetVariablesResponse, NotifyReportRequest, SetVariablesRequest } from 'ocpp-messages/v2.0/index.js';
import type { ReportDataType } from 'ocpp-messages/v2.0/NotifyReportRequest.js';
import { Secret } from '../../../src/config/station-config.js';
import { isRpcErrorAnswer, type ComponentAddress, type DeviceModel, type ReportAnswer, type VariableChange } from '../../../src/ocpp/v201/device-model/device-model.js';
import { buildStationDeviceModel, type AvailabilityState, type StationDescription, type StationLive } from '../../../src/ocpp/v201/device-model/station-variables.js';
import { assertValidOcpp } from './ocpp-schema.js';

/**
 * What the station device model tests share: a two-EVSE station, a fresh model per test in a folder
 * of its own (stationModelHooks, registered in each describe), and GetVariables / SetVariables
 * helpers that check every answer against the schema.
 */

export const PASSWORD = 'Kx7-Pq2_Zr9=Lm4+Vt8|Wn';

export const station: StationDescription = {
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

/** One test's model and what it reads and reports. */
export interface StationModelFixture {
  model: DeviceModel;
  warnings: string[];
  changes: VariableChange[];
  /** What availabilityState answers, by "evseId.connectorId"; Available when absent. */
  states: Map<string, AvailabilityState>;
  /** The EVSE ids (as strings, '' for the station) with a problem. */
  problems: Set<string>;
  live: StationLive;
  /** The model's storage folder, and the folder of the describe's models. */
  dir: string;
  tmp: string;
  /** The number of this test's model, for folders of its own. */
  seq: number;
}

/** Registers, in the calling describe, a fresh model before each test; `use` gets it. */
export function stationModelHooks(use: (fixture: StationModelFixture) => void): void {
  let tmp = '';
  let seq = 0;
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'evse-station-dm-'));
  });
  after(() => {
    rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(() => {
    const states = new Map<string, AvailabilityState>();
    const problems = new Set<string>();
    const live: StationLive = {
      availabilityState: (evseId, connectorId) => states.get(`${evseId ?? ''}.${connectorId ?? ''}`) ?? 'Available',
      dateTime: () => '2025-03-01T12:00:00.000Z',
      evsePowerW: (evseId) => (evseId === 1 ? 11040.4 : undefined),
      problem: (evseId) => problems.has(String(evseId ?? '')),
    };
    const dir = path.join(tmp, `s${++seq}`);
    const warnings: string[] = [];
    const model = buildStationDeviceModel(station, live, dir, (m) => warnings.push(m));
    const changes: VariableChange[] = [];
    model.changes$.subscribe((c) => changes.push(c));
    use({ model, warnings, changes, states, problems, live, dir, tmp, seq });
  });
}

export type Ref = [component: string | ComponentAddress, variable: string, instance?: string];
export const component = (c: string | ComponentAddress): ComponentAddress => (typeof c === 'string' ? { name: c } : c);
export const variable = (name: string, instance?: string) => ({ name, ...(instance !== undefined ? { instance } : {}) });

/** GetVariables and SetVariables of single variables on the current test's model, answers checked against the schema. */
export function variableAccess(model: () => DeviceModel) {
  function get(...refs: Ref[]): GetVariablesResponse['getVariableResult'] {
    const answer = model().getVariables({ getVariableData: refs.map(([c, v, i]) => ({ component: component(c), variable: variable(v, i) })) as never });
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
    const answer = await model().setVariables(request);
    assert.ok(!isRpcErrorAnswer(answer));
    assertValidOcpp('SetVariablesResponse', answer);
    return answer.setVariableResult[0];
  }

  return { get, value, set };
}

export const evse = (id: number): ComponentAddress => ({ name: 'EVSE', evse: { id } });
export const connector = (id: number, connectorId: number): ComponentAddress => ({ name: 'Connector', evse: { id, connectorId } });
export const refOf = (r: ReportDataType): string =>
  `${r.component.name}${r.component.evse ? `@${r.component.evse.id}${r.component.evse.connectorId !== undefined ? `.${r.component.evse.connectorId}` : ''}` : ''}/${r.variable.name}${r.variable.instance ? `[${r.variable.instance}]` : ''}`;

export function validReports(answer: ReportAnswer<unknown>): NotifyReportRequest[] {
  for (const body of answer.notifyReports) assertValidOcpp('NotifyReportRequest', body);
  return answer.notifyReports;
}
