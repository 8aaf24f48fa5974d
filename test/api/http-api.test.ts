import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { HttpApi, type ApiBackend, type HttpApiOptions } from '../../src/api/http-api.js';
import { Agent } from '../../src/app/agent.js';
import type { StationStatusView } from '../../src/app/station-status.js';
import { loadConfig } from '../../src/config/load-config.js';
import { Secret } from '../../src/config/station-config.js';
import { silentLogger } from '../../src/process/logger.js';
import { simulatorConfigCopy } from '../helpers/cli.js';
import { sleep } from '../helpers/sim-station.js';

/** The local HTTP API against a running agent on simulated hardware (no CSMS needed for these). */

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

/** What POST /api/faults/clear answers. */
interface FaultsCleared {
  evses: Array<{ evseId: number; cleared: string[]; remaining: Array<{ reason: string }> }>;
}

describe('local HTTP API', function () {
  this.timeout(15000);
  let agent: Agent;
  let base: string;
  let file: string;

  before(async () => {
    // No CSMS listens at this URL: the agent keeps retrying, the API works all the same.
    file = simulatorConfigCopy((d) => {
      d['ocpp'].url = 'ws://127.0.0.1:9/ocpp';
    });
    agent = await Agent.start(loadConfig(file).config, { log: silentLogger });
    base = `http://127.0.0.1:${agent.apiPort}`;
  });
  after(async () => {
    await agent.stop();
    rmSync(path.dirname(file), { recursive: true, force: true });
  });

  const post = (path: string, body?: unknown, raw?: string): Promise<Response> =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
  type ConnectorView = StationStatusView['evses'][number]['connectors'][number];
  /** EVSE 1's connector 1 as GET /api/status shows it. */
  const connectorOne = async (): Promise<ConnectorView> => ((await (await fetch(`${base}/api/status`)).json()) as StationStatusView).evses[0]!.connectors[0]!;
  /** connectorOne once it is as `ok` wants: the simulated inputs are debounced, the contactor's feedback has a timeout. */
  const connectorWhen = async (ok: (c: ConnectorView) => boolean, what: string): Promise<ConnectorView> => {
    const deadline = Date.now() + 3000;
    for (;;) {
      const connector = await connectorOne();
      if (ok(connector)) return connector;
      if (Date.now() > deadline) throw new Error(`never ${what}: ${JSON.stringify(connector)}`);
      await sleep(20);
    }
  };

  it('GET /api/status: identity, version, connection, and per EVSE and connector the state', async () => {
    const res = await fetch(`${base}/api/status`);
    assert.equal(res.status, 200);
    const s = (await res.json()) as StationStatusView;
    assert.equal(s.identity, 'EVSE-SIM-001');
    assert.equal(s.ocppVersion, '2.0.1');
    assert.deepEqual(s.connection, { url: 'ws://127.0.0.1:9/ocpp', connected: false, bootState: 'NotBooted', connectedSince: null, connectedForS: null, lastMessageAt: null });
    const evse = s.evses[0]!;
    assert.equal(evse.evseId, 1);
    assert.equal(evse.transaction, null);
    assert.deepEqual(evse.connectors[0], { connectorId: 1, status: 'Available', chargingState: 'Idle', relayClosed: false, plugged: false, faults: [] });
    assert.equal(evse.meter?.health, 'ok');
    assert.equal(typeof evse.meter?.latest?.energyImportWh, 'number');
  });

  it('plug and unplug change the connector status', async () => {
    const res = await post('/api/sim/evses/1/connectors/1/plug');
    assert.equal(res.status, 200);
    assert.deepEqual(await json(res), { ok: true, evseId: 1, connectorId: 1, plugged: true });
    await connectorWhen((c) => c.status === 'Occupied', 'Occupied');
    await post('/api/sim/evses/1/connectors/1/unplug');
    await connectorWhen((c) => c.status === 'Available', 'Available');
  });

  it('a card presented while the CSMS cannot be reached is not accepted', async () => {
    const res = await post('/api/sim/evses/1/token', { idToken: 'CARD1', type: 'ISO14443' });
    assert.equal(res.status, 200);
    assert.deepEqual(await json(res), { outcome: 'rejected', status: 'Unknown' });
  });

  it('a fault input faults the connector and clears again', async () => {
    assert.equal((await post('/api/sim/inputs/emergencyStop', { active: true })).status, 200);
    await connectorWhen((c) => c.status === 'Faulted', 'Faulted');
    await post('/api/sim/inputs/emergencyStop', { active: false });
    await connectorWhen((c) => c.status === 'Available', 'Available');
  });

  it('a welded contactor faults the connector; POST /api/faults/clear clears it only once the contact opened', async () => {
    const res = await post('/api/sim/evses/1/connectors/1/contactor', { fault: 'welded' });
    assert.deepEqual(await json(res), { ok: true, evseId: 1, connectorId: 1, contactor: 'welded' });
    // After contactorFeedbackTimeoutMs (500) and the debounce.
    const welded = await connectorWhen((c) => c.faults.length > 0, 'a fault');
    assert.deepEqual(welded.faults, ['contactor-welded']);
    assert.equal(welded.status, 'Faulted');
    let clear = (await (await post('/api/faults/clear', {})).json()) as FaultsCleared;
    assert.deepEqual(clear.evses[0]!.cleared, []);
    assert.match(clear.evses[0]!.remaining[0]!.reason, /feedback contact still disagrees/);
    await post('/api/sim/evses/1/connectors/1/contactor', { fault: 'none' });
    await sleep(100);
    assert.equal((await connectorOne()).status, 'Faulted', 'a welded contact does not clear by itself');
    clear = (await (await post('/api/faults/clear', { evseId: 1 })).json()) as FaultsCleared;
    assert.deepEqual(clear, { evses: [{ evseId: 1, cleared: ['contactor-welded'], remaining: [] }] });
    assert.equal((await connectorOne()).status, 'Available');
  });

  it('the meter lever makes the simulated meter fail and recover', async () => {
    assert.deepEqual(await json(await post('/api/sim/evses/1/meter', { fault: 'silent' })), { ok: true, evseId: 1, meter: 'silent' });
    await post('/api/sim/evses/1/meter', { fault: 'none' });
  });

  it('the EV lever sets the current the EV draws', async () => {
    assert.deepEqual(await json(await post('/api/sim/evses/1/ev', { currentA: [40, 40, 40] })), { ok: true, evseId: 1, currentA: [40, 40, 40] });
    await post('/api/sim/evses/1/ev', { currentA: [16, 16, 16] });
  });

  it('answers bad requests with 4xx and a message', async () => {
    const cases: Array<[Promise<Response>, number, RegExp]> = [
      [post('/api/sim/evses/1/ev', undefined, '{not json'), 400, /not valid JSON/],
      [post('/api/sim/evses/1/ev', { state: 'flying' }), 400, /"charging" or "suspended"/],
      [post('/api/sim/evses/9/connectors/1/plug'), 404, /no EVSE 9/],
      [post('/api/sim/evses/1/connectors/7/plug'), 404, /no connector 7/],
      [post('/api/sim/evses/x/connectors/1/plug'), 400, /evseId must be a positive integer/],
      [post('/api/sim/evses/1/token', { type: 'ISO14443' }), 400, /idToken must be a string/],
      [post('/api/sim/evses/1/token', { idToken: 'A', type: 'Passport' }), 400, /type must be one of/],
      [post('/api/sim/inputs/nope', { active: true }), 404, /no input named "nope"/],
      [post('/api/sim/inputs/emergencyStop', { active: 'yes' }), 400, /active must be true or false/],
      [post('/api/sim/evses/1/connectors/1/wiggle'), 404, /not found/],
      [fetch(`${base}/api/sim/evses/1/ev`), 405, /use POST/],
      [post('/api/status'), 405, /use GET/],
      [fetch(`${base}/elsewhere`), 404, /not found/],
      [post('/api/sim/evses/1/ev', [1, 2]), 400, /JSON object/],
      [post('/api/sim/evses/1/ev', {}), 400, /give state/],
      [post('/api/sim/evses/1/ev', { currentA: [1, 2, 3, 4] }), 400, /currentA must be an array of 1 to 3/],
      [post('/api/sim/evses/1/connectors/1/contactor', { fault: 'melted' }), 400, /fault must be one of "none", "welded", "fails-to-close"/],
      [post('/api/sim/evses/1/meter', {}), 400, /fault must be one of/],
      [post('/api/sim/evses/1/vehicle', { fault: 'none' }), 409, /EVSE 1 has no simulated pilot board/],
      [post('/api/sim/evses/1/vehicle', { fault: 'melted' }), 400, /fault must be one of "none", "diode-short", "state-e"/],
      [post('/api/sim/readers/front/card', { idToken: 'A' }), 404, /no simulated card reader named "front"/],
      [post('/api/faults/clear', { evseId: 0 }), 400, /evseId must be a positive integer/],
      [post('/api/faults/clear', { evseId: 5 }), 404, /no EVSE 5/],
      [fetch(`${base}/api/faults/clear`), 405, /use POST/],
    ];
    for (const [pending, status, message] of cases) {
      const res = await pending;
      const body = await json(res);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.match(String(body['error']), message);
    }
  });

  it('the EV lever changes what the simulated meter measures', async () => {
    assert.deepEqual(await json(await post('/api/sim/evses/1/ev', { state: 'suspended' })), { ok: true, evseId: 1, ev: 'suspended' });
    await post('/api/sim/evses/1/ev', { state: 'charging' });
  });
});

