import assert from 'node:assert/strict';
import {
  compositeTo16,
  oneDecimalDown,
  purposeFrom16,
  purposeTo16,
  remoteStartProfileFrom16,
  setRequestFrom16,
  type ChargingProfile16,
  type ProfileDecoding16,
} from '../../src/ocpp/v16/actions/charging-profile-codec.js';
import type { CompositeSchedule } from '../../src/services/smart-charging/composite-schedule.js';

/**
 * The 1.6 ChargingProfile codec (7.8, 3.13.1, 5.16.2, 6.22): connectors to EVSEs, the Central
 * System's transactionId and times to the agent's, what 1.6 rules out, and the composite schedule
 * back. The service's own rules are its tests'; the wire is test/integration/v16/smart-charging.
 */

/** Connectors 1 and 2 on EVSEs 1 and 2; transaction 42 is 'tx-a' on EVSE 1; the CSMS is 60 s ahead. */
const OFFSET_MS = 60_000;
const NOW = new Date('2026-01-01T09:00:00Z');
const decoding: ProfileDecoding16 = {
  now: () => NOW,
  evseOfConnector: (n) => (n === 1 || n === 2 ? n : undefined),
  toLocal: (t) => new Date(t.getTime() - OFFSET_MS),
  localTransactionId: (id) => (id === 42 ? 'tx-a' : id === 43 ? 'tx-b' : undefined),
  transactionOn: (connectorId) => (connectorId === 1 ? 'tx-a' : undefined),
};

function profile16(changes: Partial<ChargingProfile16> = {}): ChargingProfile16 {
  return {
    chargingProfileId: 7,
    stackLevel: 1,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: {
      startSchedule: '2026-01-01T10:00:00Z',
      chargingRateUnit: 'A',
      chargingSchedulePeriod: [
        { startPeriod: 0, limit: 16 },
        { startPeriod: 600, limit: 8.5, numberPhases: 1 },
      ],
      duration: 3600,
      minChargingRate: 6,
    },
    ...changes,
  };
}

function rejection(connectorId: number, raw: ChargingProfile16): string {
  const decoded = setRequestFrom16(connectorId, raw, decoding);
  assert.equal(decoded.ok, false, `connector ${connectorId} ${JSON.stringify(raw)} is refused`);
  return decoded.ok ? '' : decoded.detail;
}

