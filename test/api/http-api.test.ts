import assert from 'node:assert/strict';
import { HttpApi } from '../../src/api/http-api.js';
import { Agent } from '../../src/app/agent.js';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/service/logger.js';
import { simulatorConfigCopy } from '../helpers/cli.js';
import { sleep } from '../helpers/sim-station.js';

/** The local HTTP API against a running agent on simulated hardware (no CSMS needed for these). */

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

describe('local HTTP API', function () {
  this.timeout(15000);
  let agent: Agent;
  let base: string;

  before(async () => {
    // No CSMS listens at this URL: the agent keeps retrying, the API works all the same.
    const file = simulatorConfigCopy((d) => {
      d['ocpp'].url = 'ws://127.0.0.1:9/ocpp';
    });
    agent = await Agent.start(loadConfig(file).config, { log: silentLogger });
    base = `http://127.0.0.1:${agent.apiPort}`;
  });
  after(async () => {
    await agent.stop();
  });

  const post = (path: string, body?: unknown, raw?: string): Promise<Response> =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });

  it('GET /api/status: identity, version, connection, and per EVSE and connector the state', async () => {
    const res = await fetch(`${base}/api/status`);
    assert.equal(res.status, 200);
    const s = await json(res);
    assert.equal(s['identity'], 'EVSE-SIM-001');
    assert.equal(s['ocppVersion'], '2.0.1');
    assert.deepEqual(s['connection'], { url: 'ws://127.0.0.1:9/ocpp', connected: false, bootState: 'NotBooted' });
    const evse = (s['evses'] as Array<Record<string, any>>)[0]!;
    assert.equal(evse['evseId'], 1);
    assert.equal(evse['transaction'], null);
    assert.deepEqual(evse['connectors'][0], { connectorId: 1, status: 'Available', chargingState: 'Idle', relayClosed: false, plugged: false, faults: [] });
    assert.equal(evse['meter'].health, 'ok');
    assert.equal(typeof evse['meter'].latest.energyImportWh, 'number');
  });

  it('plug and unplug change the connector status', async () => {
    const res = await post('/api/sim/evses/1/connectors/1/plug');
    assert.equal(res.status, 200);
    assert.deepEqual(await json(res), { ok: true, evseId: 1, connectorId: 1, plugged: true });
    await sleep(150); // plug detection is debounced
    let s = await json(await fetch(`${base}/api/status`));
    assert.equal((s['evses'] as Array<Record<string, any>>)[0]!['connectors'][0].status, 'Occupied');
    await post('/api/sim/evses/1/connectors/1/unplug');
    await sleep(150);
    s = await json(await fetch(`${base}/api/status`));
    assert.equal((s['evses'] as Array<Record<string, any>>)[0]!['connectors'][0].status, 'Available');
  });

  it('a card presented while the CSMS cannot be reached is not accepted', async () => {
    const res = await post('/api/sim/evses/1/token', { idToken: 'CARD1', type: 'ISO14443' });
    assert.equal(res.status, 200);
    assert.deepEqual(await json(res), { outcome: 'rejected', status: 'Unknown' });
  });

  it('a fault input faults the connector and clears again', async () => {
    assert.equal((await post('/api/sim/inputs/emergencyStop', { active: true })).status, 200);
    await sleep(80);
    let s = await json(await fetch(`${base}/api/status`));
    assert.equal((s['evses'] as Array<Record<string, any>>)[0]!['connectors'][0].status, 'Faulted');
    await post('/api/sim/inputs/emergencyStop', { active: false });
    await sleep(80);
    s = await json(await fetch(`${base}/api/status`));
    assert.equal((s['evses'] as Array<Record<string, any>>)[0]!['connectors'][0].status, 'Available');
  });

  const connectorOne = async (): Promise<Record<string, any>> =>
    ((await json(await fetch(`${base}/api/status`)))['evses'] as Array<Record<string, any>>)[0]!['connectors'][0];

  it('a welded contactor faults the connector; POST /api/faults/clear clears it only once the contact opened', async () => {
    const res = await post('/api/sim/evses/1/connectors/1/contactor', { fault: 'welded' });
    assert.deepEqual(await json(res), { ok: true, evseId: 1, connectorId: 1, contactor: 'welded' });
    await sleep(700); // contactorFeedbackTimeoutMs 500 + debounce
    assert.deepEqual((await connectorOne())['faults'], ['contactor-welded']);
    assert.equal((await connectorOne())['status'], 'Faulted');
    let clear = await json(await post('/api/faults/clear', {}));
    assert.deepEqual((clear['evses'] as any[])[0].cleared, []);
    assert.match((clear['evses'] as any[])[0].remaining[0].reason, /feedback contact still disagrees/);
    await post('/api/sim/evses/1/connectors/1/contactor', { fault: 'none' });
    await sleep(100);
    assert.equal((await connectorOne())['status'], 'Faulted', 'a welded contact does not clear by itself');
    clear = await json(await post('/api/faults/clear', { evseId: 1 }));
    assert.deepEqual(clear, { evses: [{ evseId: 1, cleared: ['contactor-welded'], remaining: [] }] });
    assert.equal((await connectorOne())['status'], 'Available');
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

describe('local HTTP API with real hardware', () => {
  it('refuses the simulation endpoints with 409', async () => {
    const api = new HttpApi({ status: () => ({}), presentIdToken: async () => ({ outcome: 'rejected', status: 'Busy' }), clearFaults: () => [], simulation: () => undefined }, silentLogger);
    const port = await api.listen('127.0.0.1', 0);
    try {
      for (const path of ['/api/sim/evses/1/connectors/1/plug', '/api/sim/inputs/emergencyStop', '/api/sim/evses/1/token']) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body: '{"active":true,"idToken":"A"}' });
        assert.equal(res.status, 409, path);
        assert.match(String((await json(res))['error']), /not simulated/);
      }
    } finally {
      await api.close();
    }
  });
});
