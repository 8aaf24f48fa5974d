import assert from 'node:assert/strict';
import { SimulatedWorld } from '../../../src/hal/simulated-world.js';
import { perVersion, startStation, VERSIONS } from '../drivers/start-station.js';
import { afterEachTest, assertNoCallErrors, callRecords, calls, ID, restartWithin, sleep, until } from '../harness.js';
import { assertContiguous, txEvents } from '../v201/rig.js';

/**
 * Reset of the whole station, both versions (1.6 5.14 Soft and Hard; 2.0.1 B11/B12 Immediate and
 * OnIdle), as the runner carries it out (the agent asks for a restart, is stopped and started
 * again): a transaction running is ended with the reset's reason and delivered before the
 * restart, the station boots again, and with the cable still in it reports what is physically
 * true. 2.0.1-only resets (OnIdle during a transaction, one EVSE) are in v201/reset.test.ts.
 */

/** The resets that end a transaction at once, and the stop reason each gives. */
const resetsNow = (version: '1.6' | '2.0.1') =>
  perVersion(version, {
    '1.6': [
      { type: 'Soft', reason: 'SoftReset' },
      { type: 'Hard', reason: 'HardReset' },
    ],
    '2.0.1': [{ type: 'Immediate', reason: 'ImmediateReset' }],
  });

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: reset`, function () {
    this.timeout(15000);
    afterEach(afterEachTest);

    for (const { type, reason } of resetsNow(version)) {
      it(`1.6 5.14 / 2.0.1 B12.FR.02/04 Reset ${type} during a transaction: Accepted, the transaction ended (${reason}; 2.0.1 ResetCommand) and answered before the restart; B11.FR.04 the station boots again with RemoteReset`, async () => {
        const d = await startStation(version);
        const tx = await d.startCharging();
        await sleep(200);
        assert.deepEqual((await d.csms.resetStation(ID, { type })).response, { status: 'Accepted' });
        assert.equal(await restartWithin(d.agent, 3000), 'RemoteReset');
        assert.equal(d.relayClosed(), false);
        // The runner stops the agent: the end goes out before the connection closes.
        await d.stop();
        const ended = d.ended();
        assert.equal(ended.length, 1);
        assert.equal(ended[0]!.csmsId, tx.csmsId);
        assert.equal(ended[0]!.reason, reason);
        const messages = d.csms.station(ID)!.messages;
        const endRecord = messages.find((m) => m.kind === 'call' && (m.action === 'StopTransaction' || (m.action === 'TransactionEvent' && (m.payload as { eventType: string }).eventType === 'Ended')))!;
        assert.ok(
          messages.some((m) => m.kind === 'callResult' && m.messageId === endRecord.messageId),
          'B12.FR.04: the end was answered before the restart',
        );
        if (d.version === '2.0.1') {
          const events = txEvents(d.csms, String(tx.csmsId));
          assertContiguous(events);
          assert.equal(events.at(-1)!.eventType, 'Ended');
          assert.equal(events.at(-1)!.triggerReason, 'ResetCommand');
          const disconnect = d.csms.station(ID)!.connections.find((c) => c.type === 'disconnected')!;
          assert.ok(disconnect.at.getTime() >= endRecord.at.getTime());
        }
        // The restart: a new agent on the same config boots again.
        await d.startAgain({ bootReason: 'RemoteReset' });
        const boots = calls<Record<string, unknown>>(d.csms, 'BootNotification');
        assert.equal(boots.length, 2);
        if (d.version === '1.6') assert.deepEqual(Object.keys(boots[1]!).sort(), Object.keys(boots[0]!).sort());
        else assert.equal(boots[1]!['reason'], 'RemoteReset');
        assertNoCallErrors(d.csms);
      });
    }

    it(`1.6 5.14 / 2.0.1 B11.FR.01/03 Reset without a transaction (1.6 Hard, 2.0.1 OnIdle): Accepted and the restart at once; nothing else sent; 2.0.1 an unknown EVSE Rejected`, async () => {
      const d = await startStation(version);
      if (d.version === '2.0.1') {
        const unknown = await d.csms.resetStation(ID, { type: 'Immediate', evseId: 5 });
        assert.equal((unknown.response as { status: string }).status, 'Rejected');
        assert.equal(await restartWithin(d.agent, 200), undefined);
      }
      const before = d.csms.station(ID)!.messages.length;
      assert.deepEqual((await d.csms.resetStation(ID, { type: d.version === '1.6' ? 'Hard' : 'OnIdle' })).response, { status: 'Accepted' });
      assert.equal(await restartWithin(d.agent, 1000), 'RemoteReset');
      assert.deepEqual(
        d.csms.station(ID)!.messages.slice(before).filter((m) => m.direction === 'fromStation' && m.kind === 'call').map((m) => m.action),
        [],
      );
      assert.equal(d.started().length, 0);
      assertNoCallErrors(d.csms);
    });

    for (const { type, reason } of resetsNow(version)) {
      it(`1.6 5.14 / 4.9 / 2.0.1 B01.FR.05 after a Reset ${type} with the cable still in, the new boot reports the connector occupied (1.6 Preparing), never Available, and the meter register goes on from where it was`, async () => {
        // The world (plug, EV, meter register) is the process', as run's loop keeps it: it outlives the agent.
        const world = new SimulatedWorld();
        try {
          const startWh = 5000;
          const d = await startStation(version, { world, config: (doc) => (doc['meter'] = { ...doc['meter'], simulation: { ...doc['meter'].simulation, startEnergyWh: startWh } }) });
          await d.startCharging();
          await until(() => d.agent.hardware.evses[0]!.meter.latest!.energyImportWh > startWh + 2, 3000, 'energy delivered');
          assert.deepEqual((await d.csms.resetStation(ID, { type })).response, { status: 'Accepted' });
          assert.equal(await restartWithin(d.agent, 3000), 'RemoteReset');
          await d.stop();
          const ended = d.ended()[0]!;
          assert.equal(ended.reason, reason);
          assert.ok(ended.meterStopWh > startWh, `energy was delivered: ${ended.meterStopWh} Wh`);

          await d.startAgain({ bootReason: 'RemoteReset', world });
          const secondBoot = callRecords(d.csms, 'BootNotification')[1]!;
          const after = () => callRecords<{ connectorId: number; evseId?: number; status?: string; connectorStatus?: string }>(d.csms, 'StatusNotification').filter((m) => m.seq > secondBoot.seq && (d.version === '2.0.1' || m.payload.connectorId === 1));
          await until(() => after().length > 0, 5000, 'connector 1 reported after the second boot (1.6: connector 0 aside)');
          assert.deepEqual(
            after().map((m) => (d.version === '1.6' ? m.payload.status : `${m.payload.evseId}/${m.payload.connectorId} ${m.payload.connectorStatus}`)),
            [d.version === '1.6' ? 'Preparing' : '1/1 Occupied'],
            'the cable is still in: never Available',
          );
          assert.equal(d.relayClosed(), false, 'no transaction runs: the relay stays open');
          await until(() => d.agent.hardware.evses[0]!.meter.latest !== undefined, 3000, 'a meter reading');
          // 1.6 meterStop is whole Wh; 2.0.1 carries the Wh's thousandth.
          const latest = d.agent.hardware.evses[0]!.meter.latest!.energyImportWh;
          const registerWh = d.version === '1.6' ? Math.floor(latest) : Math.round(latest * 1000) / 1000;
          const endWh = d.version === '1.6' ? Math.floor(ended.meterStopWh) : ended.meterStopWh;
          assert.ok(registerWh >= endWh, `the register went on from ${endWh} Wh, not back to ${startWh} Wh: ${registerWh} Wh`);
          await d.stop();
          assertNoCallErrors(d.csms);
        } finally {
          await world.close();
        }
      });
    }
  });
}
