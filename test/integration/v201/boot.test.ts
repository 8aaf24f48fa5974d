import assert from 'node:assert/strict';
import type { BootNotificationRequest } from 'ocpp-messages/v2.0/BootNotificationRequest.js';
import { firmwareVersion } from '../../../src/app/agent.js';
import { answers } from '../../../tools/dev-csms/dev-csms.js';
import { CallErrorResponse } from '../../../src/ocpp/rpc/rpc-errors.js';
import {
  afterEachTest,
  assertNoCallErrors,
  callRecords,
  calls,
  CARD,
  ID,
  plugIn,
  SERIAL,
  sleep,
  startRig,
  txEvents,
  until,
  waitForTx,
} from './rig.js';

/**
 * B01-B03: the agent's registration with a real WebSocket CSMS that validates every message
 * against the official schemas: cold boot Accepted, Pending and Rejected. The heartbeat at the
 * interval and the clock following the CSMS are shared with 1.6: ../scenarios/boot.test.ts.
 */

describe('OCPP 2.0.1 integration: boot (B01-B03)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('B01.FR.01/09 BootNotification describes the station (vendor, model, firmware, serial) with reason PowerUp; B01.FR.05 then a StatusNotification per connector', async () => {
    const { csms, agent } = await startRig({ config: (doc) => doc['evses'][0]['connectors'].push({ id: 2, type: 'cType2', relay: { line: 16 }, plugDetect: { line: 25, activeLow: true } }) });
    const boots = calls<BootNotificationRequest>(csms, 'BootNotification');
    assert.equal(boots.length, 1);
    assert.deepEqual(boots[0], {
      reason: 'PowerUp',
      chargingStation: { vendorName: 'evse-agent', model: 'simulator', firmwareVersion: firmwareVersion(), serialNumber: SERIAL },
    });
    const messages = csms.station(ID)!.messages;
    const bootAnswer = messages.find((m) => m.direction === 'toStation' && m.kind === 'callResult' && m.action === 'BootNotification')!;
    // B01.FR.05: one StatusNotification per connector, each after the Accepted answer, each with its current state.
    const sn = callRecords(csms, 'StatusNotification');
    assert.deepEqual(
      sn.map((m) => [m.payload.evseId, m.payload.connectorId, m.payload.connectorStatus]).sort(),
      [
        [1, 1, 'Available'],
        [1, 2, 'Available'],
      ],
    );
    assert.ok(sn.every((m) => m.seq > bootAnswer.seq), 'statuses only after the boot was accepted');
    // B01.FR.08: nothing but BootNotification before the answer.
    assert.ok(callRecords(csms).filter((m) => m.seq < bootAnswer.seq).every((m) => m.action === 'BootNotification'));
    assert.equal(agent.adapter.bootState$.value, 'Accepted');
    assert.equal(csms.station(ID)!.state().boot?.status, 'Accepted');
    assertNoCallErrors(csms);
  });

  it('B02.FR.02/B01.FR.08 while Pending nothing but BootNotification is sent, even when a vehicle plugs in; B02.FR.01 GetVariables is answered; B02.FR.05 RequestStart/StopTransaction Rejected; B02.FR.08 retried after the interval; after Accepted the queued TransactionEvent and the statuses arrive', async () => {
    const { csms, agent } = await startRig({
      // B02.FR.03: this station starts transactions at plug-in, also before it is accepted.
      config: (doc) => {
        doc['charging'] = { ...doc['charging'], txStartPoints: ['EVConnected'], txStopPoints: ['EVConnected'] };
      },
      program: (csms) => csms.answer('BootNotification', answers.boot('Pending', 1)),
      waitForAcceptance: false,
    });
    await csms.waitFor(ID, 'BootNotification');
    await until(() => agent.adapter.bootState$.value === 'Pending', 2000, 'Pending');
    await plugIn(agent);
    await until(() => agent.station.transactions().length === 1, 2000, 'a transaction at plug-in');
    // B02.FR.01: the CSMS may read and set the configuration while Pending; the station answers.
    const got = await csms.getVariables(ID, [{ component: { name: 'ChargingStation' }, variable: { name: 'Model' } }]);
    assert.deepEqual([got.getVariableResult[0].attributeStatus, got.getVariableResult[0].attributeValue], ['Accepted', 'simulator']);
    const set = await csms.setVariables(ID, [{ component: { name: 'TxCtrlr' }, variable: { name: 'EVConnectionTimeOut' }, attributeValue: '90' }]);
    assert.equal(set.setVariableResult[0].attributeStatus, 'Accepted');
    // B02.FR.05
    const start = await csms.requestStartTransaction(ID, { evseId: 1, idToken: CARD });
    assert.equal(start.status, 'Rejected');
    const stop = await csms.requestStopTransaction(ID, agent.station.transactions()[0]!.id);
    assert.equal(stop.status, 'Rejected');
    // B02.FR.04/08: the next BootNotification no sooner than the interval after the answer, and then.
    const firstAnswer = csms.station(ID)!.messages.find((m) => m.kind === 'callResult' && m.action === 'BootNotification')!;
    const second = await csms.waitForNext(ID, 'BootNotification', undefined, 3000);
    const waited = second.at.getTime() - firstAnswer.at.getTime();
    assert.ok(waited >= 950 && waited < 2000, `retried after ${waited} ms, expected the 1 s interval`);
    // B02.FR.02: nothing else went out while Pending.
    assert.deepEqual([...new Set(callRecords(csms).map((m) => m.action))], ['BootNotification']);
    assert.equal(agent.adapter.queue.length, 1, 'the Started message waits in the queue');

    csms.answer('BootNotification', answers.boot('Accepted', 300));
    const started = await waitForTx(csms, (t) => t.eventType === 'Started', 4000);
    assert.equal(started.triggerReason, 'CablePluggedIn');
    assert.equal(started.seqNo, 0);
    assert.deepEqual(started.evse, { id: 1, connectorId: 1 });
    const occupied = await csms.waitFor<{ connectorStatus: string }>(ID, 'StatusNotification', (p) => p.connectorStatus === 'Occupied');
    const accepted = csms.station(ID)!.messages.filter((m) => m.kind === 'callResult' && m.action === 'BootNotification').at(-1)!;
    assert.ok(occupied.seq > accepted.seq);
    assert.equal(agent.adapter.bootState$.value, 'Accepted');
    assert.equal(agent.adapter.queue.length, 0);
    assertNoCallErrors(csms);
  });

  it('B02.FR.02 while Pending the station sends what the CSMS asks for: TriggerMessage StatusNotification and Heartbeat, GetBaseReport NotifyReport; TriggerMessage BootNotification boots at once (B02.FR.04), not waiting for the interval', async () => {
    const { csms, agent } = await startRig({
      program: (csms) => csms.answer('BootNotification', answers.boot('Pending', 60)),
      waitForAcceptance: false,
    });
    await csms.waitFor(ID, 'BootNotification');
    await until(() => agent.adapter.bootState$.value === 'Pending', 2000, 'Pending');
    assert.deepEqual((await csms.triggerMessage(ID, { message: 'StatusNotification', evseId: 1, connectorId: 1 })).response, { status: 'Accepted' });
    await csms.waitFor(ID, 'StatusNotification', undefined, 2000);
    assert.deepEqual((await csms.triggerMessage(ID, { message: 'Heartbeat' })).response, { status: 'Accepted' });
    await csms.waitFor(ID, 'Heartbeat', undefined, 2000);
    assert.equal((await csms.getBaseReport(ID, 'SummaryInventory', 7)).status, 'Accepted');
    await csms.waitFor<{ requestId: number; tbc: boolean }>(ID, 'NotifyReport', (p) => p.requestId === 7 && !p.tbc, 2000);
    csms.answer('BootNotification', answers.boot('Accepted', 300));
    await sleep(50); // the report's last answer
    assert.deepEqual((await csms.triggerMessage(ID, { message: 'BootNotification' })).response, { status: 'Accepted' });
    await until(() => agent.adapter.bootState$.value === 'Accepted', 1000, 'Accepted');
    assert.equal(calls(csms, 'BootNotification').length, 2);
    assertNoCallErrors(csms);
  });

  it('B03.FR.02 Rejected: nothing is sent until the interval expired; B03.FR.08 a CSMS call gets CALLERROR SecurityError; accepted later', async () => {
    const { csms, agent } = await startRig({
      program: (csms) => csms.answer('BootNotification', answers.boot('Rejected', 2)),
      waitForAcceptance: false,
    });
    await csms.waitFor(ID, 'BootNotification');
    await until(() => agent.adapter.bootState$.value === 'Rejected', 2000, 'Rejected');
    const rejectedAt = csms.station(ID)!.messages.find((m) => m.kind === 'callResult' && m.action === 'BootNotification')!.at.getTime();
    await plugIn(agent);
    await agent.station.presentIdToken(1, CARD);
    // B03.FR.08
    await assert.rejects(
      csms.getVariables(ID, [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }]),
      (err: unknown) => err instanceof CallErrorResponse && err.errorCode === 'SecurityError',
    );
    await assert.rejects(csms.requestStartTransaction(ID, { evseId: 1 }), (err: unknown) => err instanceof CallErrorResponse && err.errorCode === 'SecurityError');
    csms.answer('BootNotification', answers.boot('Accepted', 300));
    const second = await csms.waitForNext(ID, 'BootNotification', undefined, 4000);
    const waited = second.at.getTime() - rejectedAt;
    assert.ok(waited >= 1950 && waited < 3000, `retried after ${waited} ms, expected the 2 s interval`);
    // B03.FR.02: the station sent nothing between the two boots.
    assert.deepEqual(
      callRecords(csms).map((m) => m.action),
      ['BootNotification', 'BootNotification'],
    );
    await until(() => agent.adapter.bootState$.value === 'Accepted', 2000, 'Accepted');
    const occupied = await csms.waitFor<{ connectorStatus: string }>(ID, 'StatusNotification', (p) => p.connectorStatus === 'Occupied');
    assert.ok(occupied.seq > second.seq);
    // The token presented while rejected was not authorized (Authorize could not be sent).
    assert.equal(txEvents(csms).length, 0);
    // The only CALLERRORs are the station's two SecurityErrors.
    assert.deepEqual(
      csms.station(ID)!.callErrors.map((e) => [e.direction, e.error?.code]),
      [
        ['fromStation', 'SecurityError'],
        ['fromStation', 'SecurityError'],
      ],
    );
  });
});
