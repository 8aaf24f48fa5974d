import assert from 'node:assert/strict';
import { buildCdr } from '../../../src/services/ocpi/cdr.js';
import { cdrProblems } from '../../../src/services/ocpi/cdr-check.js';
import { emi3EvseId, evseStatusOf, ocpiEvseStatus, ocpiLocation, type OcpiStation } from '../../../src/services/ocpi/location.js';
import { missingOcpiKeys, type CompleteOcpiConfig } from '../../../src/services/ocpi/ocpi-config.js';
import { completeRecord } from '../../../src/services/session-history/index.js';
import { verifyOcmf } from '../../../src/services/signed-metering/ocmf.js';
import { signedSession, OCPI_TEST_LOCATION } from '../../helpers/signed-session.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/** OCPI 2.2.1 CDRs from session records (mod_cdrs.asciidoc), the Location (mod_locations.asciidoc), issue 17. */

const OCPI: CompleteOcpiConfig = { ...OCPI_TEST_LOCATION, coordinates: { latitude: 52.52, longitude: '13.404954' } };
const STATION: OcpiStation = { identity: 'EVSE-SIM-001', evses: [{ id: 1, phases: 3, maxCurrentA: 16, connectors: [{ id: 1, type: 'sType2', tethered: false }] }] };
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function record(energyWh = 11_346) {
  return completeRecord(signedSession(makeTempDir('ocpi-cdr'), { id: '3f1c2d4e-0000-4000-8000-000000000001', startMs: T0, meterStartWh: 1000, energyWh }));
}