const TOKEN = 'test-api-token-0123456789';

/** An API on a free loopback port with a backend that records what it was asked. */
async function realHardwareApi(options: HttpApiOptions): Promise<{ base: string; api: HttpApi; cleared: Array<number | undefined> }> {
  const cleared: Array<number | undefined> = [];
  const backend: ApiBackend = {
    status: () => ({ identity: 'REAL' }),
    presentIdToken: async () => ({ outcome: 'rejected', status: 'Busy' }),
    clearFaults: (evseId) => {
      cleared.push(evseId);
      return [{ evseId: evseId ?? 1, cleared: [], remaining: [] }];
    },
    stopTransaction: (id) => (id === 'tx-1' ? { transactionId: 'tx-1', evseId: 1 } : undefined),
    simulation: () => undefined,
  };
  const api = new HttpApi(backend, silentLogger, options);
  const port = await api.listen('127.0.0.1', 0);
  return { base: `http://127.0.0.1:${port}`, api, cleared };
}

const SIM_PATHS = ['/api/sim/evses/1/connectors/1/plug', '/api/sim/inputs/emergencyStop', '/api/sim/evses/1/token', '/api/sim/evses/1/meter'];

describe('local HTTP API with real hardware', () => {
  it('has no sim or fault-clearing routes unless the config enables them: 404, as any unknown path', async () => {
    const { base, api, cleared } = await realHardwareApi({ routes: { simulation: false, faultClearing: false } });
    try {
      for (const path of [...SIM_PATHS, '/api/faults/clear']) {
        const res = await fetch(`${base}${path}`, { method: 'POST', body: '{"active":true,"idToken":"A","fault":"none"}' });
        assert.equal(res.status, 404, path);
        assert.deepEqual(await json(res), { error: 'not found' });
      }
      assert.deepEqual(cleared, [], 'nothing was cleared');
      assert.equal((await fetch(`${base}/api/status`)).status, 200);
    } finally {
      await api.close();
    }
  });

  it('with api.simulation the sim routes exist and answer 409 for levers the hardware lacks; with api.allowFaultClearing the clear action works', async () => {
    const { base, api, cleared } = await realHardwareApi({ routes: { simulation: true, faultClearing: true } });
    try {
      for (const path of SIM_PATHS) {
        const res = await fetch(`${base}${path}`, { method: 'POST', body: '{"active":true,"idToken":"A","fault":"none"}' });
        assert.equal(res.status, 409, path);
        assert.match(String((await json(res))['error']), /not simulated/);
      }
      const res = await fetch(`${base}/api/faults/clear`, { method: 'POST', body: '{"evseId":1}' });
      assert.equal(res.status, 200);
      assert.deepEqual(cleared, [1]);
    } finally {
      await api.close();
    }
  });

  it('POST /api/transactions/{id}/stop stops a running transaction and answers 404 for an unknown id', async () => {
    const { base, api } = await realHardwareApi({ routes: { simulation: false, faultClearing: false } });
    try {
      let res = await fetch(`${base}/api/transactions/tx-1/stop`, { method: 'POST' });
      assert.deepEqual(await json(res), { ok: true, transactionId: 'tx-1', evseId: 1 });
      res = await fetch(`${base}/api/transactions/nope/stop`, { method: 'POST' });
      assert.equal(res.status, 404);
      assert.match(String((await json(res))['error']), /no running transaction "nope"/);
      assert.equal((await fetch(`${base}/api/transactions/tx-1/stop`)).status, 405);
    } finally {
      await api.close();
    }
  });
});

