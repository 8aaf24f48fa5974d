import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { JOURNAL_FILE } from '../../../src/store/transaction-journal.js';
import {
  afterEachTest,
  assertContiguous,
  assertNoCallErrors,
  configFile,
  ID,
  logLines,
  plugIn,
  sleep,
  startAgent,
  startCsms,
  startRig,
  storageOf,
  stopAgent,
  stopCsms,
  txEvents,
  until,
  waitForAccepted,
  waitForTx,
  type Rig,
} from './rig.js';

/**
 * Never lose a kWh, OCPP 2.0.1 only: transaction messages made offline survive a restart, a journal
 * that cannot be written, and B01.FR.08. Recovery after a power cut and a damaged journal are
 * shared with 1.6: ../scenarios/durability.test.ts.
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
