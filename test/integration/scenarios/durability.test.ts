import assert from 'node:assert/strict';
import { SimulatedWorld } from '../../../src/hal/simulated-world.js';
import { driverFor, startStation, VERSIONS, type AnyDriver } from '../drivers/start-station.js';
import { afterEachTest, assertNoCallErrors, calls, ID, restartOnDamagedJournal, sleep, stopAgent, stopCsms, until, type ConfigChanges } from '../harness.js';
import { assertWholeTransaction, register } from '../v16/rig.js';
import { assertContiguous, energyRegister, txEvents } from '../v201/rig.js';

/**
 * Never lose a kWh, both versions (1.6 3.7, 4.10, 7.36; 2.0.1 E06, E13): a transaction running
 * when the agent stopped as by a power cut is ended with PowerLoss at the next start (once, the
 * relay never closed again), or resumed when configured and the vehicle is still there, and a
 * damaged journal still delivers what is intact. 1.6 checks the whole StartTransaction /
 * MeterValues / StopTransaction sequence with the CSMS' id, 2.0.1 the contiguous seqNo.
 * Version-only durability: v16/durability.test.ts (transactionIds, 3.7.1 retries) and
 * v201/durability.test.ts (offline messages, a full disk, B01.FR.08).
 */

const free: ConfigChanges = (d) => (d['charging'] = { ...d['charging'], authorization: 'free', freeIdToken: { idToken: 'HOME', type: 'Local' } });
const sampledEverySecond: ConfigChanges = (d) => (d['meterValues'] = { ...d['meterValues'], txUpdatedIntervalS: 1 });

