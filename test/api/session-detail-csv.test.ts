import assert from 'node:assert/strict';
import { HttpApi } from '../../src/api/http-api.js';
import { csvField, sessionsCsv } from '../../src/api/session-csv.js';
import { sessionRoutes } from '../../src/app/api-backend.js';
import { SessionHistory, sessionView } from '../../src/services/session-history/index.js';
import { silentLogger } from '../../src/process/logger.js';
import { MemoryStore } from '../services/authorization/authorization-harness.js';

/** GET /api/sessions/{id} and /api/sessions.csv: one session in full, all of them as RFC 4180 CSV; id tokens masked. */

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function history(): SessionHistory {
  const h = new SessionHistory(new MemoryStore());
  h.record({
    transactionId: 'tx-1',
    evseId: 1,
    connectorId: 1,
    idToken: { idToken: '04A1B2C3D4E5F6', type: 'ISO14443' },
    startedAt: new Date(T0),
    stoppedAt: new Date(T0 + 5400_000),
    meterStartWh: 1000,
    meterStopWh: 12_345.5,
    energyWh: 11_345.5,
    stopReason: 'EVDisconnected',
  });
  // An id from elsewhere with every character CSV has to quote, and one a spreadsheet would run.
  h.record({
    transactionId: 'ext,"2"\r\nline',
    evseId: 2,
    startedAt: new Date(T0 + 7200_000),
    stoppedAt: new Date(T0 + 7260_000),
    meterStartWh: 0,
    energyWh: 0,
    stopReason: 'Local',
  });
  h.record({ transactionId: '=HYPERLINK("x")', evseId: 1, idToken: { idToken: '1234', type: 'KeyCode' }, startedAt: new Date(T0 + 8000_000), stoppedAt: new Date(T0 + 8000_000), meterStartWh: 5, energyWh: 0, stopReason: 'Other' });
  return h;
}

async function api(h: SessionHistory): Promise<{ base: string; close: () => Promise<void> }> {
  // The agent's session routes (api-backend.ts) on the real server; no station behind the rest.
  const backend = { status: () => ({}), presentIdToken: async () => ({ outcome: 'rejected', status: 'Busy' }) as const, clearFaults: () => [], stopTransaction: () => undefined, simulation: () => undefined };
  const server = new HttpApi({ ...backend, ...sessionRoutes(h) }, silentLogger, { routes: { simulation: false, faultClearing: false } });
  const port = await server.listen('127.0.0.1', 0);
  return { base: `http://127.0.0.1:${port}`, close: () => server.close() };
}

describe('local HTTP API: one session, and all as CSV', () => {
  it('GET /api/sessions/{id}: the record in full (energy, duration, stop reason), the id token by its last 4; 404 for an unknown id', async () => {
    const { base, close } = await api(history());
    try {
      const res = await fetch(`${base}/api/sessions/tx-1`);
      assert.equal(res.status, 200);
      const s = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(s, {
        transactionId: 'tx-1',
        evseId: 1,
        connectorId: 1,
        idToken: { idToken: '****E5F6', type: 'ISO14443' },
        groupIdToken: null,
        startedAt: new Date(T0).toISOString(),
        stoppedAt: new Date(T0 + 5400_000).toISOString(),
        durationS: 5400,
        energyWh: 11_345.5,
        meterStartWh: 1000,
        meterStopWh: 12_345.5,
        stopReason: 'EVDisconnected',
        stationId: '',
        authorizedBy: 'Unknown',
        chargingS: 0,
        parkingS: 0,
        chargingPeriods: [],
        limits: [],
        signed: false,
        meterValues: null,
        signedData: null,
      });
      const odd = await fetch(`${base}/api/sessions/${encodeURIComponent('ext,"2"\r\nline')}`);
      assert.equal(odd.status, 200);
      assert.equal(((await odd.json()) as { evseId: number }).evseId, 2);
      const missing = await fetch(`${base}/api/sessions/nope`);
      assert.equal(missing.status, 404);
      assert.match(((await missing.json()) as { error: string }).error, /no kept session "nope"/);
      assert.equal((await fetch(`${base}/api/sessions/tx-1`, { method: 'POST' })).status, 405);
    } finally {
      await close();
    }
  });

  it('GET /api/sessions.csv: a header row, one row per session newest first, RFC 4180 quoting and CRLF, tokens masked, formulas defused', async () => {
    const h = history();
    const { base, close } = await api(h);
    try {
      const res = await fetch(`${base}/api/sessions.csv`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
      assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="sessions\.csv"$/);
      const text = await res.text();
      assert.ok(!text.includes('04A1B2C3'), 'no id token in clear');
      assert.ok(text.endsWith('\r\n'));
      const rows = text.split('\r\n');
      assert.equal(rows[0], 'transactionId,evseId,connectorId,startedAt,stoppedAt,durationS,energyWh,meterStartWh,meterStopWh,idToken,idTokenType,stopReason,stationId,authorizedBy,chargingS,parkingS,chargingPeriods,lowestLimitA,signed');
      // Newest first; the formula is prefixed and quoted (it holds a quote); the KeyCode PIN is not shown at all.
      assert.equal(rows[1], `"'=HYPERLINK(""x"")",1,,${new Date(T0 + 8000_000).toISOString()},${new Date(T0 + 8000_000).toISOString()},0,0,5,,****,KeyCode,Other,,Unknown,0,0,0,,no`);
      // The quoted line break stays inside its field: split on CRLF cuts it, so the row is rejoined.
      assert.equal(`${rows[2]}\r\n${rows[3]}`, `"ext,""2""\r\nline",2,,${new Date(T0 + 7200_000).toISOString()},${new Date(T0 + 7260_000).toISOString()},60,0,0,,,,Local,,Unknown,0,0,0,,no`);
      assert.equal(rows[4], `tx-1,1,1,${new Date(T0).toISOString()},${new Date(T0 + 5400_000).toISOString()},5400,11345.5,1000,12345.5,****E5F6,ISO14443,EVDisconnected,,Unknown,0,0,0,,no`);
      assert.equal(rows[5], '');
      assert.equal(text, sessionsCsv(h.list().map(sessionView)));
    } finally {
      await close();
    }
  });

  it('csvField: plain, quoted, doubled quotes, empty for null, numbers as they are', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(null), '');
    assert.equal(csvField(-12.5), '-12.5');
    assert.equal(csvField('-12'), "'-12");
    assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(sessionsCsv([]), 'transactionId,evseId,connectorId,startedAt,stoppedAt,durationS,energyWh,meterStartWh,meterStopWh,idToken,idTokenType,stopReason,stationId,authorizedBy,chargingS,parkingS,chargingPeriods,lowestLimitA,signed\r\n');
  });
});
