import assert from 'node:assert/strict';
import type {
  ClearChargingProfileResponse,
  GetChargingProfilesResponse,
  GetCompositeScheduleResponse,
  ReportChargingProfilesRequest,
  RequestStartTransactionResponse,
  SetChargingProfileResponse,
} from 'ocpp-messages/v2.0/index.js';
import type { ChargingProfileType, ChargingSchedulePeriodType } from 'ocpp-messages/v2.0/SetChargingProfileRequest.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import {
  afterEachTest,
  assertCallError,
  calls,
  ID,
  plugIn,
  rawCall,
  startAgent,
  startCharging,
  startRig,
  stopAgent,
  txEvents,
  until,
  waitForAccepted,
  waitForTx,
  type ConfigChanges,
} from './rig.js';

/**
 * OCPP 2.0.1 smart charging messages against the development CSMS (block K): SetChargingProfile
 * (K01) accepted and rejected with its reason code, GetChargingProfiles and its reports (K09),
 * ClearChargingProfile (K10), GetCompositeSchedule (K08), RequestStartTransaction with a TxProfile
 * (K05, F01.FR.08-12), SmartChargingCtrlr; and a profile reaching the vehicle through the
 * simulated control pilot. The composite's arithmetic is the service's tests'.
 */

const NOW = (): number => Date.now();
const iso = (ms: number): string => new Date(ms).toISOString();

/** A profile of one schedule in A; Absolute from an hour ago unless told otherwise. */
function profile(id: number, periods: ChargingSchedulePeriodType[], changes: Partial<ChargingProfileType> = {}): ChargingProfileType {
  const kind = changes.chargingProfileKind ?? 'Absolute';
  return {
    id,
    stackLevel: 0,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: kind,
    chargingSchedule: [
      {
        id: 1,
        ...(kind === 'Relative' ? {} : { startSchedule: iso(NOW() - 3_600_000) }),
        chargingRateUnit: 'A',
        chargingSchedulePeriod: periods as ChargingProfileType['chargingSchedule'][0]['chargingSchedulePeriod'],
      },
    ],
    ...changes,
  };
}

const flat = (limit: number): ChargingSchedulePeriodType[] => [{ startPeriod: 0, limit }];

const setProfile = (csms: DevCsms, evseId: number, chargingProfile: ChargingProfileType): Promise<SetChargingProfileResponse> =>
  csms.call(ID, 'SetChargingProfile', { evseId, chargingProfile }) as Promise<SetChargingProfileResponse>;

const getProfiles = (csms: DevCsms, requestId: number, request: object = {}): Promise<GetChargingProfilesResponse> =>
  csms.call(ID, 'GetChargingProfiles', { requestId, chargingProfile: {}, ...request }) as Promise<GetChargingProfilesResponse>;

const clearProfiles = (csms: DevCsms, request: object): Promise<ClearChargingProfileResponse> =>
  csms.call(ID, 'ClearChargingProfile', request) as Promise<ClearChargingProfileResponse>;

const composite = (csms: DevCsms, evseId: number, duration: number, chargingRateUnit?: 'A' | 'W'): Promise<GetCompositeScheduleResponse> =>
  csms.call(ID, 'GetCompositeSchedule', { evseId, duration, ...(chargingRateUnit ? { chargingRateUnit } : {}) }) as Promise<GetCompositeScheduleResponse>;

/** The reports of one GetChargingProfiles, once the last (without tbc) is in. */
async function reportsOf(csms: DevCsms, requestId: number): Promise<ReportChargingProfilesRequest[]> {
  const mine = (): ReportChargingProfilesRequest[] => calls<ReportChargingProfilesRequest>(csms, 'ReportChargingProfiles').filter((r) => r.requestId === requestId);
  await until(() => mine().some((r) => !r.tbc), 3000, `the last ReportChargingProfiles of request ${requestId}`);
  return mine();
}

async function smartChargingVariable(csms: DevCsms, name: string, instance?: string): Promise<string | undefined> {
  const got = await csms.getVariables(ID, [{ component: { name: 'SmartChargingCtrlr' }, variable: instance ? { name, instance } : { name } }]);
  return got.getVariableResult[0]!.attributeValue;
}

/** The CSMS' reason code of a Rejected answer. */
const reasonOf = (answer: { status: string; statusInfo?: { reasonCode: string } }): string => `${answer.status} ${answer.statusInfo?.reasonCode ?? ''}`.trim();

