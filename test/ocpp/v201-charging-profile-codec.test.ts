import assert from 'node:assert/strict';
import type { ChargingProfileType } from 'ocpp-messages/v2.0/SetChargingProfileRequest.js';
import { compositeTo201, profileFrom201, profileTo201, REJECTION_REASON_CODES, type ProfileTimes } from '../../src/ocpp/v201/actions/charging-profile-codec.js';
import { clearCriteria } from '../../src/ocpp/v201/actions/clear-charging-profile.js';
import { chargingProfileReports } from '../../src/ocpp/v201/actions/get-charging-profiles.js';
import type { InstalledProfile } from '../../src/services/smart-charging/charging-profile.js';
import type { CompositeSchedule } from '../../src/services/smart-charging/composite-schedule.js';
import { assertValidOcpp } from './device-model/ocpp-schema.js';

/**
 * The 2.0.1 ChargingProfileType codec (Part 2 2.10, block K): the CSMS' times to the agent's and
 * back, what 2.0.1 itself rules out (K01.FR.22, .34), the reports of K09, the criteria of K10 and
 * the composite schedule of K08, each checked against the official schema. The service's own rules
 * are its tests'; the wire is test/integration/v201/smart-charging.test.ts.
 */

/** Part 2 appendix 5, the reason codes (reason_codes.csv). */
const APPENDIX_REASON_CODES =
  'CSNotAccepted DuplicateProfile DuplicateRequestId FixedCable FwUpdateInProgress InternalError InvalidCertificate InvalidCSR InvalidIdToken InvalidMessageSeq InvalidProfile InvalidSchedule InvalidStackLevel InvalidURL InvalidValue MissingDevModelInfo MissingParam NoCable NoError NotEnabled NotFound OutOfMemory OutOfStorage ReadOnly TooLargeElement TooManyElements TxInProgress TxNotFound TxStarted UnknownConnectorId UnknownConnectorType UnknownEvse UnknownTxId Unspecified UnsupportedParam UnsupportedRateUnit UnsupportedRequest ValueOutOfRange ValuePositiveOnly ValueTooHigh ValueTooLow ValueZeroNotAllowed WriteOnly';

/** The CSMS' clock is 60 s ahead of the agent's. */
const OFFSET_MS = 60_000;
const times: ProfileTimes = {
  toLocal: (t) => new Date(t.getTime() - OFFSET_MS),
  toCsms: (t) => new Date(t.getTime() + OFFSET_MS),
};

function profile201(changes: Partial<ChargingProfileType> = {}): ChargingProfileType {
  return {
    id: 7,
    stackLevel: 1,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    validFrom: '2026-01-01T00:00:00.000Z',
    validTo: '2026-02-01T00:00:00.000Z',
    chargingSchedule: [
      {
        id: 3,
        startSchedule: '2026-01-01T10:00:00.000Z',
        duration: 7200,
        chargingRateUnit: 'A',
        minChargingRate: 6,
        chargingSchedulePeriod: [
          { startPeriod: 0, limit: 16 },
          { startPeriod: 600, limit: 8.5, numberPhases: 3 },
        ],
      },
    ],
    ...changes,
  };
}

