import assert from 'node:assert/strict';
import type {
  ClearChargingProfileRequest,
  ClearChargingProfileResponse,
  GetCompositeScheduleResponse,
  SetChargingProfileRequest,
  SetChargingProfileResponse,
} from 'ocpp-messages/v1.6/index.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import {
  afterEachTest,
  ID,
  logLines,
  plugIn,
  rawCall,
  startCharging16,
  startRig16,
  unplug,
  until,
  waitForStatus,
  waitForStop,
  type ConfigChanges,
  type Rig,
} from './rig.js';

/**
 * OCPP 1.6 Smart Charging profile against the development CSMS: 5.16 SetChargingProfile, 5.5
 * ClearChargingProfile, 5.7 GetCompositeSchedule, 5.11/5.16.2 RemoteStartTransaction with a
 * TxProfile, the 9.4 keys. The station: one EVSE of 32 A on 3 phases (connector 1). What the
 * service computes is checked through GetCompositeSchedule, as the Central System sees it.
 */

type Profile16 = SetChargingProfileRequest['csChargingProfiles'];

/** config/simulator.json's EVSE: 32 A on 3 phases; where no profile limits, the composite tells this. */
const EVSE_MAX_A = 32;

const HOUR_AGO = (): string => new Date(Date.now() - 3_600_000).toISOString();

/** A profile of `purpose` limiting to `limit` A from an hour ago (Absolute), or from the transaction's start (Relative). */
function profile(id: number, purpose: Profile16['chargingProfilePurpose'], limit: number, changes: Partial<Profile16> = {}): Profile16 {
  const relative = changes.chargingProfileKind === 'Relative';
  return {
    chargingProfileId: id,
    stackLevel: 0,
    chargingProfilePurpose: purpose,
    chargingProfileKind: 'Absolute',
    chargingSchedule: {
      ...(relative ? {} : { startSchedule: HOUR_AGO() }),
      chargingRateUnit: 'A',
      chargingSchedulePeriod: [{ startPeriod: 0, limit }],
    },
    ...changes,
  };
}

async function setProfile(csms: DevCsms, connectorId: number, p: Profile16): Promise<string> {
  const answer = (await csms.call(ID, 'SetChargingProfile', { connectorId, csChargingProfiles: p })) as SetChargingProfileResponse;
  return answer.status;
}

async function clearProfiles(csms: DevCsms, request: ClearChargingProfileRequest): Promise<string> {
  return ((await csms.call(ID, 'ClearChargingProfile', request)) as ClearChargingProfileResponse).status;
}

async function composite(csms: DevCsms, connectorId: number, duration = 600, chargingRateUnit?: 'A' | 'W'): Promise<GetCompositeScheduleResponse> {
  return (await csms.call(ID, 'GetCompositeSchedule', { connectorId, duration, ...(chargingRateUnit ? { chargingRateUnit } : {}) })) as GetCompositeScheduleResponse;
}

/** The composite limits of a connector for the next 10 minutes: [startPeriod, limit] pairs. */
async function limits(csms: DevCsms, connectorId: number, unit: 'A' | 'W' = 'A'): Promise<Array<[number, number]>> {
  const answer = await composite(csms, connectorId, 600, unit);
  assert.equal(answer.status, 'Accepted');
  return answer.chargingSchedule!.chargingSchedulePeriod.map((p) => [p.startPeriod, p.limit]);
}

/** A simulated pilot board with a vehicle behind it (IEC 61851-1): the pilot says whether a vehicle is in. */
const withPilot: ConfigChanges = (doc) => {
  const evse = doc['evses'][0];
  evse.pilot = { driver: 'simulated', pollIntervalMs: 50 };
  for (const c of evse.connectors) delete c.plugDetect;
};

