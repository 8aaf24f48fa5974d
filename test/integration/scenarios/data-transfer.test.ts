import assert from 'node:assert/strict';
import { startStation, VERSIONS } from '../drivers/start-station.js';
import { afterEachTest, assertNoCallErrors, ID } from '../harness.js';

/**
 * DataTransfer from the CSMS, both versions (1.6 5.6, 2.0.1 P01.FR.05): a vendor without a
 * handler gets UnknownVendorId, a registered handler answers, one that fails answers Rejected.
 * 1.6 data is a string, 2.0.1 data any JSON: each version's handler and payload say so.
 */

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: DataTransfer`, function () {
    this.timeout(15000);
    afterEach(afterEachTest);

    it('1.6 5.6 / 2.0.1 P01.FR.05 DataTransfer of an unknown vendor: UnknownVendorId; with a registered handler, its answer; a failing handler, Rejected', async () => {
      const d = await startStation(version);
      const seen: unknown[] = [];
      const broken = async (): Promise<never> => {
        throw new Error('broken');
      };
      if (d.version === '1.6') {
        assert.deepEqual(await d.csms.call(ID, 'DataTransfer', { vendorId: 'com.example.nobody', messageId: 'x', data: 'y' }), { status: 'UnknownVendorId' });
        d.agent.v16.dataTransferHandlers.set('com.example.vendor', async (messageId, data) => {
          seen.push([messageId, data]);
          return { status: 'Accepted', data: `${messageId}:${data}` };
        });
        d.agent.v16.dataTransferHandlers.set('com.example.broken', broken);
        assert.deepEqual(await d.csms.call(ID, 'DataTransfer', { vendorId: 'com.example.vendor', messageId: 'ping', data: 'pong' }), { status: 'Accepted', data: 'ping:pong' });
        assert.deepEqual(seen, [['ping', 'pong']]);
      } else {
        assert.deepEqual(await d.csms.call(ID, 'DataTransfer', { vendorId: 'com.example.nobody', messageId: 'x' }), { status: 'UnknownVendorId' });
        d.agent.v201.dataTransferHandlers.set('com.example.vendor', async (messageId, data) => {
          seen.push([messageId, data]);
          return { status: 'Accepted', data: { echo: data, messageId: messageId ?? null } };
        });
        d.agent.v201.dataTransferHandlers.set('com.example.broken', broken);
        assert.deepEqual(await d.csms.call(ID, 'DataTransfer', { vendorId: 'com.example.vendor', messageId: 'ping', data: { n: 1 } }), {
          status: 'Accepted',
          data: { echo: { n: 1 }, messageId: 'ping' },
        });
        assert.deepEqual(seen, [['ping', { n: 1 }]]);
      }
      assert.deepEqual(await d.csms.call(ID, 'DataTransfer', { vendorId: 'com.example.broken' }), { status: 'Rejected' });
      assertNoCallErrors(d.csms);
    });
  });
}