/** The end checks of each version on what the CSMS received of the one transaction. */
async function assertDelivered(d: AnyDriver, csmsId: string | number): Promise<void> {
  if (d.version === '1.6') {
    await until(() => d.agent.adapter.queue.length === 0, 3000, 'the queue empty');
    assert.equal(assertWholeTransaction(d.csms, { meterValues: true }).transactionId, csmsId);
  } else assertContiguous(txEvents(d.csms, String(csmsId)));
}

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: durability`, function () {
    this.timeout(30000);
    afterEach(afterEachTest);

    it('1.6 4.10, 7.36 / 2.0.1 E06 a transaction running when the agent stopped is ended at the next start with PowerLoss: once (nothing more after another restart), meter stop from the meter at the restart (1.6 and its Transaction.End sample), relay never closed', async () => {
      const d = await startStation(version, { config: (doc) => (sampledEverySecond(doc), free(doc)) });
      await d.plugIn();
      const tx = await d.waitForStarted();
      await until(() => d.energyDuring(tx).length >= (d.version === '1.6' ? 1 : 2), 3000, 'a periodic value');
      // Some energy since the start (whole Wh, as 1.6 counts it), rather than a fixed wait for it.
      await until(() => d.agent.hardware.evses[0]!.meter.latest!.energyImportWh > tx.meterStartWh + 2, 3000, 'energy charged');
      await d.stop(); // as by a power loss: the relay opened, the transaction not ended
      assert.equal(d.ended().length, 0);
      const lastSample = Math.max(...d.energyDuring(tx));

      const relayWrites: boolean[] = [];
      await d.startAgain({ started: (agent) => agent.hardware.evses[0]!.connectors[0]!.relay.active$.subscribe((on) => relayWrites.push(on)) });
      const ended = await d.waitForEnded(undefined, 8000);
      assert.equal(ended.csmsId, tx.csmsId);
      assert.equal(ended.reason, 'PowerLoss');
      await assertDelivered(d, tx.csmsId);
      assert.ok(ended.meterStopWh > tx.meterStartWh, `the energy charged counts: ${tx.meterStartWh} -> ${ended.meterStopWh}`);
      // The simulated meter keeps its register across the restart, as a real one does; the stop is its reading then.
      assert.ok(ended.meterStopWh >= (d.version === '1.6' ? Math.floor(lastSample) : lastSample), `meter stop ${ended.meterStopWh} not below the last sample ${lastSample}`);
      if (d.version === '1.6') {
        const stop = calls<{ meterStop: number; transactionData?: Parameters<typeof register>[0] }>(d.csms, 'StopTransaction')[0]!;
        const reading = d.agent.hardware.evses[0]!.meter.latest!.energyImportWh;
        assert.ok(Math.abs(stop.meterStop - reading) <= 1, `meterStop ${stop.meterStop} is the meter's register ${reading}`);
        assert.deepEqual(register(stop.transactionData, 'Transaction.End').map(Math.round), [stop.meterStop], 'the Transaction.End sample says the same');
      }
      assert.ok(!relayWrites.includes(true), 'the relay stayed open through the recovery');
      assert.equal(d.agent.station.transactions().length, 0);

      // Exactly once: another restart finds nothing to end or send once its boot is accepted.
      await d.stop();
      await d.startAgain();
      await sleep(300);
      assert.equal(d.agent.adapter.queue.length, 0);
      assert.equal(d.ended().length, 1, 'one end');
      assert.deepEqual(d.csms.station(ID)!.callErrors, []);
    });

    it('1.6 4.7, 4.10 / 2.0.1 E06 resumed after a power cut when configured (resumeAfterPowerLoss) and the vehicle is still plugged in: no new start, the relay closes again, its meter goes on from the same register; values and the later end (EVDisconnected) keep the id', async () => {
      // The vehicle and the meter are the world's, which outlives the agent as a cable outlives a power cut of the charger's computer.
      const world = new SimulatedWorld();
      try {
        const d = await startStation(version, { world, config: (doc) => (sampledEverySecond(doc), free(doc), (doc['charging'].resumeAfterPowerLoss = true)) });
        await d.plugIn();
        const tx = await d.waitForStarted();
        await until(() => d.agent.hardware.evses[0]!.meter.latest!.energyImportWh > tx.meterStartWh + 2, 3000, 'energy charged before the cut');
        await d.stop();
        const cutWh = d.agent.hardware.evses[0]!.meter.latest!.energyImportWh;
        const valuesBefore = d.energyDuring(tx).length;
        await d.startAgain({ world });
        await until(() => d.relayClosed(), 3000, 'the relay closed again');
        assert.equal(d.agent.station.transactions()[0]?.id, tx.localId);
        await until(() => d.energyDuring(tx).length >= valuesBefore + 2, 5000, 'values after the restart');
        await d.unplug();
        const ended = await d.waitForEnded((e) => e.csmsId === tx.csmsId);
        assert.equal(ended.reason, 'EVDisconnected');
        assert.equal(d.started().length, 1, 'no new start');
        await assertDelivered(d, tx.csmsId);
        assert.ok(cutWh > tx.meterStartWh, `energy before the cut: ${tx.meterStartWh} -> ${cutWh} Wh`);
        if (d.version === '2.0.1') {
          const resumed = txEvents(d.csms, String(tx.csmsId)).find((t) => t.eventType === 'Updated' && t.triggerReason === 'ChargingStateChanged' && t.transactionInfo.chargingState === 'Charging');
          assert.ok(resumed, 'the resumption reported (ChargingStateChanged, Charging)');
          assert.equal(energyRegister(txEvents(d.csms, String(tx.csmsId))[0]!, 'Transaction.Begin'), tx.meterStartWh);
        }
        // 1.6 meterStop is in whole Wh.
        const resumedAtLeast = d.version === '1.6' ? Math.floor(cutWh) : cutWh + 0.5;
        assert.ok(ended.meterStopWh > resumedAtLeast, `the register went on from ${cutWh} Wh and counted the resumed charging: ${ended.meterStopWh} Wh`);
        await d.stop();
        assertNoCallErrors(d.csms);
      } finally {
        await world.close();
      }
    });

    it('1.6 3.7 / 2.0.1 a damaged journal (torn write, garbage) is reported; what is intact is delivered (1.6 with the CSMS id), ended PowerLoss', async () => {
      const d = await startStation(version, { config: (doc) => (sampledEverySecond(doc), free(doc)) });
      const port = d.csms.port;
      await stopCsms(d.csms);
      await until(() => !d.agent.client.isConnected, 3000, 'the connection lost');
      await d.plugIn();
      await until(() => d.agent.adapter.queue.pending.some((m) => m.action === (d.version === '1.6' ? 'MeterValues' : 'TransactionEvent')), 5000, 'transaction messages queued');
      await stopAgent(d.agent);
      const back = driverFor(version, { ...d.rig, ...(await restartOnDamagedJournal(d.rig, port)) });
      const ended = await back.waitForEnded(undefined, 8000);
      assert.equal(ended.reason, 'PowerLoss');
      await assertDelivered(back, ended.csmsId);
      assert.deepEqual(back.csms.station(ID)!.callErrors, []);
    });
  });
}