/** Polls an asynchronous condition (a CSMS call) every 50 ms. */
async function eventually<T>(value: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await value();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('OCPP 1.6 integration: smart charging (3.13, 5.5, 5.7, 5.16, 9.4)', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('9.4 the Smart Charging keys are reported read-only and SmartCharging is a supported profile; GetCompositeSchedule without profiles: the EVSE\'s maximum', async () => {
    const { csms, agent } = await startRig16();
    assert.deepEqual([agent.config.evses[0]!.maxCurrentA, agent.config.evses[0]!.phases], [EVSE_MAX_A, 3]);
    const all = await csms.getConfiguration(ID, ['SupportedFeatureProfiles', 'ChargeProfileMaxStackLevel', 'ChargingScheduleAllowedChargingRateUnit', 'ChargingScheduleMaxPeriods', 'ConnectorSwitch3to1PhaseSupported', 'MaxChargingProfilesInstalled']);
    const byKey = new Map(all.configurationKey!.map((k) => [k.key, k]));
    assert.match(byKey.get('SupportedFeatureProfiles')!.value!, /(^|,)SmartCharging(,|$)/);
    assert.equal(byKey.get('ChargingScheduleAllowedChargingRateUnit')!.value, 'Current,Power');
    assert.equal(byKey.get('ConnectorSwitch3to1PhaseSupported')!.value, 'false');
    for (const key of ['ChargeProfileMaxStackLevel', 'ChargingScheduleMaxPeriods', 'MaxChargingProfilesInstalled']) {
      assert.ok(Number(byKey.get(key)!.value) > 0, key);
      assert.equal(byKey.get(key)!.readonly, true, key);
    }
    assert.equal(all.unknownKey, undefined);

    const answer = await composite(csms, 1, 300);
    assert.equal(answer.status, 'Accepted');
    assert.equal(answer.connectorId, 1);
    assert.ok(Math.abs(Date.parse(answer.scheduleStart!) - Date.now()) < 5000, 'from now');
    assert.deepEqual(answer.chargingSchedule!.chargingSchedulePeriod, [{ startPeriod: 0, limit: EVSE_MAX_A }]);
    assert.equal(answer.chargingSchedule!.duration, 300);
  });

  it('5.16 a TxDefaultProfile and a ChargePointMaxProfile are Accepted and make the composite (the lowest, 3.13.3; in W with 230 V x 3 phases); connector 0 is the Charge Point\'s own', async () => {
    const { csms } = await startRig16();
    assert.equal(await setProfile(csms, 1, profile(1, 'TxDefaultProfile', 10)), 'Accepted');
    assert.deepEqual(await limits(csms, 1), [[0, 10]]);
    assert.deepEqual(await limits(csms, 1, 'W'), [[0, 6900]]);
    // A ChargePointMaxProfile below it, from 5 minutes on.
    const max = profile(2, 'ChargePointMaxProfile', 8, { chargingSchedule: { startSchedule: new Date(Date.now() + 300_000).toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 8 }] } });
    assert.equal(await setProfile(csms, 0, max), 'Accepted');
    const withMax = await limits(csms, 1);
    assert.equal(withMax.length, 2);
    assert.deepEqual(withMax[0], [0, 10]);
    assert.ok(Math.abs(withMax[1]![0] - 300) <= 2 && withMax[1]![1] === 8, JSON.stringify(withMax));
    // The Charge Point as a whole: only its maximum counts, the rest is its EVSE's maximum.
    const station = await limits(csms, 0);
    assert.deepEqual(station[0], [0, EVSE_MAX_A]);
    assert.equal(station[1]![1], 8);
    // 5.7: an unknown connector is Rejected.
    assert.deepEqual(await composite(csms, 7), { status: 'Rejected' });
  });

  it('3.13.2 a profile with the stack level and purpose of an installed one replaces it; 5.5 ClearChargingProfile by id, by criteria, all; Unknown when none matched', async () => {
    const { csms } = await startRig16();
    assert.equal(await setProfile(csms, 1, profile(1, 'TxDefaultProfile', 10, { stackLevel: 1 })), 'Accepted');
    assert.equal(await setProfile(csms, 1, profile(2, 'TxDefaultProfile', 12, { stackLevel: 1 })), 'Accepted');
    assert.deepEqual(await limits(csms, 1), [[0, 12]], 'profile 2 replaced profile 1');
    assert.equal(await clearProfiles(csms, { id: 1 }), 'Unknown', 'profile 1 is gone');
    // Stacking: the higher stack level leads.
    assert.equal(await setProfile(csms, 1, profile(3, 'TxDefaultProfile', 6, { stackLevel: 2 })), 'Accepted');
    assert.deepEqual(await limits(csms, 1), [[0, 6]]);
    assert.equal(await clearProfiles(csms, { connectorId: 1, chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 2 }), 'Accepted');
    assert.deepEqual(await limits(csms, 1), [[0, 12]]);
    assert.equal(await clearProfiles(csms, { connectorId: 0 }), 'Unknown', 'nothing on connector 0');
    assert.equal(await clearProfiles(csms, { connectorId: 9 }), 'Unknown', 'no connector 9');
    assert.equal(await clearProfiles(csms, { id: 2 }), 'Accepted');
    assert.deepEqual(await limits(csms, 1), [[0, EVSE_MAX_A]]);
    assert.equal(await setProfile(csms, 0, profile(4, 'ChargePointMaxProfile', 10)), 'Accepted');
    assert.equal(await setProfile(csms, 0, profile(5, 'TxDefaultProfile', 9)), 'Accepted');
    assert.equal(await clearProfiles(csms, {}), 'Accepted');
    assert.equal(await clearProfiles(csms, {}), 'Unknown');
    assert.deepEqual(await limits(csms, 1), [[0, EVSE_MAX_A]]);
  });

  it('5.16 contradictory profiles are Rejected and the reason logged: the purpose on the wrong connector, a TxProfile without a transaction, too many periods, a stack level too high, bad schedules; malformed ones get a CALLERROR', async () => {
    const { csms } = await startRig16();
    const maxPeriods = Number((await csms.getConfiguration(ID, ['ChargingScheduleMaxPeriods'])).configurationKey![0]!.value);
    const maxStack = Number((await csms.getConfiguration(ID, ['ChargeProfileMaxStackLevel'])).configurationKey![0]!.value);
    const periods = (n: number): Profile16['chargingSchedule'] => ({
      startSchedule: HOUR_AGO(),
      chargingRateUnit: 'A',
      chargingSchedulePeriod: Array.from({ length: n }, (_, i) => ({ startPeriod: i * 60, limit: 10 })),
    });
    const refused: Array<[string, number, Profile16]> = [
      ['ChargePointMaxProfile on connector 1', 1, profile(10, 'ChargePointMaxProfile', 10)],
      ['TxProfile on connector 0', 0, profile(11, 'TxProfile', 10)],
      ['TxProfile without a transaction', 1, profile(12, 'TxProfile', 10)],
      ['TxProfile for an unknown transaction', 1, profile(13, 'TxProfile', 10, { transactionId: 4711 })],
      ['unknown connector', 5, profile(14, 'TxDefaultProfile', 10)],
      ['transactionId on a TxDefaultProfile', 1, profile(15, 'TxDefaultProfile', 10, { transactionId: 1 })],
      ['too many periods', 1, profile(16, 'TxDefaultProfile', 10, { chargingSchedule: periods(maxPeriods + 1) })],
      ['stack level too high', 1, profile(17, 'TxDefaultProfile', 10, { stackLevel: maxStack + 1 })],
      ['first period not at 0', 1, profile(18, 'TxDefaultProfile', 10, { chargingSchedule: { startSchedule: HOUR_AGO(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 60, limit: 10 }] } })],
      ['periods out of order', 1, profile(19, 'TxDefaultProfile', 10, { chargingSchedule: { startSchedule: HOUR_AGO(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }, { startPeriod: 600, limit: 8 }, { startPeriod: 300, limit: 6 }] } })],
      ['Recurring without recurrencyKind', 1, profile(20, 'TxDefaultProfile', 10, { chargingProfileKind: 'Recurring' })],
      ['Relative with a startSchedule', 1, profile(21, 'TxDefaultProfile', 10, { chargingProfileKind: 'Relative', chargingSchedule: periods(1) })],
      ['validTo before validFrom', 1, profile(22, 'TxDefaultProfile', 10, { validFrom: new Date().toISOString(), validTo: HOUR_AGO() })],
    ];
    for (const [what, connectorId, p] of refused) assert.equal(await setProfile(csms, connectorId, p), 'Rejected', what);
    assert.ok(logLines.some((l) => /SetChargingProfile 12 on connector 1 rejected: .*without a transaction/.test(l)), 'the reason is logged');
    assert.ok(await setProfile(csms, 1, profile(23, 'TxDefaultProfile', 10, { chargingSchedule: periods(maxPeriods) })) === 'Accepted', 'as many periods as allowed');
    assert.deepEqual(await limits(csms, 1), [[0, 10]], 'none of the refused ones counts');

    assert.equal(await setProfile(csms, 1, profile(24, 'TxDefaultProfile', 10, { stackLevel: -1 })), 'Rejected', 'a negative stack level (the schema allows it)');
    // Malformed (the schema): no schedule, a unit that is not one.
    const noSchedule = { connectorId: 1, csChargingProfiles: { chargingProfileId: 30, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute' } };
    const kW = { connectorId: 1, csChargingProfiles: { ...profile(31, 'TxDefaultProfile', 10), chargingSchedule: { ...periods(1), chargingRateUnit: 'kW' } } };
    for (const [i, payload] of [noSchedule, kW].entries()) {
      const answer = await rawCall(csms, JSON.stringify([2, `sc-${i}`, 'SetChargingProfile', payload]), `sc-${i}`);
      assert.equal(answer.kind, 'callError', JSON.stringify(answer.payload));
    }
    assert.deepEqual(await composite(csms, 1, 600, 'A').then((a) => a.chargingSchedule!.chargingSchedulePeriod), [{ startPeriod: 0, limit: 10 }]);
  });

  it('3.13.1 a TxProfile names the transaction by the CSMS\'s integer transactionId, overrules the TxDefaultProfile for that transaction only, and ends with it', async () => {
    const rig: Rig = await startRig16();
    const { csms } = rig;
    assert.equal(await setProfile(csms, 1, profile(1, 'TxDefaultProfile', 12)), 'Accepted');
    const { transactionId } = await startCharging16(rig);
    assert.equal(await setProfile(csms, 1, profile(2, 'TxProfile', 7, { transactionId: transactionId + 1 })), 'Rejected', 'another transaction');
    assert.equal(await setProfile(csms, 1, profile(2, 'TxProfile', 7, { transactionId, chargingProfileKind: 'Relative' })), 'Accepted');
    assert.deepEqual(await limits(csms, 1), [[0, 7]]);
    // Above the default: the TxProfile still leads (3.13.1, not the lowest of both).
    assert.equal(await setProfile(csms, 1, profile(3, 'TxProfile', 14, { stackLevel: 1, chargingProfileKind: 'Relative' })), 'Accepted', 'without transactionId: the running one');
    assert.deepEqual(await limits(csms, 1), [[0, 14]]);
    await unplug(rig.agent);
    await waitForStop(csms);
    await eventually(async () => (await clearProfiles(csms, { chargingProfilePurpose: 'TxProfile' })) === 'Unknown', 3000, 'the TxProfiles ended with their transaction');
    assert.deepEqual(await limits(csms, 1), [[0, 12]]);
  });

  it('5.11/5.16.2 RemoteStartTransaction with a TxProfile: installed for the transaction it starts, replaced by a SetChargingProfile of its stack level; any other purpose, or a transactionId, is Rejected', async () => {
    const rig: Rig = await startRig16();
    const { csms, agent } = rig;
    const tx = profile(5, 'TxProfile', 9, { chargingProfileKind: 'Relative', stackLevel: 1 });
    assert.deepEqual(await csms.remoteStartTransaction(ID, { connectorId: 1, idTag: 'REMOTE-1', chargingProfile: profile(6, 'TxDefaultProfile', 9) }), { status: 'Rejected' });
    assert.deepEqual(await csms.remoteStartTransaction(ID, { connectorId: 1, idTag: 'REMOTE-1', chargingProfile: { ...tx, transactionId: 1 } }), { status: 'Rejected' });
    assert.deepEqual(await csms.remoteStartTransaction(ID, { connectorId: 1, idTag: 'REMOTE-1', chargingProfile: { ...tx, stackLevel: 99 } }), { status: 'Rejected' }, 'a stack level the service refuses');
    assert.ok(logLines.some((l) => /RemoteStartTransaction rejected: its charging profile 6/.test(l)));
    assert.deepEqual(await csms.remoteStartTransaction(ID, { connectorId: 1, idTag: 'REMOTE-1', chargingProfile: tx }), { status: 'Accepted' });
    assert.deepEqual(await limits(csms, 1), [[0, EVSE_MAX_A]], 'nothing before the transaction');
    await plugIn(agent);
    const start = await csms.waitFor<{ idTag: string }>(ID, 'StartTransaction');
    assert.equal(start.payload.idTag, 'REMOTE-1');
    await eventually(async () => JSON.stringify(await limits(csms, 1)) === JSON.stringify([[0, 9]]), 3000, 'the remote start\'s TxProfile leads');
    const transactionId = await eventually(async () => agent.v16.csmsTransactionId(agent.station.evse(1)!.transaction!.id), 3000, 'the CSMS\'s transactionId');
    assert.equal(await setProfile(csms, 1, profile(8, 'TxProfile', 11, { transactionId, stackLevel: 1, chargingProfileKind: 'Relative' })), 'Accepted');
    assert.deepEqual(await limits(csms, 1), [[0, 11]]);
    assert.equal(await clearProfiles(csms, { id: 5 }), 'Unknown', 'profile 5 was replaced');
  });

  it('the limit reaches the vehicle through the pilot: a TxDefaultProfile\'s 10 A offered, a TxProfile\'s periods on time, 0 A pauses (SuspendedEVSE) and clearing it resumes', async () => {
    const rig: Rig = await startRig16({ config: withPilot });
    const { csms, agent } = rig;
    const board = agent.hardware.simulation.pilotBoard(1);
    const status = () => agent.status().evses[0]!;
    assert.equal(await setProfile(csms, 1, profile(1, 'TxDefaultProfile', 10)), 'Accepted');
    const { transactionId } = await startCharging16(rig);
    await until(() => board.offeredCurrentA === 10, 3000, `10 A offered (offer ${board.offeredCurrentA} A)`);
    assert.deepEqual(status().limit, { valueA: 10, source: 'TxDefaultProfile' });
    await waitForStatus(csms, 1, 'Charging');

    // A TxProfile from now: 8 A, then 13 A two seconds on (the service's timer, no request).
    const startSchedule = new Date(Date.now()).toISOString();
    const steps: Profile16 = profile(2, 'TxProfile', 8, {
      transactionId,
      chargingSchedule: { startSchedule, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 8 }, { startPeriod: 2, limit: 13 }] },
    });
    assert.equal(await setProfile(csms, 1, steps), 'Accepted');
    await until(() => board.offeredCurrentA === 8, 2000, `8 A offered (offer ${board.offeredCurrentA} A)`);
    assert.equal(status().limit.source, 'TxProfile');
    await until(() => board.offeredCurrentA === 13, 4000, `13 A offered at the period boundary (offer ${board.offeredCurrentA} A)`);

    // 0 A: paused by the station (3.13, IEC 61851-1: no offer), then resumed when the profile goes.
    assert.equal(await setProfile(csms, 1, profile(2, 'TxProfile', 0, { transactionId })), 'Accepted', 'same id: replaced');
    await until(() => board.offeredCurrentA === 0, 2000, `no offer (offer ${board.offeredCurrentA} A)`);
    await waitForStatus(csms, 1, 'SuspendedEVSE');
    assert.equal(await clearProfiles(csms, { id: 2 }), 'Accepted');
    await until(() => board.offeredCurrentA === 10, 2000, `10 A again (offer ${board.offeredCurrentA} A)`);
    await waitForStatus(csms, 1, 'Charging');
  });
});