describe('OCPP 2.0.1 charging profile codec', () => {
  it('K01: a profile to the service model, its times on the agent clock; and back as the CSMS wrote it (K09 reports)', () => {
    const raw = profile201();
    const decoded = profileFrom201(raw, times);
    assert.ok(decoded.ok);
    const p = decoded.value;
    assert.equal(p.purpose, 'TxDefaultProfile');
    assert.equal(p.kind, 'Absolute');
    assert.equal(p.validFrom?.toISOString(), '2025-12-31T23:59:00.000Z', 'validFrom on the agent clock');
    assert.equal(p.schedules[0]!.startSchedule?.toISOString(), '2026-01-01T09:59:00.000Z');
    assert.deepEqual(p.schedules[0]!.periods, [
      { startPeriodS: 0, limit: 16 },
      { startPeriodS: 600, limit: 8.5, numberPhases: 3 },
    ]);
    assert.equal(p.schedules[0]!.durationS, 7200);
    assert.equal(p.schedules[0]!.minChargingRate, 6);
    const back = profileTo201(p, times);
    assert.deepEqual(back, raw);
    assertValidOcpp('SetChargingProfileRequest', { evseId: 1, chargingProfile: back });
  });

  it('K01.FR.03: a TxProfile keeps its transactionId, the core\'s own; Recurring keeps its recurrencyKind', () => {
    const decoded = profileFrom201(profile201({ chargingProfilePurpose: 'TxProfile', transactionId: 'tx-1', chargingProfileKind: 'Recurring', recurrencyKind: 'Daily' }), times);
    assert.ok(decoded.ok);
    assert.equal(decoded.value.transactionId, 'tx-1');
    assert.equal(decoded.value.recurrency, 'Daily');
  });

  it('refuses what 2.0.1 alone rules out: two schedules without ISO 15118 (K01.FR.34), an unreadable date', () => {
    const refusal = (raw: ChargingProfileType): string => {
      const decoded = profileFrom201(raw, times);
      assert.ok(!decoded.ok, 'refused');
      return `${decoded.reasonCode}: ${decoded.detail}`;
    };
    const schedule = profile201().chargingSchedule[0];
    assert.match(refusal(profile201({ chargingSchedule: [schedule, { ...schedule, id: 4 }] })), /^InvalidProfile: K01\.FR\.34/);
    assert.match(refusal(profile201({ validTo: 'next tuesday' })), /^InvalidValue: validTo "next tuesday"/);
  });

  it('every refusal of the service has a reason code of the appendix (reason_codes.csv)', () => {
    const known = new Set(APPENDIX_REASON_CODES.split(' '));
    for (const [rejection, code] of Object.entries(REJECTION_REASON_CODES)) assert.ok(known.has(code), `${rejection} -> ${code}`);
    assert.equal(REJECTION_REASON_CODES.UnknownTransaction, 'TxNotFound');
    assert.equal(REJECTION_REASON_CODES.DuplicateProfile, 'DuplicateProfile');
  });

  it('K09.FR.01/02: reports one EVSE each, in EVSE order, the requestId on each, tbc on all but the last; a profile of 1.6 gets a schedule id', () => {
    const decoded = profileFrom201(profile201(), times);
    assert.ok(decoded.ok);
    const installed: InstalledProfile[] = [
      { evseId: 2, profile: { ...decoded.value, id: 20 } },
      { evseId: 0, profile: { ...decoded.value, id: 1, purpose: 'ChargingStationMaxProfile' } },
      ...Array.from({ length: 9 }, (_, i) => ({ evseId: 1, profile: { ...decoded.value, id: 100 + i, schedules: decoded.value.schedules.map((s) => ({ ...s, id: undefined })) } })),
    ];
    const reports = chargingProfileReports(5, installed, times);
    assert.deepEqual(
      reports.map((r) => [r.evseId, r.chargingProfile.map((p) => p.id), r.tbc]),
      [
        [0, [1], true],
        [1, [100, 101, 102, 103, 104, 105, 106, 107], true],
        [1, [108], true],
        [2, [20], undefined],
      ],
    );
    assert.ok(reports.every((r) => r.requestId === 5 && r.chargingLimitSource === 'CSO'));
    assert.equal(reports[1]!.chargingProfile[0]!.chargingSchedule[0].id, 1, 'the schedule\'s place stands in for the id 1.6 does not have');
    for (const r of reports) assertValidOcpp('ReportChargingProfilesRequest', r);
  });

  it('K10: by id alone when one is named (K10.FR.03), else the fields given (K10.FR.04), none: every profile', () => {
    assert.deepEqual(clearCriteria({ chargingProfileId: 4, chargingProfileCriteria: { evseId: 1 } }), { ids: [4] });
    assert.deepEqual(clearCriteria({ chargingProfileCriteria: { evseId: 0, chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 2 } }), {
      evseId: 0,
      purpose: 'TxDefaultProfile',
      stackLevel: 2,
    });
    assert.deepEqual(clearCriteria({}), {});
  });
});

describe('OCPP 2.0.1 composite schedule (K08)', () => {
  const start = new Date('2026-01-01T10:00:00.000Z');
  const composite = (periods: CompositeSchedule['periods'], durationS = 3600): CompositeSchedule => ({ evseId: 1, start, durationS, rateUnit: 'A', periods });

  it('the periods in the unit asked, scheduleStart on the CSMS clock; repeats folded', () => {
    const schedule = compositeTo201(
      composite([
        { startPeriodS: 0, limit: 10, source: 'TxProfile' },
        { startPeriodS: 600, limit: 10, source: 'TxDefaultProfile' },
        { startPeriodS: 1200, limit: 6, numberPhases: 1, source: 'ChargingStationMaxProfile' },
        { startPeriodS: 3600, limit: 4, source: 'TxProfile' },
      ]),
      32,
      times,
    );
    assert.deepEqual(schedule, {
      evseId: 1,
      duration: 3600,
      scheduleStart: '2026-01-01T10:01:00.000Z',
      chargingRateUnit: 'A',
      chargingSchedulePeriod: [
        { startPeriod: 0, limit: 10 },
        { startPeriod: 1200, limit: 6, numberPhases: 1 },
      ],
    });
    assertValidOcpp('GetCompositeScheduleResponse', { status: 'Accepted', schedule });
  });

  it('no limit from any profile (none, a gap, after the last period): what the EVSE can draw, which also caps the limits', () => {
    const none = compositeTo201(composite([]), 32, times);
    assert.deepEqual(none.chargingSchedulePeriod, [{ startPeriod: 0, limit: 32 }]);
    const late = compositeTo201(composite([{ startPeriodS: 900, limit: 8, source: 'TxDefaultProfile' }]), 32, times);
    assert.deepEqual(late.chargingSchedulePeriod, [
      { startPeriod: 0, limit: 32 },
      { startPeriod: 900, limit: 8 },
    ]);
    const gaps = compositeTo201(
      composite([
        { startPeriodS: 0, limit: 40, source: 'ChargingStationMaxProfile', endPeriodS: 600 },
        { startPeriodS: 1200, limit: 10, source: 'TxDefaultProfile', endPeriodS: 1800 },
      ]),
      32,
      times,
    );
    assert.deepEqual(gaps.chargingSchedulePeriod, [
      { startPeriod: 0, limit: 32 },
      { startPeriod: 1200, limit: 10 },
      { startPeriod: 1800, limit: 32 },
    ]);
    assertValidOcpp('GetCompositeScheduleResponse', { status: 'Accepted', schedule: gaps });
  });
});
