import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { SimulatedWorld } from '../../../src/hal/simulated-world.js';
import { JOURNAL_FILE } from '../../../src/store/transaction-journal.js';
import {
  afterEachTest,
  assertContiguous,
  assertNoCallErrors,
  configFile,
  energyRegister,
  ID,
  logLines,
  plugIn,
  sleep,
  startAgent,
  startCharging,
  startCsms,
  restartOnDamagedJournal,
  startRig,
  storageOf,
  stopAgent,
  stopCsms,
  txEvents,
  unplug,
  until,
  waitForAccepted,
  waitForTx,
  type Rig,
} from './rig.js';

/**
 * Never lose a kWh: transaction messages on disk before they are sent, recovery of a transaction
 * the agent was running when it stopped, and a journal that is damaged or cannot be written.
 */

const FREE_CHARGING = { authorization: 'free', freeIdToken: { idToken: 'HOME', type: 'Local' } };

/**
 * A free-charging station whose CSMS went away: a vehicle plugged in, at least `queued`
 * transaction messages waiting, then the agent stopped as by a power cut. Returns the rig and the
 * port the CSMS had, to come back on.
 */
async function chargeOfflineThenStop(queued: number, txUpdatedIntervalS = 0): Promise<{ rig: Rig; port: number }> {
  const rig = await startRig({
    config: (d) => {
      d['charging'] = { ...d['charging'], ...FREE_CHARGING };
      d['meterValues'] = { ...d['meterValues'], txUpdatedIntervalS };
    },
  });
  const port = rig.csms.port;
  await stopCsms(rig.csms);
  await until(() => !rig.agent.client.isConnected, 3000, 'the connection lost');
  await plugIn(rig.agent);
  await until(() => rig.agent.adapter.queue.length >= queued, 5000, `${queued} message(s) queued`);
  await stopAgent(rig.agent);
  return { rig, port };
}