describe('OCPI 2.2.1 CDR (issue 17)', () => {
  it('keeps the CDR field definitions (types, required fields, string lengths) and agrees with the record to the Wh', () => {
    const r = record();
    const cdr = buildCdr(r, { ocpi: OCPI, station: STATION });
    assert.deepEqual(cdrProblems(cdr), []);
    assert.equal(Math.round(cdr.total_energy * 1000), r.energyWh);
    const periodWh = cdr.charging_periods.flatMap((p) => p.dimensions.filter((d) => d.type === 'ENERGY')).reduce((sum, d) => sum + d.volume * 1000, 0);
    assert.equal(Math.round(periodWh), r.energyWh);
    assert.equal(cdr.total_time, round4(3660 / 3600));
    assert.equal(cdr.total_parking_time, round4(60 / 3600));
    assert.deepEqual(
      cdr.charging_periods.map((p) => [p.start_date_time, p.dimensions.map((d) => d.type)]),
      [
        ['2026-01-01T12:00:00Z', ['ENERGY', 'PARKING_TIME']],
        ['2026-01-01T12:01:00Z', ['ENERGY', 'TIME']],
      ],
    );
    assert.equal(cdr.cdr_location.evse_id, 'DE*EAG*EEVSESIM001*1');
    assert.equal(cdr.cdr_location.coordinates.latitude, '52.520000');
    assert.deepEqual([cdr.cdr_location.connector_standard, cdr.cdr_location.connector_format, cdr.cdr_location.connector_power_type], ['IEC_62196_T2', 'SOCKET', 'AC_3_PHASE']);
    assert.deepEqual([cdr.auth_method, cdr.cdr_token.type, cdr.cdr_token.uid], ['AUTH_REQUEST', 'RFID', 'CARD-0001']);
    assert.deepEqual(cdr.total_cost, { excl_vat: 0 });
    assert.equal(cdr.currency, 'EUR');
  });

  it('signed_data carries the OCMF documents (plain and base64) and the public key; they verify', () => {
    const r = record();
    const signed = buildCdr(r, { ocpi: OCPI, station: STATION }).signed_data!;
    assert.equal(signed.encoding_method, 'OCMF');
    assert.equal(buildCdr(r, { ocpi: OCPI, station: STATION }).meter_id, 'SIM-METER-1');
    assert.deepEqual(
      signed.signed_values.map((v) => v.nature),
      ['Start', 'End'],
    );
    const key = Buffer.from(signed.public_key!, 'base64').toString('hex');
    for (const v of signed.signed_values) {
      assert.equal(Buffer.from(v.signed_data, 'base64').toString('utf8'), v.plain_data);
      assert.ok(verifyOcmf(v.plain_data, key));
    }
  });

  it('costs from the simple tariff: per kWh and per hour of charging, with the Tariff and each period\'s tariff_id', () => {
    const cdr = buildCdr(record(10_000), { ocpi: { ...OCPI, tariff: { id: 'flat', currency: 'EUR', pricePerKWh: 0.3, pricePerHour: 1.2 } }, station: STATION });
    assert.deepEqual(cdrProblems(cdr), []);
    assert.deepEqual(cdr.total_energy_cost, { excl_vat: 3 });
    assert.deepEqual(cdr.total_time_cost, { excl_vat: 1.2 });
    assert.deepEqual(cdr.total_cost, { excl_vat: 4.2 });
    assert.equal(cdr.tariffs?.[0]?.id, 'flat');
    assert.ok(cdr.charging_periods.every((p) => p.tariff_id === 'flat'));
  });

  it('the check finds a CDR that breaks the definitions: missing, too long, not in the enum, 5 decimals, not a DateTime, unknown field', () => {
    const cdr = buildCdr(record(), { ocpi: OCPI, station: STATION }) as unknown as Record<string, unknown>;
    const broken = {
      ...cdr,
      party_id: 'TOOLONG',
      auth_method: 'PIN',
      total_energy: 1.23456,
      end_date_time: '2026-01-01 12:00:00',
      colour: 'red',
      cdr_location: { ...(cdr['cdr_location'] as object), coordinates: { latitude: '52.5', longitude: '13.404954' } },
    };
    delete (broken as Record<string, unknown>)['currency'];
    assert.deepEqual(cdrProblems(broken).sort(), [
      'auth_method: "PIN" is not one of the enum\'s values',
      'cdr_location.coordinates.latitude: does not match /^-?[0-9]{1,2}\\.[0-9]{5,7}$/',
      'colour: not a field of this object',
      'currency: required',
      'end_date_time: not an OCPI DateTime',
      'party_id: longer than 3',
      'total_energy: more than 4 decimals',
    ]);
    assert.deepEqual(cdrProblems({ ...cdr, charging_periods: [] }), ['charging_periods: needs at least one']);
  });

  it('without the ocpi keys, names the missing ones', () => {
    assert.deepEqual(missingOcpiKeys(undefined), ['ocpi.countryCode', 'ocpi.partyId', 'ocpi.locationId', 'ocpi.address', 'ocpi.city', 'ocpi.postalCode', 'ocpi.country', 'ocpi.coordinates', 'ocpi.timeZone']);
    assert.deepEqual(missingOcpiKeys({ ...OCPI, city: '', timeZone: undefined as unknown as string }), ['ocpi.city', 'ocpi.timeZone']);
    assert.deepEqual(missingOcpiKeys(OCPI), []);
  });

  it('the Location with its EVSEs and connectors, and connector statuses as OCPI EVSE statuses', () => {
    assert.deepEqual(
      (['Available', 'Occupied', 'Reserved', 'Unavailable', 'Faulted', undefined] as const).map(ocpiEvseStatus),
      ['AVAILABLE', 'CHARGING', 'RESERVED', 'INOPERATIVE', 'OUTOFORDER', 'UNKNOWN'],
    );
    assert.equal(evseStatusOf(['Available', 'Faulted']), 'OUTOFORDER');
    const location = ocpiLocation(OCPI, STATION, () => 'Occupied', new Date(T0)) as { evses: Array<Record<string, unknown>>; time_zone: string };
    assert.equal(location.time_zone, 'Europe/Berlin');
    assert.deepEqual(location.evses[0], {
      uid: 'EVSE-SIM-001-1',
      evse_id: 'DE*EAG*EEVSESIM001*1',
      status: 'CHARGING',
      capabilities: ['RFID_READER', 'REMOTE_START_STOP_CAPABLE'],
      connectors: [
        { id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_voltage: 230, max_amperage: 16, max_electric_power: 11_040, last_updated: '2026-01-01T12:00:00Z' },
      ],
      last_updated: '2026-01-01T12:00:00Z',
    });
    // eMI3: <country>*<operator>*E<outlet>, at most 48 characters (evse_id CiString(48)).
    assert.ok(emi3EvseId(OCPI, 'X'.repeat(80), 12).length <= 48);
  });
});

function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
