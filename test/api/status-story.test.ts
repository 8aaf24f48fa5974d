import assert from 'node:assert/strict';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import { firmwareVersion } from '../../src/app/agent.js';
import { afterEachTest, apiStatus, CARD, evseOne, evseWhen, ID, plugIn, sleep, startRig, stopCsms, unplug, until, waitForTx, type Rig } from '../integration/v201/rig.js';

/**
 * GET /api/status tells the whole story: against the development CSMS over a real WebSocket, with
 * the agent on simulated hardware, each answer is read over HTTP as a user would.
 */

const post = (rig: Rig, path: string, body: unknown): Promise<Response> =>
  fetch(`http://127.0.0.1:${rig.agent.apiPort}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('GET /api/status tells the whole story', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('version, uptime and the OCPP connection age; the LED pattern shown', async () => {
    const rig = await startRig();
    await sleep(300);
    const s = await apiStatus(rig);
    assert.equal(s.version, firmwareVersion());
    assert.ok(s.uptimeS >= 0.3 && s.uptimeS < 15, `uptime ${s.uptimeS} s`);
    assert.equal(Date.parse(s.startedAt) <= Date.now(), true);
    assert.equal(s.connection.connected, true);
    assert.equal(s.connection.bootState, 'Accepted');
    assert.ok(s.connection.connectedForS !== null && s.connection.connectedForS >= 0.2 && s.connection.connectedForS <= s.uptimeS, JSON.stringify(s.connection));
    assert.ok(s.connection.connectedSince !== null && Date.parse(s.connection.connectedSince) >= Date.parse(s.startedAt));
    // The last frame either way: the boot's answer and the statuses after it, not before the connection.
    assert.ok(s.connection.lastMessageAt !== null && Date.parse(s.connection.lastMessageAt) >= Date.parse(s.connection.connectedSince) && Date.parse(s.connection.lastMessageAt) <= Date.now());
    // config/simulator.json leaves ledPatterns to the schema's defaults.
    assert.deepEqual(s.evses[0]!.leds, { state: 'Available', ...rig.agent.config.ledPatterns.Available });
    await stopCsms(rig.csms);
    await until(() => !rig.agent.client.isConnected, 3000, 'disconnected');
    const gone = await apiStatus(rig);
    assert.equal(gone.connection.connectedSince, null);
    assert.equal(gone.connection.connectedForS, null);
    assert.ok(gone.connection.lastMessageAt !== null, 'the last message is still told after the connection went');
  });

  it('a remote start before the cable: "authorized, waiting for the cable (N s left)", counting down; gone once plugged in (E03.FR.05)', async () => {
    const rig = await startRig({ config: (d) => (d['charging'] = { ...d['charging'], evConnectionTimeoutS: 30 }) });
    await rig.csms.remoteStart(ID, { evseId: 1, idToken: 'REMOTE-1' });
    const first = await evseWhen(rig, (e) => e.authorization !== null, 'the authorization');
    const a = first.authorization!;
    assert.equal(a.by, 'remote');
    assert.deepEqual(a.idToken, { idToken: 'REMOTE-1', type: 'Central' });
    assert.equal(a.waitingForCable, true);
    assert.ok(a.secondsLeft === 30 || a.secondsLeft === 29, JSON.stringify(a));
    assert.equal(a.text, `authorized, waiting for the cable (${a.secondsLeft} s left)`);
    await sleep(1200);
    const later = (await evseOne(rig)).authorization!;
    assert.ok(later.secondsLeft! < a.secondsLeft!, `counts down: ${a.secondsLeft} then ${later.secondsLeft}`);
    assert.equal(later.text, `authorized, waiting for the cable (${later.secondsLeft} s left)`);
    await plugIn(rig.agent);
    const plugged = await evseWhen(rig, (e) => e.authorization?.waitingForCable === false, 'the cable');
    assert.equal(plugged.authorization!.text, 'authorized');
    assert.equal(plugged.authorization!.secondsLeft, undefined);
  });

  it('a card before the cable waits for it too, and the countdown ends the authorization at EVConnectionTimeOut', async () => {
    const rig = await startRig({ config: (d) => (d['charging'] = { ...d['charging'], evConnectionTimeoutS: 2 }) });
    const res = await post(rig, '/api/sim/evses/1/token', { idToken: CARD.idToken, type: CARD.type });
    assert.deepEqual(await res.json(), { outcome: 'authorized', evseId: 1 });
    const e = await evseOne(rig);
    assert.equal(e.authorization?.by, 'token');
    assert.match(e.authorization?.text ?? '', /^authorized, waiting for the cable \([12] s left\)$/);
    await evseWhen(rig, (x) => x.authorization === null, 'the authorization to time out', 4000);
  });

  it('each active fault with its cause, a failed meter included; the LEDs show Faulted', async () => {
    const rig = await startRig({ config: (d) => (d['meter'] = { ...d['meter'], timeoutMs: 50, retries: 0, failAfterPolls: 2 }) });
    const healthy = await evseOne(rig);
    assert.deepEqual(healthy.faults, []);
    assert.equal(healthy.meter?.latest?.stale, false);
    assert.equal((await post(rig, '/api/sim/inputs/emergencyStop', { active: true })).status, 200);
    const stopped = await evseWhen(rig, (e) => e.faults.length > 0, 'the emergency stop');
    assert.deepEqual(
      stopped.faults.map((f) => [f.fault, f.scope]),
      [['emergency-stop', 'station']],
    );
    assert.match(stopped.faults[0]!.cause, /emergencyStop/);
    assert.ok(stopped.faults[0]!.since !== null);
    assert.equal(stopped.leds?.state, 'Faulted');
    assert.deepEqual(stopped.leds, { state: 'Faulted', ...rig.agent.config.ledPatterns.Faulted });

    assert.equal((await post(rig, '/api/sim/evses/1/meter', { fault: 'silent' })).status, 200);
    const both = await evseWhen(rig, (e) => e.faults.some((f) => f.fault === 'meter'), 'the meter failure', 8000);
    const meter = both.faults.find((f) => f.fault === 'meter')!;
    assert.equal(meter.scope, 'evse');
    assert.match(meter.cause, /time|answer/i, 'the meter error, as the meter code words it');
    assert.equal(both.meter?.health, 'failed');
    assert.equal(both.meter?.failure, meter.cause);
    assert.deepEqual(both.connectors[0]!.faults, ['emergency-stop', 'meter'], 'the connector names the failed meter beside the emergency stop');

    // The meter alone: the connector is Faulted, and says why; the last reading says it is stale.
    await post(rig, '/api/sim/inputs/emergencyStop', { active: false });
    const meterOnly = await evseWhen(rig, (e) => e.faults.length === 1, 'the emergency stop to clear');
    assert.equal(meterOnly.connectors[0]!.status, 'Faulted');
    assert.deepEqual(meterOnly.connectors[0]!.faults, ['meter']);
    const latest = meterOnly.meter?.latest;
    assert.ok(latest, 'the last good reading is still shown');
    assert.equal(latest.stale, true);
    await sleep(300);
    const older = (await evseOne(rig)).meter?.latest;
    assert.equal(older?.timestamp, latest.timestamp, 'no new reading while the meter is silent');
    assert.ok(older.ageS >= 0.3 && older.ageS >= latest.ageS + 0.2, `its age grows: ${latest.ageS} s, then ${older.ageS} s`);
    assert.ok(Math.abs(Date.now() - Date.parse(String(older.timestamp)) - older.ageS * 1000) < 1000, 'the age is that of its timestamp');

    await post(rig, '/api/sim/evses/1/meter', { fault: 'none' });
    const clear = await evseWhen(rig, (e) => e.faults.length === 0, 'the faults to clear', 8000);
    assert.equal(clear.meter?.failure, undefined);
    assert.deepEqual(clear.connectors[0]!.faults, []);
    assert.equal(clear.meter?.latest?.stale, false);
    // The fault is gone, the trip is not: the status says what brings energy back.
    assert.equal(clear.safetyTrip?.cause, 'emergency-stop');
    assert.match(clear.safetyTrip.resumesWith, /unplug the vehicle and plug it in again, or a new authorization/);
    await plugIn(rig.agent);
    await unplug(rig.agent);
    assert.equal((await evseOne(rig)).safetyTrip, null);
  });

  it('a transaction: energy of the session beside the register; a local stop by its id ends it with Local (E07.FR.05)', async () => {
    const rig = await startRig();
    await plugIn(rig.agent);
    assert.equal((await rig.agent.station.presentIdToken(1, CARD)).outcome, 'authorized');
    const started = await waitForTx(rig.csms, (t) => t.eventType === 'Started');
    const id = started.transactionInfo.transactionId;
    const e = await evseWhen(rig, (x) => (x.transaction?.energyWh ?? 0) > 0, 'energy');
    const tx = e.transaction!;
    assert.equal(tx.id, id);
    assert.equal(tx.csmsTransactionId, undefined, '2.0.1: the CSMS knows the transaction by the core id');
    assert.ok(tx.registerWh !== null && Math.abs(tx.registerWh - tx.meterStartWh - tx.energyWh) < 0.01, JSON.stringify(tx));
    assert.equal(e.meter?.registerWh, tx.registerWh);
    assert.equal(e.meter?.sessionEnergyWh, tx.energyWh);
    assert.equal(e.connectors[0]!.ocppStatus, undefined, '2.0.1 statuses are the core statuses');

    const res = await post(rig, `/api/transactions/${id}/stop`, {});
    assert.deepEqual(await res.json(), { ok: true, transactionId: id, evseId: 1 });
    const ended = await waitForTx(rig.csms, (t: TransactionEventRequest) => t.eventType === 'Ended');
    assert.equal(ended.transactionInfo.stoppedReason, 'Local');
    assert.equal(ended.triggerReason, 'StopAuthorized');
    const after = await evseWhen(rig, (x) => x.transaction === null, 'the transaction to end');
    assert.equal(after.meter?.sessionEnergyWh, null);
    assert.equal((await post(rig, `/api/transactions/${id}/stop`, {})).status, 404);
  });
});