describe('durability: transaction journal and recovery', function () {
  this.timeout(30000);
  afterEach(afterEachTest);

  it('a transaction running when the agent stopped is ended with PowerLoss at the next start: seqNo goes on, meter stop from the meter, relay never closed', async () => {
    const rig = await startRig({ config: (d) => (d['meterValues'] = { ...d['meterValues'], txUpdatedIntervalS: 1 }) });
    const txId = await startCharging(rig);
    await waitForTx(rig.csms, (t) => t.triggerReason === 'MeterValuePeriodic');
    await stopAgent(rig.agent); // the vehicle's session is cut as by a power loss: the relay opened, nothing was ended
    const before = txEvents(rig.csms, txId);
    assert.ok(before.every((e) => e.eventType !== 'Ended'));

    const { agent } = await startAgent(rig.file);
    const relayWrites: boolean[] = [];
    agent.hardware.evses[0]!.connectors[0]!.relay.active$.subscribe((on) => relayWrites.push(on));
    const ended = await waitForTx(rig.csms, (t) => t.eventType === 'Ended');
    assert.equal(ended.transactionInfo.stoppedReason, 'PowerLoss');
    assert.equal(ended.transactionInfo.transactionId, txId);
    const all = txEvents(rig.csms, txId);
    assertContiguous(all);
    const start = energyRegister(all[0]!, 'Transaction.Begin');
    const stop = energyRegister(ended, 'Transaction.End');
    assert.ok(stop > start, `the energy charged before the stop counts: ${start} -> ${stop}`);
    // The simulated meter kept its register across the restart, as a real one does.
    assert.ok(stop >= energyRegister(before.at(-1)!, 'Sample.Periodic'));
    assert.ok(!relayWrites.includes(true), 'the relay stayed open through the recovery');
    assert.equal(agent.station.transactions().length, 0);
    assertNoCallErrors(rig.csms);
  });

  it('messages made while the CSMS was unreachable survive a restart and arrive once, in order, flagged offline', async () => {
    const { rig, port } = await chargeOfflineThenStop(3, 1); // Started and two periodic updates

    const csms = await startCsms({ port });
    const { agent } = await startAgent(rig.file);
    await waitForAccepted(csms, agent);
    const ended = await waitForTx(csms, (t) => t.eventType === 'Ended', 8000);
    const events = txEvents(csms, ended.transactionInfo.transactionId);
    assertContiguous(events);
    assert.ok(events.length >= 4, `Started, updates, Ended: ${events.length}`);
    assert.ok(events.slice(0, -1).every((e) => e.offline === true), 'everything made while offline says so');
    assert.equal(ended.transactionInfo.stoppedReason, 'PowerLoss');
    assert.equal(new Set(events.map((e) => e.seqNo)).size, events.length, 'nothing twice');
    await until(() => agent.adapter.queue.length === 0, 3000, 'the queue empty');
    assertNoCallErrors(csms);
  });

  it('resumes the transaction when configured and the vehicle is still plugged in; its meter goes on from the same register', async () => {
    // The vehicle and the meter are the world's, which outlives the agent as a cable outlives a power cut of the charger's computer.
    const world = new SimulatedWorld();
    try {
      const csms = await startCsms();
      const file = configFile(csms.url, (d) => (d['charging'] = { ...d['charging'], resumeAfterPowerLoss: true }));
      const first = await startAgent(file, { world });
      await waitForAccepted(csms, first.agent);
      const txId = await startCharging({ csms, agent: first.agent, events: first.events, file });
      await sleep(500);
      await stopAgent(first.agent);
      const cutWh = first.agent.hardware.evses[0]!.meter.latest!.energyImportWh;
      const { agent } = await startAgent(file, { world });
      const resumed = await waitForTx(csms, (t) => t.transactionInfo.transactionId === txId && t.eventType === 'Updated' && t.transactionInfo.chargingState === 'Charging');
      assert.equal(resumed.triggerReason, 'ChargingStateChanged');
      await until(() => agent.hardware.evses[0]!.connectors[0]!.relay.active, 3000, 'the relay closed again');
      assert.equal(agent.station.transactions()[0]?.id, txId);
      await sleep(500);
      await unplug(agent);
      const ended = await waitForTx(csms, (t) => t.transactionInfo.transactionId === txId && t.eventType === 'Ended');
      const events = txEvents(csms, txId);
      assertContiguous(events);
      const beginWh = energyRegister(events[0]!, 'Transaction.Begin');
      const endWh = energyRegister(ended, 'Transaction.End');
      assert.ok(cutWh > beginWh, `energy before the cut: ${beginWh} -> ${cutWh} Wh`);
      assert.ok(endWh > cutWh + 0.5, `the register went on from ${cutWh} Wh and counted the resumed charging: ${endWh} Wh`);
      await stopAgent(agent);
      assertNoCallErrors(csms);
    } finally {
      await world.close();
    }
  });

  it('a damaged journal (torn write, garbage) is reported; what is intact is kept and delivered', async () => {
    const { rig, port } = await chargeOfflineThenStop(1);
    const { csms } = await restartOnDamagedJournal(rig, port);
    const ended = await waitForTx(csms, (t) => t.eventType === 'Ended', 8000);
    assertContiguous(txEvents(csms, ended.transactionInfo.transactionId));
    assertNoCallErrors(csms);
  });

  it('a full disk: the agent starts, says the journal cannot be written, and still delivers', async () => {
    const csms = await startCsms();
    const file = configFile(csms.url, (d) => (d['charging'] = { ...d['charging'], ...FREE_CHARGING }));
    const journalFile = path.join(storageOf(file), JOURNAL_FILE);
    mkdirSync(path.dirname(journalFile), { recursive: true });
    rmSync(journalFile, { force: true });
    symlinkSync('/dev/full', journalFile); // every write: ENOSPC
    const { agent } = await startAgent(file);
    await waitForAccepted(csms, agent);
    await plugIn(agent);
    const started = await waitForTx(csms, (t) => t.eventType === 'Started');
    const status = agent.status() as { storage: { journalWritable: boolean } };
    assert.equal(status.storage.journalWritable, false);
    assert.ok(logLines.some((l) => /error +agent: .*cannot write the transaction journal \(ENOSPC/.test(l)));
    assert.equal(started.idToken?.idToken, 'HOME');
    assertNoCallErrors(csms);
  });

  it('B01.FR.08 messages left from before a restart wait for the new boot to be accepted', async () => {
    const { rig, port } = await chargeOfflineThenStop(1);
    const csms = await startCsms({ port });
    csms.answer('BootNotification', () => ({ status: 'Pending', interval: 1, currentTime: new Date().toISOString() }));
    await startAgent(rig.file);
    await csms.waitFor(ID, 'BootNotification');
    await sleep(600);
    assert.equal(txEvents(csms).length, 0, 'nothing but BootNotification while Pending');
    csms.reset();
    await waitForTx(csms, (t) => t.eventType === 'Started', 5000);
  });
});
