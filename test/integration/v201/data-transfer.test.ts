import assert from 'node:assert/strict';
import { afterEachTest, assertNoCallErrors, ID, startRig } from './rig.js';

/**
 * P01 DataTransfer in OCPP 2.0.1. The RPC framework's error answers, shared with 1.6, are in
 * ../scenarios/rpc-errors.test.ts.
 */

describe('OCPP 2.0.1 integration: DataTransfer (P01)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('P01.FR.05 DataTransfer of an unknown vendor: UnknownVendorId; with a registered handler, its answer; a failing handler, Rejected', async () => {
    const { csms, agent } = await startRig();
    assert.deepEqual(await csms.call(ID, 'DataTransfer', { vendorId: 'com.example.nobody', messageId: 'x' }), { status: 'UnknownVendorId' });
    const seen: unknown[] = [];
    agent.v201.dataTransferHandlers.set('com.example.vendor', async (messageId, data) => {
      seen.push([messageId, data]);
      return { status: 'Accepted', data: { echo: data, messageId: messageId ?? null } };
    });
    agent.v201.dataTransferHandlers.set('com.example.broken', async () => {
      throw new Error('broken');
    });
    assert.deepEqual(await csms.call(ID, 'DataTransfer', { vendorId: 'com.example.vendor', messageId: 'ping', data: { n: 1 } }), {
      status: 'Accepted',
      data: { echo: { n: 1 }, messageId: 'ping' },
    });
    assert.deepEqual(seen, [['ping', { n: 1 }]]);
    assert.deepEqual(await csms.call(ID, 'DataTransfer', { vendorId: 'com.example.broken' }), { status: 'Rejected' });
    assertNoCallErrors(csms);
  });

});
