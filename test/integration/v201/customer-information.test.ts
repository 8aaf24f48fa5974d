import assert from 'node:assert/strict';
import type { NotifyCustomerInformationRequest } from 'ocpp-messages/v2.0/NotifyCustomerInformationRequest.js';
import type { DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import { afterEachTest, assertNoCallErrors, CARD, ID, plugIn, startRig, unplug, waitForTx, type Rig } from './rig.js';

/**
 * Issue 14 against the dev CSMS: the sessions the station ended, in GET /api/sessions and in
 * CustomerInformation (N09 report, N10 clear) with the Authorization Cache entry of the card.
 */

interface SessionsBody {
  sessions: Array<{ transactionId: string; idToken: { idToken: string; type: string } | null; energyWh: number; stopReason: string }>;
}

async function apiSessions(rig: Rig): Promise<SessionsBody> {
  const res = await fetch(`http://127.0.0.1:${rig.agent.apiPort}/api/sessions`);
  assert.equal(res.status, 200);
  return (await res.json()) as SessionsBody;
}

/** One session of CARD on EVSE 1: started by the card, ended by unplugging. */
async function chargeOnce(rig: Rig, before: readonly string[] = []): Promise<string> {
  await plugIn(rig.agent);
  assert.equal((await rig.agent.station.presentIdToken(1, CARD)).outcome, 'authorized');
  const txId = (await waitForTx(rig.csms, (t) => t.eventType === 'Started' && !before.includes(t.transactionInfo.transactionId))).transactionInfo.transactionId;
  await unplug(rig.agent);
  await waitForTx(rig.csms, (t) => t.eventType === 'Ended' && t.transactionInfo.transactionId === txId);
  return txId;
}

/** Asks for CustomerInformation of CARD and returns the text of the NotifyCustomerInformation parts that follow. */
async function customerInformation(csms: DevCsms, requestId: number, flags: { report: boolean; clear: boolean }): Promise<string> {
  const answer = await csms.call(ID, 'CustomerInformation', { requestId, ...flags, idToken: CARD });
  assert.deepEqual(answer, { status: 'Accepted' });
  const parts: NotifyCustomerInformationRequest[] = [];
  for (let seqNo = 0; ; seqNo++) {
    const part = (await csms.waitFor<NotifyCustomerInformationRequest>(ID, 'NotifyCustomerInformation', (p) => p.requestId === requestId && p.seqNo === seqNo, 5000)).payload;
    parts.push(part);
    if (!part.tbc) break;
  }
  return parts.map((p) => p.data).join('\n');
}

describe('OCPP 2.0.1 integration: session history and CustomerInformation (N09, N10)', function () {
  this.timeout(20000);
  afterEach(afterEachTest);

  it('sessions recorded and shown newest first; reported (N09), cleared with the cache entry (N10.FR.03), then reported empty (N09.FR.06)', async () => {
    const rig = await startRig();
    const first = await chargeOnce(rig);
    const second = await chargeOnce(rig, [first]);

    const listed = await apiSessions(rig);
    assert.deepEqual(
      listed.sessions.map((s) => s.transactionId),
      [second, first],
    );
    assert.deepEqual(listed.sessions[0]!.idToken, { idToken: '****0001', type: 'ISO14443' });
    assert.equal(listed.sessions[0]!.stopReason, 'EVDisconnected');

    const report = await customerInformation(rig.csms, 1, { report: true, clear: false });
    assert.match(report, /^Authorization Cache: status Accepted/m);
    const reported = [...report.matchAll(/^Session: transaction (\S+),/gm)].map((m) => m[1]);
    assert.deepEqual(reported, [second, first]);
    assert.equal((await apiSessions(rig)).sessions.length, 2, 'a report clears nothing');

    const cleared = await customerInformation(rig.csms, 2, { report: true, clear: true });
    assert.match(cleared, /^Authorization Cache \(cleared\): status Accepted/m);
    assert.equal([...cleared.matchAll(/^Session \(cleared\): transaction /gm)].length, 2);

    const empty = await customerInformation(rig.csms, 3, { report: true, clear: false });
    assert.equal(empty, 'No data found: the Charging Station holds no information about this customer.');
    assert.deepEqual((await apiSessions(rig)).sessions, []);
    assertNoCallErrors(rig.csms);
  });

  it('N09.FR.09: Invalid for a request naming no customer; N09.FR.07: Rejected when neither reporting nor clearing', async () => {
    const { csms } = await startRig();
    assert.equal(((await csms.call(ID, 'CustomerInformation', { requestId: 4, report: true, clear: false })) as { status: string }).status, 'Invalid');
    assert.equal(((await csms.call(ID, 'CustomerInformation', { requestId: 5, report: false, clear: false, customerIdentifier: 'x' })) as { status: string }).status, 'Rejected');
    assertNoCallErrors(csms);
  });
});
