import assert from 'node:assert/strict';
import { startStation, VERSIONS } from '../drivers/start-station.js';
import { afterEachTest, assertNoCallErrors, calls, heartbeatGaps, ID, until } from '../harness.js';

/**
 * Registration, both versions (1.6 4.2 / 4.6; 2.0.1 B01 / G02): the heartbeat interval the
 * BootNotification answer gives is the station's, and Heartbeats follow at it. What the boot
 * says, Pending and Rejected, and the clock differ in the details of each version:
 * v16/boot.test.ts, v201/boot.test.ts.
 */

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: registration`, function () {
    this.timeout(15000);
    afterEach(afterEachTest);

    it('1.6 4.6 / 2.0.1 B01.FR.04/G02.FR.01 the heartbeat interval comes from the BootNotification answer (1.6 GetConfiguration, 2.0.1 GetVariables show it); G02.FR.02/05 Heartbeats follow at that interval, no doubles', async () => {
      const d = await startStation(version, { csms: { heartbeatIntervalS: 1 } });
      if (d.version === '1.6') {
        const got = await d.csms.getConfiguration(ID, ['HeartbeatInterval']);
        assert.equal(got.configurationKey?.find((k) => k.key === 'HeartbeatInterval')?.value, '1');
      } else {
        const got = await d.csms.getVariables(ID, [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }]);
        assert.equal(got.getVariableResult[0]!.attributeStatus, 'Accepted');
        assert.equal(got.getVariableResult[0]!.attributeValue, '1');
      }
      await until(() => calls(d.csms, 'Heartbeat').length >= 3, 5000, 'three Heartbeats');
      const most = d.version === '1.6' ? 1600 : 1500;
      const gaps = heartbeatGaps(d.csms);
      assert.ok(gaps.length >= 2 && gaps.every((g) => g >= 900 && g < most), `Heartbeats ${gaps.join(', ')} ms apart, expected about 1000`);
      assert.ok(d.csms.station(ID)!.state().lastHeartbeatAt);
      assertNoCallErrors(d.csms);
    });
  });
}
