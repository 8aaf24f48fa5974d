import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { OcppSchemas } from '../../src/ocpp/rpc/ocpp-schemas.js';
import { answers } from '../../tools/dev-csms/dev-csms.js';
import { perVersion, startStation, VERSIONS, type AnyDriver } from '../integration/drivers/start-station.js';
import { afterEachTest, ID, rawCall, until } from '../integration/harness.js';
import { scrape, type Scrape } from './prom-text.js';

/**
 * GET /metrics (issue 16) on a simulated station against the dev CSMS, both versions: the text
 * format read by an independent parser, its values checked against what the station did and what
 * the CSMS recorded (a session's energy, the messages by action, CALLERRORs by code, a meter fault).
 */

const KIND = { call: 'call', callResult: 'callresult', callError: 'callerror' } as const;

/** The messages the CSMS recorded, counted as evse_ocpp_messages_total labels them ("direction/type/action" -> count). */
function recordedMessages(d: AnyDriver, knownActions: ReadonlySet<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of d.csms.station(ID)!.messages) {
    if (m.kind === 'unreadable') continue;
    const direction = m.direction === 'fromStation' ? 'sent' : 'received';
    const action = m.action !== undefined && knownActions.has(m.action) ? m.action : 'unknown';
    const key = `${direction}/${KIND[m.kind]}/${action}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function scrapedMessages(s: Scrape): Map<string, number> {
  return new Map(s.samples('evse_ocpp_messages_total').map((m) => [`${m.labels!['direction']}/${m.labels!['type']}/${m.labels!['action']}`, Number(m.value)]));
}

/** Scrapes until `ok` holds (the station's last frames may still be on their way); fails with the last scrape's story. */
async function scrapeUntil(d: AnyDriver, ok: (s: Scrape) => boolean, what: string, timeoutMs = 5000, tell: (s: Scrape) => string = () => ''): Promise<Scrape> {
  const deadline = Date.now() + timeoutMs;
  let last: Scrape;
  for (;;) {
    last = await scrape(d.agent.apiPort);
    if (ok(last)) return last;
    if (Date.now() > deadline) assert.fail(`${what}: not seen within ${timeoutMs} ms ${tell(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const evse1 = { evse: '1' };
const connector1 = { evse: '1', connector: '1' };

for (const version of VERSIONS) {
  describe(`metrics, OCPP ${version}: GET /metrics`, function () {
    this.timeout(30000);
    afterEach(afterEachTest);

    it('a charging session: status, relay, energy, power and current as the station has them; messages by action as the CSMS recorded them; the contactor closing survives a restart', async () => {
      const d = await startStation(version);
      const idle = await scrape(d.agent.apiPort);
      assert.equal(idle.value('evse_connector_status', { ...connector1, status: 'Available' }), 1);
      assert.equal(idle.value('evse_relay_closed', connector1), 0);
      assert.equal(idle.value('evse_contactor_closings_total', connector1), 0);
      assert.equal(idle.value('evse_ocpp_connected'), 1);
      assert.equal(idle.value('evse_ocpp_boot_state', { state: 'Accepted' }), 1);
      assert.equal(idle.value('evse_station_info', { identity: ID, ocpp_version: version }), 1);
      assert.ok(idle.families.has('process_cpu_seconds_total') && idle.families.has('nodejs_heap_size_used_bytes'), 'the default Node metrics');

      const tx = await d.startCharging();
      await until(() => (d.agent.status().evses[0]!.transaction?.energyWh ?? 0) > 0, 8000, 'energy flows');
      const before = d.agent.status().evses[0]!;
      const charging = await scrape(d.agent.apiPort);
      const after = d.agent.status().evses[0]!;
      const sessionWh = charging.value('evse_session_energy_wh', evse1)!;
      assert.ok(sessionWh >= before.transaction!.energyWh && sessionWh <= after.transaction!.energyWh, `session ${sessionWh} Wh within ${before.transaction!.energyWh}..${after.transaction!.energyWh}`);
      const registerWh = charging.value('evse_energy_register_wh', evse1)!;
      assert.ok(registerWh >= before.meter!.registerWh! && registerWh <= after.meter!.registerWh!);
      assert.ok(charging.value('evse_power_w', evse1)! > 0);
      assert.ok(charging.value('evse_current_a', { ...evse1, phase: 'L1' })! > 0);
      assert.ok(charging.value('evse_voltage_v', { ...evse1, phase: 'L1' })! > 200);
      assert.equal(charging.value('evse_transaction_active', evse1), 1);
      assert.equal(charging.value('evse_relay_closed', connector1), 1);
      assert.equal(charging.value('evse_connector_status', { ...connector1, status: 'Occupied' }), 1);
      assert.equal(charging.value('evse_connector_status', { ...connector1, status: 'Available' }), 0);
      assert.equal(charging.value('evse_connector_charging_state', { ...connector1, state: 'Charging' }), 1);
      // What the CSMS is told differs: 1.6 has a status of its own for charging.
      assert.equal(charging.value('evse_connector_ocpp_status', { ...connector1, status: perVersion(version, { '1.6': 'Charging', '2.0.1': 'Occupied' }) }), 1);
      assert.equal(charging.value('evse_contactor_closings_total', connector1), 1);
      assert.equal(charging.value('evse_limit_a', { ...evse1, source: 'evse' }), 32);

      await d.remoteStop(tx);
      await d.waitForEnded();
      const known = OcppSchemas.for(version).actions;
      const story = (s: Scrape): string => JSON.stringify([...scrapedMessages(s)].sort());
      const ended = await scrapeUntil(d, (s) => story(s) === JSON.stringify([...recordedMessages(d, known)].sort()), 'every message the CSMS recorded, counted alike', 5000, (s) => `${story(s)}\n!==\n${JSON.stringify([...recordedMessages(d, known)].sort())}`);
      const sent = (action: string): number | undefined => ended.value('evse_ocpp_messages_total', { direction: 'sent', type: 'call', action });
      assert.equal(sent('BootNotification'), 1);
      if (version === '1.6') assert.deepEqual([sent('StartTransaction'), sent('StopTransaction')], [1, 1]);
      else assert.ok(sent('TransactionEvent')! >= 2, 'Started and Ended');
      assert.equal(ended.value('evse_ocpp_messages_total', { direction: 'received', type: 'call', action: perVersion(version, { '1.6': 'RemoteStopTransaction', '2.0.1': 'RequestStopTransaction' }) }), 1);
      assert.ok(ended.histogram('evse_ocpp_call_duration_seconds', { action: 'BootNotification' }).count === 1);
      assert.equal(ended.value('evse_session_energy_wh', evse1), 0);
      assert.equal(ended.value('evse_transaction_active', evse1), 0);
      assert.equal(ended.value('evse_relay_closed', connector1), 0);
      assert.equal(ended.value('evse_ocpp_queued_transaction_messages'), 0);
      assert.ok(ended.value('evse_journal_size_bytes')! > 0);

      // Wear is of the contactor, not of this run of the agent.
      await d.stop('clean');
      await d.startAgain();
      const restarted = await scrape(d.agent.apiPort);
      assert.equal(restarted.value('evse_contactor_closings_total', connector1), 1);
      assert.equal(restarted.value('evse_ocpp_messages_total', { direction: 'sent', type: 'call', action: 'BootNotification' }), 1, 'the traffic counters are of this run');
    });

    it('CALLERRORs by code, sent and received: an unknown action, a malformed CALL (1.6 FormationViolation, 2.0.1 RpcFrameworkError), a Heartbeat the CSMS refuses', async () => {
      const d = await startStation(version);
      assert.equal((await rawCall(d.csms, '[2,"m-unknown","NoSuchAction",{}]', 'm-unknown')).kind, 'callError');
      assert.equal((await rawCall(d.csms, '[2,"m-malformed",42,{}]', 'm-malformed')).kind, 'callError');
      d.csms.answer('Heartbeat', answers.callError('InternalError'));
      await d.csms.call(ID, 'TriggerMessage', { requestedMessage: 'Heartbeat' });
      const s = await scrapeUntil(d, (x) => x.samples('evse_ocpp_callerrors_total', { direction: 'received' }).length > 0, 'the refused Heartbeat');
      assert.equal(s.value('evse_ocpp_callerrors_total', { direction: 'sent', code: 'NotImplemented', action: 'unknown' }), 1);
      assert.equal(s.value('evse_ocpp_callerrors_total', { direction: 'sent', code: perVersion(version, { '1.6': 'FormationViolation', '2.0.1': 'RpcFrameworkError' }), action: 'unknown' }), 1);
      assert.equal(s.value('evse_ocpp_callerrors_total', { direction: 'received', code: 'InternalError', action: 'Heartbeat' }), 1);
      assert.equal(s.value('evse_ocpp_messages_total', { direction: 'received', type: 'callerror', action: 'Heartbeat' }), 1);
      assert.equal(s.histogram('evse_ocpp_call_duration_seconds', { action: 'Heartbeat' }).count, 1, 'a refused call had its round trip too');
    });
  });
}

describe('metrics: GET /metrics, a meter fault and access', function () {
  this.timeout(30000);
  afterEach(afterEachTest);

  it('a meter answering with bad CRCs: its errors by kind, failed polls and their durations counted; the meter down and the meter fault active; up again when it answers', async () => {
    const d = await startStation('2.0.1');
    const post = (path: string, body: object): Promise<Response> => fetch(`http://127.0.0.1:${d.agent.apiPort}${path}`, { method: 'POST', body: JSON.stringify(body) });
    assert.equal((await post('/api/sim/evses/1/meter', { fault: 'crc' })).status, 200);
    const failed = await scrapeUntil(d, (s) => s.value('evse_meter_up', evse1) === 0, 'the meter failed', 10000);
    assert.ok(failed.value('evse_meter_errors_total', { ...evse1, kind: 'crc' })! > 0);
    assert.equal(failed.value('evse_meter_errors_total', { ...evse1, kind: 'timeout' }), 0);
    const failedPolls = failed.value('evse_meter_polls_total', { ...evse1, outcome: 'failed' })!;
    assert.ok(failedPolls > 0);
    assert.equal(failed.histogram('evse_meter_poll_duration_seconds', { ...evse1, outcome: 'failed' }).count, failedPolls);
    assert.equal(failed.value('evse_fault_active', { ...evse1, fault: 'meter' }), 1);
    assert.ok(failed.value('evse_faults_raised_total', { ...evse1, fault: 'meter' })! >= 1);

    assert.equal((await post('/api/sim/evses/1/meter', { fault: 'none' })).status, 200);
    const recovered = await scrapeUntil(d, (s) => s.value('evse_meter_up', evse1) === 1, 'the meter answers again', 10000);
    assert.equal(recovered.value('evse_fault_active', { ...evse1, fault: 'meter' }), 0);
  });

  it('with api.token, /metrics needs it as /api does: 401 without, the text with the bearer token or ?token=', async () => {
    const token = 'metrics-test-token-0123456789';
    const d = await startStation('1.6', { config: (doc) => (doc['api'] = { listen: '127.0.0.1:0', token }) });
    const url = `http://127.0.0.1:${d.agent.apiPort}/metrics`;
    const refused = await fetch(url);
    assert.equal(refused.status, 401);
    assert.ok(typeof ((await refused.json()) as { error?: unknown }).error === 'string');
    assert.equal((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const s = await scrape(d.agent.apiPort, { authorization: `Bearer ${token}` });
    assert.equal(s.value('evse_ocpp_connected'), 1);
    const byQuery = await fetch(`${url}?token=${token}`);
    assert.equal(byQuery.status, 200);
  });

  it('the alert rules shipped in config/prometheus/alerts.yml name only metrics the station exposes', async () => {
    const d = await startStation('2.0.1');
    const exposed = (await scrape(d.agent.apiPort)).families;
    const rules = readFileSync(path.join(packageRoot, 'config', 'prometheus', 'alerts.yml'), 'utf8');
    const named = new Set([...rules.matchAll(/\b(evse_[a-z_]+)\b/g)].map((m) => m[1]!));
    assert.ok(named.size >= 6, [...named].join(' '));
    for (const name of named) assert.ok(exposed.has(name.replace(/_(bucket|sum|count)$/, '')), `${name} is exposed`);
  });
});