describe('1.6 charging profile codec', () => {
  it('3.13.1 ChargePointMaxProfile is ChargingStationMaxProfile both ways; 1.6 has no ExternalConstraints', () => {
    assert.equal(purposeFrom16('ChargePointMaxProfile'), 'ChargingStationMaxProfile');
    assert.equal(purposeFrom16('TxDefaultProfile'), 'TxDefaultProfile');
    assert.equal(purposeTo16('ChargingStationMaxProfile'), 'ChargePointMaxProfile');
    assert.equal(purposeTo16('TxProfile'), 'TxProfile');
    assert.equal(purposeTo16('ChargingStationExternalConstraints'), undefined);
  });

  it('7.8/7.13 a TxDefaultProfile on connector 2 is EVSE 2\'s, every field carried, the CSMS times on the agent\'s clock', () => {
    const decoded = setRequestFrom16(2, profile16({ validFrom: '2026-01-01T00:00:00Z', validTo: '2026-02-01T00:00:00Z' }), decoding);
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value, {
      evseId: 2,
      profile: {
        id: 7,
        stackLevel: 1,
        purpose: 'TxDefaultProfile',
        kind: 'Absolute',
        validFrom: new Date(Date.parse('2026-01-01T00:00:00Z') - OFFSET_MS),
        validTo: new Date(Date.parse('2026-02-01T00:00:00Z') - OFFSET_MS),
        schedules: [
          {
            startSchedule: new Date(Date.parse('2026-01-01T10:00:00Z') - OFFSET_MS),
            durationS: 3600,
            rateUnit: 'A',
            minChargingRate: 6,
            periods: [
              { startPeriodS: 0, limit: 16 },
              { startPeriodS: 600, limit: 8.5, numberPhases: 1 },
            ],
          },
        ],
      },
    });
  });

  it('3.13.1 a ChargePointMaxProfile and a TxDefaultProfile on connector 0 are the station\'s (EVSE 0); a Recurring one keeps its recurrencyKind', () => {
    const max = setRequestFrom16(0, profile16({ chargingProfilePurpose: 'ChargePointMaxProfile', chargingProfileKind: 'Recurring', recurrencyKind: 'Daily' }), decoding);
    assert.ok(max.ok);
    assert.equal(max.value.evseId, 0);
    assert.equal(max.value.profile.purpose, 'ChargingStationMaxProfile');
    assert.equal(max.value.profile.recurrency, 'Daily');
    const txDefault = setRequestFrom16(0, profile16(), decoding);
    assert.ok(txDefault.ok);
    assert.equal(txDefault.value.evseId, 0);
  });

  it('3.13.1 a TxProfile is bound to the transaction on its connector: the one the CSMS names by its integer id, or the running one when it names none', () => {
    for (const transactionId of [42, undefined]) {
      const decoded = setRequestFrom16(1, profile16({ chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', chargingSchedule: { ...profile16().chargingSchedule, startSchedule: undefined }, transactionId }), decoding);
      assert.ok(decoded.ok, `transactionId ${transactionId}`);
      assert.equal(decoded.value.profile.transactionId, 'tx-a');
      assert.equal(decoded.value.profile.kind, 'Relative');
      assert.equal(decoded.value.profile.schedules[0]!.startSchedule, undefined);
    }
  });

  it('refuses what 1.6 rules out: the purpose on the wrong connector, an unknown connector, a TxProfile without its transaction, a transactionId elsewhere, contradictory kinds, bad dates', () => {
    assert.match(rejection(1, profile16({ chargingProfilePurpose: 'ChargePointMaxProfile' })), /ChargePointMaxProfile on a connector other than 0/);
    assert.match(rejection(0, profile16({ chargingProfilePurpose: 'TxProfile' })), /TxProfile on connector 0/);
    assert.match(rejection(9, profile16()), /no connector 9/);
    assert.match(rejection(2, profile16({ chargingProfilePurpose: 'TxProfile' })), /without a transaction on connector 2/);
    assert.match(rejection(1, profile16({ chargingProfilePurpose: 'TxProfile', transactionId: 99 })), /no transaction 99/);
    assert.match(rejection(1, profile16({ chargingProfilePurpose: 'TxProfile', transactionId: 43 })), /transaction 43 does not run on connector 1/);
    assert.match(rejection(1, profile16({ transactionId: 42 })), /transactionId on a TxDefaultProfile/);
    assert.match(rejection(1, profile16({ chargingProfileKind: 'Recurring' })), /Recurring profile without recurrencyKind/);
    assert.match(rejection(1, profile16({ recurrencyKind: 'Weekly' })), /recurrencyKind on a Absolute profile/);
    assert.match(rejection(1, profile16({ chargingProfileKind: 'Relative' })), /Relative profile with a startSchedule/);
    assert.match(rejection(1, profile16({ validFrom: 'yesterday' })), /validFrom "yesterday" is not a date-time/);
    assert.match(rejection(1, profile16({ chargingSchedule: { ...profile16().chargingSchedule, startSchedule: '2026-13-45T99:00:00Z' } })), /startSchedule/);
  });

  it('7.13 an Absolute profile without startSchedule starts with charging: Relative for a transaction\'s profile, from now for the ChargePointMaxProfile', () => {
    const noStart = { ...profile16().chargingSchedule, startSchedule: undefined };
    const txDefault = setRequestFrom16(1, profile16({ chargingSchedule: noStart }), decoding);
    assert.ok(txDefault.ok);
    assert.equal(txDefault.value.profile.kind, 'Relative');
    assert.equal(txDefault.value.profile.schedules[0]!.startSchedule, undefined);
    const max = setRequestFrom16(0, profile16({ chargingProfilePurpose: 'ChargePointMaxProfile', chargingSchedule: noStart }), decoding);
    assert.ok(max.ok);
    assert.equal(max.value.profile.kind, 'Absolute');
    assert.deepEqual(max.value.profile.schedules[0]!.startSchedule, NOW);
  });

  it('5.16.2 a RemoteStartTransaction profile is a TxProfile without transactionId, left unbound', () => {
    const ok = remoteStartProfileFrom16(profile16({ chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', chargingSchedule: { ...profile16().chargingSchedule, startSchedule: undefined } }), decoding);
    assert.ok(ok.ok);
    assert.equal(ok.value.purpose, 'TxProfile');
    assert.equal(ok.value.transactionId, undefined);
    const notTx = remoteStartProfileFrom16(profile16(), decoding);
    assert.ok(!notTx.ok && /must be TxProfile/.test(notTx.detail));
    const withTx = remoteStartProfileFrom16(profile16({ chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', transactionId: 42, chargingSchedule: { ...profile16().chargingSchedule, startSchedule: undefined } }), decoding);
    assert.ok(!withTx.ok && /transactionId/.test(withTx.detail));
  });

  describe('6.22 the composite schedule in 1.6', () => {
    const start = new Date('2026-01-01T10:00:00Z');
    const toCsms = (t: Date): Date => new Date(t.getTime() + OFFSET_MS);
    const composite = (periods: CompositeSchedule['periods'], durationS = 3600): CompositeSchedule => ({ evseId: 1, start, durationS, rateUnit: 'A', periods });

    it('starts at the CSMS\'s time, one period per change, limits to one decimal rounded down, numberPhases kept', () => {
      const answer = compositeTo16(
        composite([
          { startPeriodS: 0, limit: 10.06, source: 'TxDefaultProfile' },
          { startPeriodS: 600, limit: 10.06, source: 'ChargingStationMaxProfile' },
          { startPeriodS: 1200, limit: 6, numberPhases: 1, source: 'TxProfile' },
        ]),
        32,
        toCsms,
      );
      const scheduleStart = '2026-01-01T10:01:00.000Z';
      assert.deepEqual(answer, {
        scheduleStart,
        chargingSchedule: {
          duration: 3600,
          startSchedule: scheduleStart,
          chargingRateUnit: 'A',
          chargingSchedulePeriod: [
            { startPeriod: 0, limit: 10 },
            { startPeriod: 1200, limit: 6, numberPhases: 1 },
          ],
        },
      });
    });

    it('where no profile limits (none at all, or before the first period), the most the EVSE takes; nothing past the duration', () => {
      assert.deepEqual(compositeTo16(composite([]), 32, toCsms).chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 32 }]);
      assert.deepEqual(
        compositeTo16(
          composite([
            { startPeriodS: 900, limit: 12, source: 'TxDefaultProfile' },
            { startPeriodS: 4000, limit: 6, source: 'TxDefaultProfile' },
          ]),
          32,
          toCsms,
        ).chargingSchedule.chargingSchedulePeriod,
        [
          { startPeriod: 0, limit: 32 },
          { startPeriod: 900, limit: 12 },
        ],
      );
    });

    it('a gap in the middle (a period\'s endPeriodS before the next start) is filled with the most the EVSE takes', () => {
      assert.deepEqual(
        compositeTo16(
          composite([
            { startPeriodS: 0, limit: 10, endPeriodS: 600, source: 'TxDefaultProfile' },
            { startPeriodS: 1200, limit: 6, endPeriodS: 1800, source: 'TxDefaultProfile' },
          ]),
          32,
          toCsms,
        ).chargingSchedule.chargingSchedulePeriod,
        [
          { startPeriod: 0, limit: 10 },
          { startPeriod: 600, limit: 32 },
          { startPeriod: 1200, limit: 6 },
          { startPeriod: 1800, limit: 32 },
        ],
      );
    });

    it('7.14 one decimal: rounded down so the answer never offers more than the limit', () => {
      assert.equal(oneDecimalDown(8.19), 8.1);
      assert.equal(oneDecimalDown(8.1), 8.1);
      assert.equal(oneDecimalDown(0.3), 0.3);
      assert.equal(oneDecimalDown(7360.55), 7360.5);
    });
  });
});