describe('OCPP 2.0.1 integration: smart charging (K01, K05, K08-K10)', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('K01 Accepted, K09 reported (requestId, CSO, its EVSE), K01.FR.05 same id replaces, Entries counts, K10 by id Accepted then Unknown (K10.FR.01), NoProfiles', async () => {
    const { csms } = await startRig();
    assert.equal(await smartChargingVariable(csms, 'Entries', 'ChargingProfiles'), '0');
    assert.deepEqual(await setProfile(csms, 1, profile(11, flat(16))), { status: 'Accepted' });
    assert.deepEqual(await setProfile(csms, 0, profile(12, flat(40), { chargingProfilePurpose: 'ChargingStationMaxProfile' })), { status: 'Accepted' });
    assert.deepEqual(await setProfile(csms, 1, profile(11, flat(13))), { status: 'Accepted' }, 'the same id again');
    assert.equal(await smartChargingVariable(csms, 'Entries', 'ChargingProfiles'), '2');

    assert.deepEqual(await getProfiles(csms, 7), { status: 'Accepted' });
    const reports = await reportsOf(csms, 7);
    assert.deepEqual(
      reports.map((r) => [r.evseId, r.chargingLimitSource, r.chargingProfile.map((p) => [p.id, p.chargingSchedule[0].chargingSchedulePeriod[0].limit])]),
      [
        [0, 'CSO', [[12, 40]]],
        [1, 'CSO', [[11, 13]]],
      ],
    );
    assert.deepEqual(
      reports.map((r) => r.tbc),
      [true, undefined],
      'K09.FR.02',
    );
    // K09.FR.05: EVSE 0 is the station's own; criteria match as a logical AND.
    assert.deepEqual(await getProfiles(csms, 8, { evseId: 0 }), { status: 'Accepted' });
    assert.deepEqual((await reportsOf(csms, 8)).flatMap((r) => r.chargingProfile.map((p) => p.id)), [12]);
    assert.deepEqual(await getProfiles(csms, 9, { chargingProfile: { chargingProfilePurpose: 'TxProfile' } }), { status: 'NoProfiles' });
    assert.deepEqual(await getProfiles(csms, 10, { chargingProfile: { chargingLimitSource: ['EMS'] } }), { status: 'NoProfiles' }, 'every profile here is the CSO\'s');

    assert.deepEqual(await clearProfiles(csms, { chargingProfileId: 11 }), { status: 'Accepted' });
    assert.equal((await clearProfiles(csms, { chargingProfileId: 11 })).status, 'Unknown');
    assert.equal(await smartChargingVariable(csms, 'Entries', 'ChargingProfiles'), '1');
  });

  it('K01 Rejected, nothing installed: malformed and contradictory profiles, each with its reason code', async () => {
    const { csms, agent } = await startRig();
    const rejected = async (evseId: number, p: ChargingProfileType): Promise<string> => {
      const answer = await setProfile(csms, evseId, p);
      assert.equal(answer.status, 'Rejected', JSON.stringify(p));
      assert.ok(answer.statusInfo?.additionalInfo, 'additionalInfo says why');
      return reasonOf(answer);
    };
    assert.equal(await rejected(1, profile(1, [{ startPeriod: 0, limit: 16 }, { startPeriod: 600, limit: 8 }, { startPeriod: 300, limit: 10 }])), 'Rejected InvalidSchedule', 'periods not increasing (K01.FR.35)');
    assert.equal(await rejected(1, profile(2, [{ startPeriod: 60, limit: 16 }])), 'Rejected InvalidSchedule', 'the first period not at 0 (K01.FR.31)');
    assert.equal(await rejected(1, profile(3, flat(16), { chargingProfileKind: 'Relative', chargingSchedule: [{ id: 1, startSchedule: iso(NOW()), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] }] })), 'Rejected InvalidSchedule', 'Relative with a startSchedule (K01.FR.41)');
    assert.equal(await rejected(1, profile(4, flat(16), { chargingProfilePurpose: 'TxProfile', transactionId: 'no-such-transaction' })), 'Rejected TxNotFound', 'a TxProfile and no transaction (K01.FR.09)');
    assert.equal(await rejected(1, profile(5, flat(16), { stackLevel: 9 })), 'Rejected InvalidStackLevel', 'over ProfileStackLevel 8');
    const periods = Array.from({ length: 49 }, (_, i) => ({ startPeriod: i * 60, limit: 16 }));
    assert.equal(await rejected(1, profile(6, periods)), 'Rejected TooManyElements', 'over PeriodsPerSchedule 48');
    assert.equal(await rejected(7, profile(7, flat(16))), 'Rejected UnknownEvse', 'K01.FR.28');
    assert.equal(await rejected(1, profile(8, flat(16), { chargingProfilePurpose: 'ChargingStationMaxProfile' })), 'Rejected InvalidSchedule', 'a station maximum on an EVSE');
    assert.equal(await rejected(1, profile(9, [{ startPeriod: 0, limit: 16, numberPhases: 1 }])), 'Rejected UnsupportedParam', 'K01.FR.43: 1 phase on a 3-phase EVSE that cannot switch');
    const two = profile(10, flat(16)).chargingSchedule[0];
    assert.equal(await rejected(1, profile(10, flat(16), { chargingSchedule: [two, { ...two, id: 2 }] })), 'Rejected InvalidProfile', 'K01.FR.34: two schedules without ISO 15118');
    assert.equal(await rejected(1, profile(11, flat(16), { chargingProfileKind: 'Recurring' })), 'Rejected InvalidSchedule', 'Recurring without its recurrencyKind');
    assert.equal(agent.chargingControl?.smartCharging.installed().length, 0);

    // K01.FR.06: the same stack level, purpose and EVSE with overlapping validity; K01.FR.52/53 across EVSE 0 and an EVSE.
    const tomorrow = iso(NOW() + 86_400_000);
    assert.equal((await setProfile(csms, 1, profile(20, flat(16), { stackLevel: 2, validTo: tomorrow }))).status, 'Accepted');
    assert.equal(await rejected(1, profile(21, flat(10), { stackLevel: 2 })), 'Rejected DuplicateProfile');
    assert.equal(await rejected(0, profile(22, flat(10), { stackLevel: 2, validFrom: tomorrow })), 'Rejected DuplicateProfile', 'K01.FR.52: whatever the validity');
    // K01.FR.36/37: valid from validFrom, until before validTo.
    assert.equal((await setProfile(csms, 1, profile(23, flat(10), { stackLevel: 2, validFrom: tomorrow }))).status, 'Accepted', 'validity that does not overlap');

    // Malformed beyond the schema: the RPC layer answers, the service never sees it.
    const answer = await rawCall(csms, `[2,"bad-profile","SetChargingProfile",{"evseId":1,"chargingProfile":{"id":30,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute","chargingSchedule":[]}}]`, 'bad-profile');
    assertCallError(answer, 'OccurrenceConstraintViolation');
    assert.deepEqual(
      agent.chargingControl?.smartCharging.installed().map((p) => p.profile.id).sort(),
      [20, 23],
    );
  });

  it('K01.FR.04 a TxProfile on the running transaction; K01.FR.33 an unknown transactionId Rejected; K08 composite in A and W, unknown EVSE Rejected (K08.FR.05); the profile ends with its transaction', async () => {
    const rig = await startRig();
    const { csms, agent } = rig;
    const none = await composite(csms, 1, 600);
    assert.equal(none.status, 'Accepted');
    assert.deepEqual(none.schedule?.chargingSchedulePeriod, [{ startPeriod: 0, limit: 32 }], 'no profile: what the EVSE can draw');

    const transactionId = await startCharging(rig);
    assert.equal(reasonOf(await setProfile(csms, 1, profile(40, flat(10), { chargingProfilePurpose: 'TxProfile', transactionId: 'another' }))), 'Rejected TxNotFound');
    assert.deepEqual(await setProfile(csms, 1, profile(41, flat(10), { chargingProfilePurpose: 'TxProfile', transactionId })), { status: 'Accepted' });
    assert.deepEqual(await setProfile(csms, 1, profile(42, flat(20))), { status: 'Accepted' }, 'a TxDefaultProfile the TxProfile overrules');

    const inA = await composite(csms, 1, 900);
    assert.equal(inA.status, 'Accepted');
    assert.equal(inA.schedule?.evseId, 1);
    assert.equal(inA.schedule?.duration, 900);
    assert.equal(inA.schedule?.chargingRateUnit, 'A');
    assert.ok(Math.abs(Date.parse(inA.schedule!.scheduleStart) - NOW()) < 5000, 'from now (K08.FR.02)');
    assert.deepEqual(inA.schedule?.chargingSchedulePeriod, [{ startPeriod: 0, limit: 10 }]);
    const inW = await composite(csms, 1, 900, 'W');
    assert.deepEqual(inW.schedule?.chargingSchedulePeriod, [{ startPeriod: 0, limit: 6900 }], '10 A x 230 V x 3 phases');
    assert.equal(reasonOf(await composite(csms, 5, 900)), 'Rejected UnknownEvse');
    assert.equal(agent.chargingControl?.smartCharging.limitOf(1)?.valueA, 10);

    assert.equal((await csms.requestStopTransaction(ID, transactionId)).status, 'Accepted');
    await waitForTx(csms, (t) => t.eventType === 'Ended');
    await until(() => agent.chargingControl?.smartCharging.installed({ purpose: 'TxProfile' }).length === 0, 3000, 'the TxProfile to go with its transaction');
    assert.deepEqual((await composite(csms, 1, 900)).schedule?.chargingSchedulePeriod, [{ startPeriod: 0, limit: 20 }], 'K08.FR.06: the TxDefaultProfile, as for a new transaction');
  });

  it('K10 by criteria (a logical AND, K10.FR.04), all with none; external constraints are not the CSMS\' (K10.FR.06): Unknown', async () => {
    const { csms, agent } = await startRig();
    for (const [id, evseId, stackLevel] of [[1, 0, 0], [2, 1, 1], [3, 1, 2]] as const) {
      assert.equal((await setProfile(csms, evseId, profile(id, flat(16), { stackLevel }))).status, 'Accepted');
    }
    assert.equal((await clearProfiles(csms, { chargingProfileCriteria: { evseId: 1, stackLevel: 2 } })).status, 'Accepted');
    assert.deepEqual(agent.chargingControl?.smartCharging.installed().map((p) => p.profile.id).sort(), [1, 2]);
    assert.equal((await clearProfiles(csms, { chargingProfileCriteria: { evseId: 1, chargingProfilePurpose: 'ChargingStationMaxProfile' } })).status, 'Unknown');
    assert.equal((await clearProfiles(csms, { chargingProfileCriteria: { chargingProfilePurpose: 'ChargingStationExternalConstraints' } })).status, 'Unknown');
    assert.equal((await clearProfiles(csms, {})).status, 'Accepted');
    assert.equal(agent.chargingControl?.smartCharging.installed().length, 0);
  });

  it('K05 RequestStartTransaction with a profile: not a TxProfile (F01.FR.09), with a transactionId (F01.FR.11), an invalid schedule (F01.FR.26): Rejected and nothing starts', async () => {
    const { csms, agent } = await startRig();
    const start = (chargingProfile: ChargingProfileType): Promise<RequestStartTransactionResponse> =>
      csms.requestStartTransaction(ID, { evseId: 1, idToken: { idToken: 'REMOTE-1', type: 'Central' }, chargingProfile });
    assert.equal(reasonOf(await start(profile(50, flat(10)))), 'Rejected InvalidProfile');
    assert.equal(reasonOf(await start(profile(51, flat(10), { chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', transactionId: 'x' }))), 'Rejected InvalidProfile');
    assert.equal(reasonOf(await start(profile(52, [{ startPeriod: 5, limit: 10 }], { chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative' }))), 'Rejected InvalidSchedule');
    assert.equal(agent.station.snapshot()[0]!.authorizedIdToken, undefined, 'no authorization from a rejected start');
  });

  it('SmartChargingCtrlr: the variables of the appendix; Enabled false (SetVariables): SetChargingProfile Rejected NotEnabled, a remote start\'s profile ignored (F01.FR.12)', async () => {
    const { csms, agent } = await startRig();
    const names: Array<[string, string?]> = [
      ['Available'], ['Enabled'], ['Entries', 'ChargingProfiles'], ['LimitChangeSignificance'], ['PeriodsPerSchedule'], ['ProfileStackLevel'],
      ['RateUnit'], ['ExternalControlSignalsEnabled'], ['NotifyChargingLimitWithSchedules'], ['Phases3to1'], ['ACPhaseSwitchingSupported'],
    ];
    const values = await Promise.all(names.map(([name, instance]) => smartChargingVariable(csms, name, instance)));
    assert.deepEqual(values, ['true', 'true', '0', '1', '48', '8', 'A,W', 'true', 'false', 'false', 'false']);
    const readOnly = await csms.setVariables(ID, [{ component: { name: 'SmartChargingCtrlr' }, variable: { name: 'RateUnit' }, attributeValue: 'A' }]);
    assert.equal(readOnly.setVariableResult[0]!.attributeStatus, 'Rejected');

    const off = await csms.setVariables(ID, [{ component: { name: 'SmartChargingCtrlr' }, variable: { name: 'Enabled' }, attributeValue: 'false' }]);
    assert.equal(off.setVariableResult[0]!.attributeStatus, 'Accepted');
    assert.equal(reasonOf(await setProfile(csms, 1, profile(60, flat(10)))), 'Rejected NotEnabled');
    const started = await csms.requestStartTransaction(ID, { evseId: 1, idToken: { idToken: 'REMOTE-1', type: 'Central' }, chargingProfile: profile(61, flat(10), { chargingProfilePurpose: 'TxDefaultProfile' }) });
    assert.equal(started.status, 'Accepted', 'the profile is ignored, even one that is no TxProfile');
    await plugIn(agent);
    await waitForTx(csms, (t) => t.eventType === 'Started');
    assert.equal(agent.chargingControl?.smartCharging.installed().length, 0);
  });

  it('K01.FR.27 profiles persist across a restart, and limit the EVSE again (K07: with or without the CSMS)', async () => {
    const rig = await startRig();
    assert.equal((await setProfile(rig.csms, 1, profile(70, flat(12)))).status, 'Accepted');
    await stopAgent(rig.agent);
    const { agent } = await startAgent(rig.file);
    await waitForAccepted(rig.csms, agent);
    assert.deepEqual(agent.chargingControl?.smartCharging.installed().map((p) => p.profile.id), [70]);
    assert.equal(await smartChargingVariable(rig.csms, 'Entries', 'ChargingProfiles'), '1');
    assert.deepEqual(agent.status().evses[0]!.limit, { valueA: 12, source: 'TxDefaultProfile' });
  });
});

/** A simulated pilot board (IEC 61851-1) in place of plug detect, as in ../scenarios/control-pilot.test.ts. */
const withPilot: ConfigChanges = (doc) => {
  const evse = doc['evses'][0];
  evse.pilot = { driver: 'simulated', pollIntervalMs: 50 };
  for (const c of evse.connectors) delete c.plugDetect;
};

describe('OCPP 2.0.1 integration: a charging profile reaches the vehicle through the control pilot', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('a TxProfile of 10 A: the pilot offers 10 A, a TransactionEvent says ChargingRateChanged (LimitChangeSignificance); cleared (K10.FR.05): the EVSE maximum again', async () => {
    const rig = await startRig({ config: withPilot });
    const { csms, agent } = rig;
    const board = agent.hardware.simulation.pilotBoard(1);
    const transactionId = await startCharging(rig);
    await until(() => board.offeredCurrentA === 32, 3000, 'the full offer before any profile');
    assert.deepEqual(await setProfile(csms, 1, profile(80, flat(10), { chargingProfilePurpose: 'TxProfile', transactionId })), { status: 'Accepted' });
    await until(() => board.offeredCurrentA === 10, 3000, 'the pilot to offer 10 A');
    assert.equal(agent.status().evses[0]!.offeredCurrentA, 10);
    assert.deepEqual(agent.status().evses[0]!.limit, { valueA: 10, source: 'TxProfile' });
    await until(() => txEvents(csms, transactionId).some((e) => e.triggerReason === 'ChargingRateChanged'), 3000, 'TransactionEvent ChargingRateChanged');
    assert.equal((await clearProfiles(csms, { chargingProfileId: 80 })).status, 'Accepted');
    await until(() => board.offeredCurrentA === 32, 3000, 'the full offer again');
  });

  it('K05 RequestStartTransaction with a 10 A TxProfile: installed on the transaction it starts (F01.FR.10), the pilot offers 10 A', async () => {
    const { csms, agent } = await startRig({ config: withPilot });
    const board = agent.hardware.simulation.pilotBoard(1);
    await plugIn(agent);
    const txProfile = profile(90, flat(10), { chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative' });
    const answer = await csms.requestStartTransaction(ID, { evseId: 1, idToken: { idToken: 'REMOTE-1', type: 'Central' }, remoteStartId: 77, chargingProfile: txProfile });
    assert.equal(answer.status, 'Accepted');
    const started = await waitForTx(csms, (t) => t.eventType === 'Started');
    await until(() => board.offeredCurrentA === 10, 3000, 'the pilot to offer 10 A');
    const installed = agent.chargingControl?.smartCharging.installed({ purpose: 'TxProfile' }) ?? [];
    assert.deepEqual(
      installed.map((p) => [p.evseId, p.profile.id, p.profile.transactionId]),
      [[1, 90, started.transactionInfo.transactionId]],
    );
  });
});
