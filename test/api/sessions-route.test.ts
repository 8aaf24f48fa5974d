import assert from 'node:assert/strict';
import { HttpApi, type ApiBackend } from '../../src/api/http-api.js';
import { Secret } from '../../src/config/station-config.js';
import { silentLogger } from '../../src/process/logger.js';
import { SessionHistory, sessionView } from '../../src/services/session-history/index.js';
import { MemoryStore } from '../services/authorization/authorization-harness.js';

/** GET /api/sessions: the ended sessions, newest first, id tokens masked, under the API's token rules. */

const TOKEN = 'test-api-token-0123456789';
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

async function sessionsApi(history: SessionHistory | undefined, token?: string): Promise<{ base: string; api: HttpApi }> {
  const backend: ApiBackend = {
    status: () => ({ identity: 'REAL' }),
    presentIdToken: async () => ({ outcome: 'rejected', status: 'Busy' }),
    clearFaults: () => [],
    stopTransaction: () => undefined,
    simulation: () => undefined,
    ...(history ? { sessions: (limit: number | undefined) => history.list(limit).map(sessionView) } : {}),
  };
  const api = new HttpApi(backend, silentLogger, { token: token === undefined ? undefined : new Secret(token), routes: { simulation: false, faultClearing: false } });
  const port = await api.listen('127.0.0.1', 0);
  return { base: `http://127.0.0.1:${port}`, api };
}

function historyOf(count: number): SessionHistory {
  const history = new SessionHistory(new MemoryStore());
  for (let n = 1; n <= count; n++) {
    history.record({
      transactionId: `tx-${n}`,
      evseId: 1,
      connectorId: 1,
      idToken: { idToken: `CARD-000${n}`, type: 'ISO14443' },
      startedAt: new Date(T0 + n * 3600_000),
      stoppedAt: new Date(T0 + n * 3600_000 + 600_000),
      meterStartWh: n * 100,
      meterStopWh: n * 100 + 50,
      energyWh: 50,
      stopReason: 'EVDisconnected',
    });
  }
  return history;
}

interface SessionsBody {
  sessions: Array<{ transactionId: string; idToken: { idToken: string; type: string } | null; stoppedAt: string }>;
}

describe('local HTTP API: GET /api/sessions', () => {
  it('newest first, ?limit=N, id tokens by their last 4 characters', async () => {
    const { base, api } = await sessionsApi(historyOf(3));
    try {
      let res = await fetch(`${base}/api/sessions`);
      assert.equal(res.status, 200);
      let body = (await res.json()) as SessionsBody;
      assert.deepEqual(
        body.sessions.map((s) => s.transactionId),
        ['tx-3', 'tx-2', 'tx-1'],
      );
      assert.deepEqual(body.sessions[0]!.idToken, { idToken: '****0003', type: 'ISO14443' });
      assert.equal(body.sessions[0]!.stoppedAt, new Date(T0 + 3 * 3600_000 + 600_000).toISOString());
      res = await fetch(`${base}/api/sessions?limit=2`);
      body = (await res.json()) as SessionsBody;
      assert.deepEqual(
        body.sessions.map((s) => s.transactionId),
        ['tx-3', 'tx-2'],
      );
      assert.ok(!JSON.stringify(body).includes('CARD-'), 'no id token in clear');
    } finally {
      await api.close();
    }
  });

  it('a limit that is not a positive integer is a 400; POST is a 405; without a history the list is empty', async () => {
    let { base, api } = await sessionsApi(historyOf(1));
    try {
      for (const limit of ['0', '-1', 'x', '1.5', '']) {
        const res = await fetch(`${base}/api/sessions?limit=${limit}`);
        assert.equal(res.status, 400, limit);
        assert.match(String(((await res.json()) as { error: string }).error), /limit must be a positive integer/);
      }
      assert.equal((await fetch(`${base}/api/sessions`, { method: 'POST' })).status, 405);
    } finally {
      await api.close();
    }
    ({ base, api } = await sessionsApi(undefined));
    try {
      assert.deepEqual(await (await fetch(`${base}/api/sessions`)).json(), { sessions: [] });
    } finally {
      await api.close();
    }
  });

  it('with api.token it needs the bearer token, as every other route', async () => {
    const { base, api } = await sessionsApi(historyOf(1), TOKEN);
    try {
      const refused = await fetch(`${base}/api/sessions`);
      assert.equal(refused.status, 401);
      assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="evse-agent"');
      assert.equal((await fetch(`${base}/api/sessions`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
      const res = await fetch(`${base}/api/sessions`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as SessionsBody).sessions.length, 1);
    } finally {
      await api.close();
    }
  });
});
