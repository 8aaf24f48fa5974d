import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import type { StationStatusView } from '../../src/app/station-status.js';
import { firmwareVersion } from '../../src/app/agent.js';
import type { InstallerSummary } from '../../src/api/installer-summary.js';
import { afterEachTest, CARD, logLines, startRig, stopCsms, until, type Rig } from '../integration/v201/rig.js';
import { SseClient } from './sse-client.js';

/**
 * The status page's routes on a running agent (simulated hardware, the development CSMS over a
 * real WebSocket): the live feed as the page reads it, access on a listen reachable from the
 * network, the installer view.
 */

const TOKEN = 'page-token-0123456789abcdef';
const PASSWORD = 'csms-basic-auth-password-0123';

const apiBase = (rig: Rig): string => `http://127.0.0.1:${rig.agent.apiPort}`;
const post = (rig: Rig, path: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${apiBase(rig)}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('status page routes on a running agent', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('GET /api/events: the status at connect (simulated), a plug-in on the page within 1 s, a status every second while charging, "sessions" when it ended', async () => {
    const rig = await startRig();
    const client = await SseClient.open(`${apiBase(rig)}/api/events`);
    try {
      const first = await client.next<StationStatusView>('status');
      assert.equal(first.data.identity, rig.agent.config.station.identity);
      assert.equal(first.data.simulated, true);
      assert.equal(first.data.evses[0]!.connectors[0]!.plugged, false);
      const pulled = Date.now();
      assert.equal((await post(rig, '/api/sim/evses/1/connectors/1/plug')).status, 200);
      const plugged = await client.next<StationStatusView>('status', (s) => s.evses[0]!.connectors[0]!.plugged, 1000, first.index + 1);
      assert.ok(plugged.atMs - pulled < 1000, `on the page ${plugged.atMs - pulled} ms after the lever`);
      assert.equal((await post(rig, '/api/sim/evses/1/token', CARD)).status, 200);
      const charging = await client.next<StationStatusView>('status', (s) => s.evses[0]!.transaction?.chargingState === 'Charging', 3000, plugged.index + 1);
      await new Promise((r) => setTimeout(r, 3200));
      const during = client.events.slice(charging.index + 1).filter((e) => e.event === 'status');
      assert.ok(during.length >= 3, `${during.length} statuses in 3.2 s of charging`);
      const gaps = during.slice(1).map((e, i) => e.atMs - during[i]!.atMs);
      assert.ok(
        gaps.every((g) => g <= 1300),
        `at most a second apart: ${gaps.join(', ')} ms`,
      );
      const energies = during.map((e) => (JSON.parse(e.data) as StationStatusView).evses[0]!.transaction!.energyWh);
      assert.ok(energies.at(-1)! > energies[0]!, `energy rising: ${energies.join(', ')}`);
      assert.equal((await post(rig, '/api/sim/evses/1/connectors/1/unplug')).status, 200);
      await client.next('sessions', () => true, 3000);
      const sessions = (await (await fetch(`${apiBase(rig)}/api/sessions`)).json()) as { sessions: Array<{ transactionId: string }> };
      assert.equal(sessions.sessions.length, 1, 'the history has the session when "sessions" arrives');
    } finally {
      client.close();
    }
  });

  it('GET /api/events: the OCPP connection lost shows on the page without a station event', async () => {
    const rig = await startRig();
    const client = await SseClient.open(`${apiBase(rig)}/api/events`);
    try {
      const first = await client.next<StationStatusView>('status', (s) => s.connection.connected);
      const cut = Date.now();
      await stopCsms(rig.csms);
      const lost = await client.next<StationStatusView>('status', (s) => !s.connection.connected, 3000, first.index + 1);
      assert.ok(lost.atMs - cut < 1500, `${lost.atMs - cut} ms after the CSMS went`);
    } finally {
      client.close();
    }
  });

  it('access on 0.0.0.0 with a token: the shell open, /api/* and the feed need the token (header or ?token=), a POST is refused without it; the token is not logged', async () => {
    const rig = await startRig({ config: (d) => (d['api'] = { listen: '0.0.0.0:0', token: TOKEN }) });
    const base = apiBase(rig);
    const page = await fetch(`${base}/`);
    assert.notEqual(page.status, 401, 'the page shell needs no token');
    await page.body?.cancel();
    for (const path of ['/api/status', '/api/sessions', '/api/sessions.csv', '/api/installer', '/api/events', `/api/events?token=${TOKEN}x`]) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 401, path);
      assert.match(String(((await res.json()) as { error: string }).error), /bearer token is required/, path);
    }
    const refusals = logLines.filter((l) => /refused/.test(l));
    assert.ok(refusals.some((l) => l.includes('/api/events?token=****')), refusals.join('\n'));
    assert.ok(!logLines.some((l) => l.includes(TOKEN)), 'the token sent in the query is not logged');
    const refused = await post(rig, '/api/sim/evses/1/connectors/1/plug');
    assert.equal(refused.status, 401);
    await refused.body?.cancel();
    assert.equal(rig.agent.station.snapshot()[0]!.connectors[0]!.plugged, false, 'the lever was not pulled');
    const byHeader = await fetch(`${base}/api/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(byHeader.status, 200);
    assert.equal(((await byHeader.json()) as StationStatusView).simulated, true);
    const byQuery = await fetch(`${base}/api/status?token=${TOKEN}`);
    assert.equal(byQuery.status, 200);
    await byQuery.body?.cancel();
    const feed = await SseClient.open(`${base}/api/events?token=${encodeURIComponent(TOKEN)}`);
    try {
      assert.equal(feed.status, 200);
      await feed.next('status');
    } finally {
      feed.close();
    }
    const allowed = await post(rig, '/api/sim/evses/1/connectors/1/plug', {}, { authorization: `Bearer ${TOKEN}` });
    assert.equal(allowed.status, 200);
    await allowed.body?.cancel();
    await until(() => rig.agent.station.snapshot()[0]!.connectors[0]!.plugged, 2000, 'plugged');
  });

  it('GET /api/installer: version, uptime, host health, the config summary without secrets, the wiring, check-config verdict (a problem once the file is broken)', async () => {
    const rig = await startRig({
      config: (d) => {
        d['api'] = { listen: '127.0.0.1:0', token: TOKEN };
        d['ocpp'] = { ...d['ocpp'], securityProfile: 1, password: PASSWORD };
      },
    });
    const get = async (): Promise<InstallerSummary> => {
      const res = await fetch(`${apiBase(rig)}/api/installer`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.ok(!text.includes(TOKEN) && !text.includes(PASSWORD), 'no secret in the installer view');
      return JSON.parse(text) as InstallerSummary;
    };
    const s = await get();
    assert.equal(s.version, firmwareVersion());
    assert.ok(Number.isInteger(s.uptimeS) && s.uptimeS >= 0);
    assert.ok(s.cpuTemperatureC === null || typeof s.cpuTemperatureC === 'number');
    assert.ok(typeof s.storageFreeBytes === 'number' && s.storageFreeBytes > 0, 'free storage of storage.dir');
    assert.equal(s.config.identity, rig.agent.config.station.identity);
    assert.equal(s.config.simulated, true);
    assert.ok(s.config.summary.some((l) => /password from the config file/.test(l)), s.config.summary.join('\n'));
    assert.ok(s.config.summary.some((l) => /bearer token required/.test(l)));
    assert.deepEqual(s.checkConfig, { ok: true, problems: [], warnings: s.checkConfig.warnings });
    const roles = new Set(s.wiring.map((w) => w.role));
    for (const role of ['meter', 'relay', 'led', 'input'] as const) assert.ok(roles.has(role), `wiring has a ${role}: ${JSON.stringify(s.wiring)}`);
    assert.deepEqual(
      s.wiring.filter((w) => w.role === 'input' && w.name !== undefined).map((w) => w.name),
      rig.agent.config.inputs.map((i) => i.name),
      'the fault inputs by name (the developer panel\'s levers)',
    );
    const relay = s.wiring.find((w) => w.role === 'relay')!;
    assert.equal(relay.evseId, 1);
    assert.match(relay.where, /^GPIO \d+/);
    // An installer edits the file while the agent runs: the verdict shows what a restart would refuse.
    const doc = JSON.parse(readFileSync(rig.file, 'utf8')) as Record<string, Record<string, unknown>>;
    doc['evses'] = { oops: true };
    doc['ocpp']!['password'] = 12345;
    writeFileSync(rig.file, JSON.stringify(doc));
    const broken = await get();
    assert.equal(broken.checkConfig.ok, false);
    assert.ok(
      broken.checkConfig.problems.some((p) => p.path === '/evses'),
      JSON.stringify(broken.checkConfig.problems),
    );
    const secretProblem = broken.checkConfig.problems.find((p) => p.path === '/ocpp/password');
    assert.ok(secretProblem && !secretProblem.message.includes('12345'), `a secret's value is not repeated: ${JSON.stringify(secretProblem)}`);
  });
});
