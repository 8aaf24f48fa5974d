import assert from 'node:assert/strict';
import { HttpApi, type ApiBackend } from '../../src/api/http-api.js';
import { sessionRoutes } from '../../src/app/api-backend.js';
import { silentLogger } from '../../src/process/logger.js';
import { SessionHistory } from '../../src/services/session-history/index.js';
import { MemoryStore } from '../services/authorization/authorization-harness.js';

/** Issue 17: GET /api/sessions and /api/sessions.csv filter by token and stop time, with paging. */

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const iso = (hours: number): string => new Date(T0 + hours * 3600_000).toISOString();

async function api(): Promise<{ base: string; close: () => Promise<void> }> {
  const history = new SessionHistory(new MemoryStore());
  for (let n = 1; n <= 6; n++) {
    history.record({
      transactionId: `tx-${n}`,
      evseId: 1,
      idToken: { idToken: n % 2 ? 'CARD-ODD-0001' : 'CARD-EVEN-0002', type: 'ISO14443' },
      startedAt: new Date(T0 + n * 3600_000 - 600_000),
      stoppedAt: new Date(T0 + n * 3600_000),
      meterStartWh: 0,
      energyWh: n,
      stopReason: 'Local',
    });
  }
  const backend: ApiBackend = {
    status: () => ({}),
    presentIdToken: async () => ({ outcome: 'rejected', status: 'Busy' }),
    clearFaults: () => [],
    stopTransaction: () => undefined,
    simulation: () => undefined,
    ...sessionRoutes(history),
  };
  const http = new HttpApi(backend, silentLogger, { routes: { simulation: false, faultClearing: false } });
  const port = await http.listen('127.0.0.1', 0);
  return { base: `http://127.0.0.1:${port}`, close: () => http.close() };
}

interface Body {
  sessions: Array<{ transactionId: string }>;
  total: number;
  offset: number;
}

describe('local HTTP API: session filters and paging (issue 17)', () => {
  it('?token, ?since, ?until, ?offset with ?limit; total counts before paging; bad values are 400', async () => {
    const { base, close } = await api();
    try {
      const get = async (query: string): Promise<Body> => (await (await fetch(`${base}/api/sessions?${query}`)).json()) as Body;
      const ids = (b: Body): string[] => b.sessions.map((s) => s.transactionId);
      assert.deepEqual(ids(await get('token=card-odd-0001')), ['tx-5', 'tx-3', 'tx-1']);
      let body = await get(`since=${iso(2)}&until=${iso(5)}`);
      assert.deepEqual([ids(body), body.total], [['tx-4', 'tx-3', 'tx-2'], 3]);
      body = await get('limit=2&offset=2');
      assert.deepEqual([ids(body), body.total, body.offset], [['tx-4', 'tx-3'], 6, 2]);
      body = await get(`token=CARD-EVEN-0002&since=${iso(3)}&limit=1&offset=1`);
      assert.deepEqual([ids(body), body.total], [['tx-4'], 2]);
      assert.equal((await fetch(`${base}/api/sessions?since=yesterday`)).status, 400);
      assert.equal((await fetch(`${base}/api/sessions?offset=-1`)).status, 400);
      const csv = await (await fetch(`${base}/api/sessions.csv?token=CARD-EVEN-0002`)).text();
      assert.deepEqual(
        csv
          .trim()
          .split('\r\n')
          .slice(1)
          .map((row) => row.split(',')[0]),
        ['tx-6', 'tx-4', 'tx-2'],
      );
    } finally {
      await close();
    }
  });
});
