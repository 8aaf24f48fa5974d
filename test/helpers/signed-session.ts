import { buildOcmfPayload, signOcmf } from '../../src/services/signed-metering/ocmf.js';
import { StationSigner } from '../../src/services/signed-metering/station-signer.js';
import type { SessionInput } from '../../src/services/session-history/index.js';

/**
 * A session record as the agent keeps one with station-signed meter values (issue 17): charging
 * periods, a limit, and OCMF documents of its start (B) and end (B, E) readings, signed with the
 * station key of `storageDir`.
 */
export function signedSession(storageDir: string, o: { id: string; startMs: number; meterStartWh: number; energyWh: number; token?: string }): SessionInput {
  const signer = StationSigner.open(storageDir);
  const start = new Date(o.startMs);
  const chargingAt = new Date(o.startMs + 60_000);
  const stop = new Date(o.startMs + 3_660_000);
  const idToken = { value: o.token ?? 'CARD-0001', type: 'ISO14443' };
  const begin = { time: start, energyWh: o.meterStartWh, type: 'B' as const };
  const doc = (readings: Parameters<typeof buildOcmfPayload>[0]['readings']): string =>
    signOcmf(buildOcmfPayload({ gatewayId: 'EVSE-SIM-001', meterId: 'SIM-METER-1', idToken, readings }), signer);
  return {
    transactionId: o.id,
    stationId: 'EVSE-SIM-001',
    evseId: 1,
    connectorId: 1,
    idToken: { idToken: idToken.value, type: 'ISO14443' },
    authorizedBy: 'Card',
    startedAt: start,
    stoppedAt: stop,
    meterStartWh: o.meterStartWh,
    meterStopWh: o.meterStartWh + o.energyWh,
    energyWh: o.energyWh,
    stopReason: 'EVDisconnected',
    chargingPeriods: [
      { startAt: start, state: 'Idle', energyWh: 0 },
      { startAt: chargingAt, state: 'Charging', energyWh: o.energyWh },
    ],
    limits: [{ at: start, valueA: 16, source: 'TxDefaultProfile' }],
    ocmf: {
      start: doc([begin]),
      end: doc([begin, { time: stop, energyWh: o.meterStartWh + o.energyWh, type: 'E' }]),
      publicKeyHex: signer.publicKeyHex,
    },
  };
}

/** An OCPI location the session tests share (config `ocpi`, the fixed names). */
export const OCPI_TEST_LOCATION = {
  countryCode: 'DE',
  partyId: 'EAG',
  locationId: 'HOME-1',
  address: 'Hauptstrasse 1',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DEU',
  coordinates: { latitude: '52.520008', longitude: '13.404954' },
  timeZone: 'Europe/Berlin',
};