describe('local HTTP API with api.token', () => {
  let api: HttpApi;
  let base: string;
  before(async () => {
    ({ api, base } = await realHardwareApi({ token: new Secret(TOKEN), routes: { simulation: false, faultClearing: true } }));
  });
  after(async () => {
    await api.close();
  });

  it('answers a request without a token 401 with a Bearer challenge, and does nothing', async () => {
    for (const [method, path] of [['GET', '/api/status'], ['POST', '/api/faults/clear'], ['POST', '/api/transactions/tx-1/stop'], ['GET', '/api/elsewhere'], ['GET', '/metrics']] as const) {
      const res = await fetch(`${base}${path}`, { method });
      assert.equal(res.status, 401, path);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="evse-agent"');
      assert.match(String((await json(res))['error']), /bearer token is required/);
    }
  });

  it('answers a wrong token, another scheme or a token with extra characters 401 invalid_token', async () => {
    const basic = `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`;
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer ', basic, TOKEN, `Bearer wrong-token-of-the-same-size`]) {
      const res = await fetch(`${base}/api/status`, { headers: { authorization } });
      assert.equal(res.status, 401, authorization);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="evse-agent", error="invalid_token"', authorization);
      await res.body?.cancel();
    }
  });

  it('serves every route to a request with the token', async () => {
    const authorization = `Bearer ${TOKEN}`;
    let res = await fetch(`${base}/api/status`, { headers: { authorization } });
    assert.equal(res.status, 200);
    assert.deepEqual(await json(res), { identity: 'REAL' });
    res = await fetch(`${base}/api/faults/clear`, { method: 'POST', headers: { authorization: `bearer ${TOKEN}` }, body: '{}' });
    assert.equal(res.status, 200);
    res = await fetch(`${base}/api/sim/inputs/emergencyStop`, { method: 'POST', headers: { authorization }, body: '{"active":true}' });
    assert.equal(res.status, 404, 'an authenticated request to an absent route is still a 404');
  });
});

describe('local HTTP API of an agent whose config sets api.token', function () {
  this.timeout(15000);
  let agent: Agent;
  let file: string;
  before(async () => {
    file = simulatorConfigCopy((d) => {
      d['api'] = { listen: '127.0.0.1:0', token: TOKEN };
    });
    agent = await Agent.start(loadConfig(file).config, { log: silentLogger });
  });
  after(async () => {
    await agent.stop();
    rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('needs the token on every route, the simulation levers included', async () => {
    const base = `http://127.0.0.1:${agent.apiPort}`;
    assert.equal((await fetch(`${base}/api/status`)).status, 401);
    assert.equal((await fetch(`${base}/api/sim/evses/1/ev`, { method: 'POST', body: '{"state":"charging"}' })).status, 401);
    const res = await fetch(`${base}/api/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    assert.equal((await json(res))['identity'], 'EVSE-SIM-001');
  });
});
