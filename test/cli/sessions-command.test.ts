import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { cdrProblems } from '../../src/services/ocpi/cdr-check.js';
import type { OcpiCdr } from '../../src/services/ocpi/ocpi-types.js';
import { readRecordsCsv, SessionHistory } from '../../src/services/session-history/index.js';
import { JsonFileStore } from '../../src/store/json-file-store.js';
import { runInProcess, simulatorConfigCopy } from '../helpers/cli.js';
import { signedSession, OCPI_TEST_LOCATION } from '../helpers/signed-session.js';
import { durableUnder } from '../../src/store/disk-sync.js';

/** `evse-agent sessions export|verify|remove` (issue 17) over the records of a storage.dir. */

const OCPI = OCPI_TEST_LOCATION;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A config (with `ocpi` as given) whose storage holds two signed sessions of two cards. */
async function stationWithSessions(ocpi: object | undefined): Promise<{ config: string; dir: string }> {
  const config = simulatorConfigCopy((d) => {
    if (ocpi) d['ocpi'] = ocpi;
  });
  const dir = loadConfig(config).config.storage.dir;
  const history = new SessionHistory(new JsonFileStore(dir));
  history.record(signedSession(dir, { id: 'tx-a', startMs: T0, meterStartWh: 1000, energyWh: 7_321 }));
  history.record(signedSession(dir, { id: 'tx-b', startMs: T0 + 86_400_000, meterStartWh: 8321, energyWh: 4_002, token: 'CARD-0002' }));
  await durableUnder(dir);
  return { config, dir };
}

describe('evse-agent sessions (issue 17)', () => {
  it('export --format ocpi-cdr without the ocpi keys exits 78 naming them; with some, names the missing ones', async () => {
    const none = await stationWithSessions(undefined);
    const a = await runInProcess(['sessions', 'export', '--format', 'ocpi-cdr', '--config', none.config]);
    assert.equal(a.code, 78);
    assert.equal(a.stdout, '');
    assert.match(a.stderr, /needs the config's ocpi\.countryCode, ocpi\.partyId, ocpi\.locationId, ocpi\.address, ocpi\.city, ocpi\.postalCode, ocpi\.country, ocpi\.coordinates, ocpi\.timeZone\n$/);
    const partial: Partial<typeof OCPI> = { ...OCPI };
    delete partial.city;
    delete partial.timeZone;
    const some = await stationWithSessions(partial);
    const b = await runInProcess(['sessions', 'export', '--format', 'ocpi-cdr', '--config', some.config]);
    assert.equal(b.code, 78);
    assert.match(b.stderr, /needs the config's ocpi\.city, ocpi\.timeZone\n$/);
    // CSV needs no OCPI keys.
    assert.equal((await runInProcess(['sessions', 'export', '--format', 'csv', '--config', none.config])).code, 0);
  });

  it('export --format ocpi-cdr prints a JSON array of valid CDRs, oldest first, filtered by --token and --since; CSV has a header row and agrees to the Wh', async () => {
    const { config } = await stationWithSessions(OCPI);
    const all = await runInProcess(['sessions', 'export', '--format', 'ocpi-cdr', '--config', config]);
    assert.equal(all.code, 0, all.stderr);
    const cdrs = JSON.parse(all.stdout) as OcpiCdr[];
    assert.deepEqual(
      cdrs.map((c) => [c.id, Math.round(c.total_energy * 1000)]),
      [
        ['tx-a', 7321],
        ['tx-b', 4002],
      ],
    );
    for (const cdr of cdrs) assert.deepEqual(cdrProblems(cdr), [], cdr.id);
    const byToken = JSON.parse((await runInProcess(['sessions', 'export', '--format', 'ocpi-cdr', '--token', 'card-0002', '--config', config])).stdout) as OcpiCdr[];
    assert.deepEqual(
      byToken.map((c) => c.id),
      ['tx-b'],
    );
    const since = JSON.parse((await runInProcess(['sessions', 'export', '--since', '2026-01-02T00:00:00Z', '--config', config])).stdout) as OcpiCdr[];
    assert.deepEqual(
      since.map((c) => c.id),
      ['tx-b'],
    );
    const csv = await runInProcess(['sessions', 'export', '--format', 'csv', '--config', config]);
    assert.equal(csv.code, 0);
    assert.match(csv.stdout, /^transactionId,stationId,evseId,connectorId,idToken,idTokenType,authorizedBy,startedAt,stoppedAt,durationS,meterStartWh,meterStopWh,energyWh,chargingS,parkingS,stopReason,limits,ocmfStart,ocmfEnd,ocmfPublicKey\r\n/);
    const rows = readRecordsCsv(csv.stdout);
    assert.deepEqual(
      rows.map((r) => [r['transactionId'], Number(r['energyWh']), Number(r['meterStopWh']) - Number(r['meterStartWh'])]),
      [
        ['tx-a', 7321, 7321],
        ['tx-b', 4002, 4002],
      ],
    );
    const location = await runInProcess(['sessions', 'export', '--format', 'ocpi-location', '--config', config]);
    assert.equal(location.code, 0);
    assert.equal((JSON.parse(location.stdout) as { evses: Array<{ status: string }> }).evses[0]!.status, 'UNKNOWN');
  });

  it('verify: every OCMF signature of a CDR or CSV export checks out and gives the record energy; a tampered one exits 1', async () => {
    const { config, dir } = await stationWithSessions(OCPI);
    const cdrFile = path.join(dir, 'cdrs.json');
    const csvFile = path.join(dir, 'sessions.csv');
    writeFileSync(cdrFile, (await runInProcess(['sessions', 'export', '--format', 'ocpi-cdr', '--config', config])).stdout);
    writeFileSync(csvFile, (await runInProcess(['sessions', 'export', '--format', 'csv', '--config', config])).stdout);
    for (const file of [cdrFile, csvFile]) {
      const ok = await runInProcess(['sessions', 'verify', file]);
      assert.equal(ok.code, 0, ok.stdout);
      assert.match(ok.stdout, /2 of 2 session\(s\) verified\n$/);
    }
    // The record says more energy than the meter signed.
    const cdrs = JSON.parse(readFileSync(cdrFile, 'utf8')) as OcpiCdr[];
    cdrs[0]!.total_energy += 0.01;
    writeFileSync(cdrFile, JSON.stringify(cdrs));
    const more = await runInProcess(['sessions', 'verify', cdrFile]);
    assert.equal(more.code, 1);
    assert.match(more.stdout, /FAIL tx-a: the signed readings give 7321 Wh, the record 7331 Wh/);
    // A changed reading in the signed document itself.
    const text = readFileSync(csvFile, 'utf8').replace('""RV"":8.321', '""RV"":8.421');
    assert.notEqual(text, readFileSync(csvFile, 'utf8'));
    writeFileSync(csvFile, text);
    const tampered = await runInProcess(['sessions', 'verify', csvFile]);
    assert.equal(tampered.code, 1);
    assert.match(tampered.stdout, /FAIL tx-a: OCMF document 2: the signature does not verify/);
  });

  it('remove --token takes that token\'s records off storage', async () => {
    const { config, dir } = await stationWithSessions(OCPI);
    const removed = await runInProcess(['sessions', 'remove', '--token', 'CARD-0001', '--config', config]);
    assert.equal(removed.code, 0);
    assert.equal(removed.stdout, 'removed 1 session record of that token\n');
    assert.deepEqual(
      new SessionHistory(new JsonFileStore(dir)).list().map((s) => s.transactionId),
      ['tx-b'],
    );
  });
});
