import assert from 'node:assert/strict';
import type { EvseStatusView } from '../../../src/app/station-status.js';
import { DevCsmsHttp } from '../../../tools/dev-csms/dev-csms-http.js';
import {
  afterEachTest,
  evseOne,
  evseWhen,
  ID,
  plugIn,
  startCharging16,
  startRig16,
  unplug,
  waitForStop,
  type Rig,
} from './rig.js';

/**
 * OCPP 1.6 in the local API: GET /api/status shows the Central System's integer transactionId and
 * the 1.6 status (Preparing, Charging, Finishing, ...) beside the core's; POST
 * /api/transactions/{id}/stop takes either id; the development CSMS's stop takes what a user
 * reads in /api/status.
 */

const ocppStatus = (e: EvseStatusView): string | undefined => e.connectors[0]?.ocppStatus?.status;

const stop = async (rig: Rig, id: string | number): Promise<{ status: number; body: Record<string, unknown> }> => {
  const res = await fetch(`http://127.0.0.1:${rig.agent.apiPort}/api/transactions/${encodeURIComponent(String(id))}/stop`, { method: 'POST' });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('OCPP 1.6 in the local API', function () {
  this.timeout(30000);
  afterEach(afterEachTest);

  it('shows Preparing, Charging and Finishing beside the core status, and the integer transactionId beside the core id; stops by the integer id', async () => {
    const rig = await startRig16();
    let e = await evseOne(rig);
    assert.deepEqual(e.connectors[0]!.ocppStatus, { connectorId: 1, status: 'Available', errorCode: 'NoError' });
    await plugIn(rig.agent);
    e = await evseWhen(rig, (x) => ocppStatus(x) === 'Preparing', 'Preparing');
    assert.equal(e.connectors[0]!.status, 'Occupied');

    await unplug(rig.agent);
    const { transactionId, localId } = await startCharging16(rig);
    e = await evseWhen(rig, (x) => ocppStatus(x) === 'Charging' && x.transaction?.csmsTransactionId === transactionId, 'Charging with the CSMS id');
    assert.equal(e.transaction!.id, localId);
    assert.equal(typeof e.transaction!.csmsTransactionId, 'number');
    assert.equal(e.connectors[0]!.status, 'Occupied');
    assert.equal(e.connectors[0]!.chargingState, 'Charging');

    const stopped = await stop(rig, transactionId);
    assert.equal(stopped.status, 200);
    assert.deepEqual(stopped.body, { ok: true, transactionId: localId, csmsTransactionId: transactionId, evseId: 1 });
    const stopTx = await waitForStop(rig.csms);
    assert.equal(stopTx.transactionId, transactionId);
    assert.equal(stopTx.reason, 'Local');
    // The vehicle is still plugged in: Finishing until it leaves (1.6 4.9).
    e = await evseWhen(rig, (x) => x.transaction === null && ocppStatus(x) === 'Finishing', 'Finishing');
    assert.equal(e.connectors[0]!.status, 'Occupied');
    await unplug(rig.agent);
    await evseWhen(rig, (x) => ocppStatus(x) === 'Available', 'Available');
    assert.equal((await stop(rig, transactionId)).status, 404, 'the transaction has ended');
  });

  it('stops by the core id too', async () => {
    const rig = await startRig16();
    const { transactionId, localId } = await startCharging16(rig);
    await evseWhen(rig, (x) => x.transaction?.csmsTransactionId === transactionId, 'the CSMS id');
    const stopped = await stop(rig, localId);
    assert.deepEqual(stopped.body, { ok: true, transactionId: localId, csmsTransactionId: transactionId, evseId: 1 });
    const stopTx = await waitForStop(rig.csms);
    assert.equal(stopTx.transactionId, transactionId);
    assert.equal(stopTx.reason, 'Local');
    assert.equal((await stop(rig, 'no-such-transaction')).status, 404);
  });

  it("the development CSMS's POST /stations/{id}/stop takes the transactionId /api/status shows, as a number or as text", async () => {
    const rig = await startRig16();
    const http = new DevCsmsHttp({ csms: rig.csms, port: 0 });
    await http.start();
    try {
      for (const asText of [false, true]) {
        const { transactionId } = await startCharging16(rig);
        const e = await evseWhen(rig, (x) => typeof x.transaction?.csmsTransactionId === 'number', 'the CSMS id');
        const shown = e.transaction!.csmsTransactionId!;
        assert.equal(shown, transactionId);
        const res = await fetch(`${http.url}/stations/${ID}/stop`, { method: 'POST', body: JSON.stringify({ transactionId: asText ? String(shown) : shown }) });
        const body = (await res.json()) as { action: string; response: { status: string } };
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.equal(body.action, 'RemoteStopTransaction');
        assert.equal(body.response.status, 'Accepted');
        const stopTx = await waitForStop(rig.csms, 5000, (s) => s.transactionId === transactionId);
        assert.equal(stopTx.reason, 'Remote');
        await unplug(rig.agent);
        await evseWhen(rig, (x) => ocppStatus(x) === 'Available', 'Available');
      }
      // The core's id means nothing to a 1.6 Central System: the answer says where the integer is.
      const { localId } = await startCharging16(rig);
      const res = await fetch(`${http.url}/stations/${ID}/stop`, { method: 'POST', body: JSON.stringify({ transactionId: localId }) });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: string }).error, /integer.*csmsTransactionId/);
    } finally {
      await http.stop();
    }
  });
});
