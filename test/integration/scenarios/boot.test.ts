import assert from 'node:assert/strict';
import { startStation, VERSIONS } from '../drivers/start-station.js';
import { afterEachTest, assertNoCallErrors, callRecords, calls, heartbeatGaps, ID, sleep, until } from '../harness.js';
import { waitForTx } from '../v201/rig.js';

/**
 * Registration, both versions (1.6 4.2 / 4.6 / 9.1.10; 2.0.1 B01 / B05 / G02): the heartbeat
 * interval the BootNotification answer gives is the station's, Heartbeats follow at it (and at a
 * new one the CSMS sets, at once), and the station's clock follows the CSMS' currentTime. What the
 * boot says, Pending and Rejected differ in the details of each version: v16/boot.test.ts,
 * v201/boot.test.ts.
 */

const HOUR_MS = 3600_000;

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
      await until(() => calls(d.csms, 'Heartbeat').length >= 2, 5000, 'two Heartbeats');
      // Two intervals: from the boot's answer to the first Heartbeat, and between the two.
      const bootAnswered = d.csms.station(ID)!.messages.find((m) => m.direction === 'toStation' && m.kind === 'callResult' && m.action === 'BootNotification')!;
      const first = callRecords(d.csms, 'Heartbeat')[0]!;
      const gaps = [first.at.getTime() - bootAnswered.at.getTime(), ...heartbeatGaps(d.csms)];
      const most = d.version === '1.6' ? 1600 : 1500;
      assert.ok(gaps.length >= 2 && gaps.every((g) => g >= 900 && g < most), `Heartbeats ${gaps.join(', ')} ms apart, expected about 1000`);
      assert.ok(d.csms.station(ID)!.state().lastHeartbeatAt);
      assertNoCallErrors(d.csms);
    });

    it("1.6 4.2/4.6 / 2.0.1 B01.FR.06 the clock follows the CSMS: the BootNotification answer's currentTime (statuses, the transaction start and its meter value, 2.0.1 ClockCtrlr.DateTime on the CSMS clock), then each Heartbeat answer's", async () => {
      const d = await startStation(version, {
        program: (csms) => csms.answer('BootNotification', () => ({ status: 'Accepted', interval: 300, currentTime: new Date(Date.now() + HOUR_MS).toISOString() })),
      });
      const onClock = (offsetMs: number) => (iso: string, what: string): void => {
        const skew = Date.parse(iso) - (Date.now() + offsetMs);
        assert.ok(Math.abs(skew) < 5000, `${what} ${iso} is ${skew} ms off the CSMS clock`);
      };
      const ahead = onClock(HOUR_MS);
      assert.ok(Math.abs(d.agent.adapter.clock.offset - HOUR_MS) < 2000, `offset ${d.agent.adapter.clock.offset}`);
      for (const s of calls<{ timestamp?: string }>(d.csms, 'StatusNotification')) ahead(s.timestamp!, 'StatusNotification');
      if (d.version === '2.0.1') {
        const got = await d.csms.getVariables(ID, [{ component: { name: 'ClockCtrlr' }, variable: { name: 'DateTime' } }]);
        ahead(got.getVariableResult[0]!.attributeValue!, 'ClockCtrlr.DateTime');
      }
      // A Heartbeat answer moves the clock again: 2 h behind; what follows is on that clock.
      d.csms.answer('Heartbeat', () => ({ currentTime: new Date(Date.now() - 2 * HOUR_MS).toISOString() }));
      assert.deepEqual((await d.csms.triggerMessage(ID, { message: 'Heartbeat' })).response, { status: 'Accepted' });
      await d.csms.waitFor(ID, 'Heartbeat', undefined, 2000);
      await until(() => Math.abs(d.agent.adapter.clock.now().getTime() - (Date.now() - 2 * HOUR_MS)) < 5000, 2000, 'the clock 2 h behind');
      const behind = onClock(-2 * HOUR_MS);
      const tx = await d.startCharging();
      behind(tx.timestamp, 'the transaction start');
      if (d.version === '2.0.1') behind((await waitForTx(d.csms, (t) => t.eventType === 'Started')).meterValue![0]!.timestamp, 'Transaction.Begin meter value');
      await d.waitForStatus('Occupied');
      behind(calls<{ timestamp?: string }>(d.csms, 'StatusNotification').at(-1)!.timestamp!, 'the StatusNotification of the plug-in');
      assertNoCallErrors(d.csms);
    });

    it('1.6 9.1.10 ChangeConfiguration / 2.0.1 B05/G02 SetVariables of the HeartbeatInterval: Accepted, and it takes effect at once (the first Heartbeat within the new interval, then at it)', async () => {
      const d = await startStation(version, { csms: { heartbeatIntervalS: 300 } });
      await sleep(200);
      assert.equal(calls(d.csms, 'Heartbeat').length, 0);
      if (d.version === '1.6') assert.deepEqual(await d.csms.changeConfiguration(ID, 'HeartbeatInterval', '1'), { status: 'Accepted' });
      else {
        const set = await d.csms.setVariables(ID, [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '1' }]);
        assert.equal(set.setVariableResult[0]!.attributeStatus, 'Accepted');
      }
      const setAt = Date.now();
      const first = await d.csms.waitForNext(ID, 'Heartbeat', undefined, 2500);
      assert.ok(first.at.getTime() - setAt < 1600, `first Heartbeat ${first.at.getTime() - setAt} ms after the change`);
      await d.csms.waitForNext(ID, 'Heartbeat', undefined, 2500);
      const most = d.version === '1.6' ? 1600 : 1500;
      const gaps = heartbeatGaps(d.csms);
      assert.ok(gaps.length >= 1 && gaps.every((g) => g >= 900 && g < most), `Heartbeats ${gaps.join(', ')} ms apart, expected about 1000`);
      assertNoCallErrors(d.csms);
    });
  });
}
