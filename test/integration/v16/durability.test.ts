import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { MeterValuesRequest, StartTransactionRequest, StopTransactionRequest } from 'ocpp-messages/v1.6/index.js';
import { Agent } from '../../../src/app/agent.js';
import { answers, type DevCsms } from '../../../tools/dev-csms/dev-csms.js';
import {
  afterEachTest,
  callRecords,
  calls,
  CARD,
  configFile,
  ID,
  logLines,
  plugIn,
  relayClosed,
  sleep,
  startAgent,
  startCsms,
  startRig,
  storageOf,
  stopAgent,
  stopCsms,
  unplug,
  until,
  waitForAccepted,
  type ConfigChanges,
  type Rig,
} from '../v201/rig.js';
import { assertWholeTransaction, startsAnswered, txCalls } from './rig.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * Never lose a kWh, in OCPP 1.6J only: StartTransaction, MeterValues and StopTransaction on disk
 * before they are sent (1.6 3.7), the transactionId that only the Central System's
 * StartTransaction.conf gives put into the messages queued before it was known, kept across
 * restarts, and the retries of 3.7.1. Recovery after a power cut and a damaged journal are shared
 * with 2.0.1: ../scenarios/durability.test.ts.
 */

const IDS_FILE = 'ocpp16-transaction-ids.json';
const FREE_CHARGING = { authorization: 'free', freeIdToken: { idToken: 'HOME', type: 'Local' } };

/** The 1.6 station: the simulator config in 1.6, with MeterValues every `sampleS` seconds (0: none). */
const v16 =
  (sampleS = 0, more: ConfigChanges = () => undefined): ConfigChanges =>
  (doc) => {
    doc['ocpp'].version = '1.6';
    delete doc['charging'].txStartPoints;
    delete doc['charging'].txStopPoints;
    doc['meterValues'] = { ...doc['meterValues'], txUpdatedIntervalS: sampleS };
    more(doc);
  };

const free: ConfigChanges = (d) => (d['charging'] = { ...d['charging'], ...FREE_CHARGING });


const ids = (file: string): Record<string, number> => {
  const f = path.join(storageOf(file), IDS_FILE);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Record<string, number>) : {};
};

/** A 1.6 rig whose CSMS has gone away, the agent seeing the connection lost. Returns the port to come back on. */
async function offlineRig(config: ConfigChanges, before?: (rig: Rig) => Promise<void>): Promise<{ rig: Rig; port: number }> {
  const rig = await startRig({ config });
  await before?.(rig);
  const port = rig.csms.port;
  await stopCsms(rig.csms);
  await until(() => !rig.agent.client.isConnected, 3000, 'the connection lost');
  return { rig, port };
}

async function setKey(csms: DevCsms, key: string, value: string): Promise<void> {
  assert.deepEqual(await csms.call(ID, 'ChangeConfiguration', { key, value }), { status: 'Accepted' });
}

describe('durability in OCPP 1.6: transaction messages, transactionIds, recovery', function () {
  this.timeout(40000);
  afterEach(afterEachTest);

  describe('3.7 a whole transaction while the Central System is unreachable', () => {
    it('3.7 free charging offline: StartTransaction, MeterValues, StopTransaction queued, then sent in order with the id of StartTransaction.conf', async () => {
      const { rig, port } = await offlineRig(v16(1, free));
      await plugIn(rig.agent);
      await until(() => relayClosed(rig.agent), 2000, 'charging going on offline');
      await until(() => rig.agent.adapter.queue.pending.filter((m) => m.action === 'MeterValues').length >= 2, 5000, 'MeterValues queued');
      await unplug(rig.agent);
      await until(() => rig.agent.adapter.queue.pending.some((m) => m.action === 'StopTransaction'), 3000, 'StopTransaction queued');
      const queued = rig.agent.adapter.queue.pending.map((m) => m.action);
      assert.equal(queued[0], 'StartTransaction');
      assert.equal(queued.at(-1), 'StopTransaction');
      // Queued with the placeholder: the id is not known yet.
      assert.ok(rig.agent.adapter.queue.pending.slice(1).every((m) => (m.payload as { transactionId?: number }).transactionId === 0));

      const csms = await startCsms({ port });
      await csms.waitFor(ID, 'StopTransaction', undefined, 8000);
      await until(() => rig.agent.adapter.queue.length === 0, 3000, 'the queue empty');
      const { stop, meterValues } = assertWholeTransaction(csms, { meterValues: true });
      assert.equal(meterValues.length, queued.filter((a) => a === 'MeterValues').length, 'every queued MeterValues delivered');
      assert.equal(stop.reason, 'EVDisconnected');
      // The mapping's file is replaced off the event loop (issue 18): on disk a moment later.
      await until(() => Object.keys(ids(rig.file)).length === 0, 3000, 'the id mapping is forgotten once StopTransaction is answered');
      assert.deepEqual(csms.station(ID)!.callErrors, []);
    });

    it('3.7, 3.5 a Local Authorization List idTag offline: started and stopped by the card, delivered with the CSMS id once it is back', async () => {
      const { rig, port } = await offlineRig(v16(1), async (r) => {
        const answer = await r.csms.call(ID, 'SendLocalList', {
          listVersion: 1,
          updateType: 'Full',
          localAuthorizationList: [{ idTag: CARD.idToken, idTagInfo: { status: 'Accepted' } }],
        });
        assert.deepEqual(answer, { status: 'Accepted' });
      });
      await plugIn(rig.agent);
      assert.equal((await rig.agent.station.presentIdToken(1, CARD)).outcome, 'authorized');
      await until(() => rig.agent.adapter.queue.pending.some((m) => m.action === 'MeterValues'), 5000, 'MeterValues queued');
      await rig.agent.station.presentIdToken(1, CARD); // the same card stops
      await until(() => rig.agent.adapter.queue.pending.some((m) => m.action === 'StopTransaction'), 3000, 'StopTransaction queued');

      const csms = await startCsms({ port });
      await csms.waitFor(ID, 'StopTransaction', undefined, 8000);
      await until(() => rig.agent.adapter.queue.length === 0, 3000, 'the queue empty');
      const { start, stop } = assertWholeTransaction(csms, { meterValues: true });
      assert.equal(start.idTag, CARD.idToken);
      assert.equal(stop.reason, 'Local');
      assert.equal(stop.idTag, CARD.idToken);
      assert.deepEqual(csms.station(ID)!.callErrors, []);
    });

    it('3.5.4, errata 3.17 started offline on the Local Authorization List, the CSMS answers the StartTransaction Invalid: stopped DeAuthorized, the StopTransaction with the id', async () => {
      const { rig, port } = await offlineRig(v16(0), async (r) => {
        await r.csms.call(ID, 'SendLocalList', { listVersion: 1, updateType: 'Full', localAuthorizationList: [{ idTag: CARD.idToken, idTagInfo: { status: 'Accepted' } }] });
      });
      await plugIn(rig.agent);
      assert.equal((await rig.agent.station.presentIdToken(1, CARD)).outcome, 'authorized');
      await until(() => rig.agent.adapter.queue.pending.some((m) => m.action === 'StartTransaction'), 3000, 'StartTransaction queued');
      await until(() => relayClosed(rig.agent), 2000, 'charging offline');

      const csms = await startCsms({ port, invalidIdTokens: [CARD.idToken] });
      const stop = (await csms.waitFor<StopTransactionRequest>(ID, 'StopTransaction', undefined, 8000)).payload;
      await until(() => rig.agent.adapter.queue.length === 0, 3000, 'the queue empty');
      assert.equal(stop.reason, 'DeAuthorized');
      assert.ok(!relayClosed(rig.agent), 'no more energy');
      assertWholeTransaction(csms);
      assert.equal(calls(csms, 'StartTransaction').length, 1, 'no new transaction started for the rejected card');
      assert.deepEqual(csms.station(ID)!.callErrors, []);
    });
  });

  describe('the transactionId across a restart', () => {
    it('4.8 stopped (as by a power cut) after StartTransaction was sent but before its answer: the id the CSMS gives after the restart goes into everything after', async () => {
      const rig = await startRig({ config: v16(1, free) });
      rig.csms.answer('StartTransaction', answers.never());
      await plugIn(rig.agent);
      await rig.csms.waitFor(ID, 'StartTransaction');
      const port = rig.csms.port;
      await stopCsms(rig.csms); // no answer ever came
      await until(() => rig.agent.adapter.queue.pending.some((m) => m.action === 'MeterValues'), 5000, 'MeterValues queued');
      await stopAgent(rig.agent);
      assert.deepEqual(ids(rig.file), {}, 'no id known');

      const csms = await startCsms({ port });
      const { agent } = await startAgent(rig.file);
      await waitForAccepted(csms, agent);
      // The transaction the agent was running is ended (PowerLoss) and its StopTransaction queued behind.
      await csms.waitFor(ID, 'StopTransaction', undefined, 8000);
      await until(() => agent.adapter.queue.length === 0, 3000, 'the queue empty');
      const { stop } = assertWholeTransaction(csms, { meterValues: true });
      assert.equal(stop.reason, 'PowerLoss');
      assert.deepEqual(csms.station(ID)!.callErrors, []);
    });

    it('4.8 the id received before the restart is kept (ocpp16-transaction-ids.json) and goes into what was queued offline and into the StopTransaction after it', async () => {
      const rig = await startRig({ config: v16(1, free) });
      await plugIn(rig.agent);
      const started = await rig.csms.waitFor<StartTransactionRequest>(ID, 'StartTransaction');
      await until(() => Object.keys(ids(rig.file)).length === 1, 3000, 'the id kept on disk');
      const [answered] = startsAnswered(rig.csms);
      assert.deepEqual(Object.values(ids(rig.file)), [answered!.transactionId]);
      const port = rig.csms.port;
      await stopCsms(rig.csms);
      await until(() => rig.agent.adapter.queue.pending.filter((m) => m.action === 'MeterValues').length >= 2, 5000, 'MeterValues queued offline');
      await stopAgent(rig.agent);

      const csms = await startCsms({ port });
      const { agent } = await startAgent(rig.file);
      await waitForAccepted(csms, agent);
      const stopRecord = await csms.waitFor<StopTransactionRequest>(ID, 'StopTransaction', undefined, 8000);
      await until(() => agent.adapter.queue.length === 0, 3000, 'the queue empty');
      assert.equal(calls(csms, 'StartTransaction').length, 0, 'StartTransaction was answered before: not sent again');
      const after = txCalls(csms);
      assert.ok(after.filter((r) => r.action === 'MeterValues').length >= 2);
      for (const r of after) assert.equal((r.payload as { transactionId: number }).transactionId, answered!.transactionId, `${r.action} with the id answered before the restart`);
      assert.equal(stopRecord.payload.reason, 'PowerLoss');
      assert.ok(stopRecord.payload.meterStop >= started.payload.meterStart);
      // The mapping's file is replaced off the event loop (issue 18): on disk a moment later.
      await until(() => Object.keys(ids(rig.file)).length === 0, 3000, 'forgotten once the StopTransaction is answered');
      assert.deepEqual(csms.station(ID)!.callErrors, []);
    });

    /**
     * Free charging until the answered StartTransaction is struck from the journal; the disk as a
     * power cut would leave it just `before` or just `after` that instant; then a new agent on that
     * disk. Resolves with the StopTransaction it sends and the agent.
     */
    async function powerCutAtStartRemoval(when: 'before' | 'after'): Promise<{ rig: Rig; agent: Agent; stop: StopTransactionRequest }> {
      const rig = await startRig({ config: v16(0, free) });
      const snapshot = makeTempDir('evse-v16-cut');
      const journal = rig.agent.journal!;
      const remove = journal.remove.bind(journal);
      let cut = false;
      journal.remove = (id, why) => {
        const isStart = !cut && journal.pending.find((m) => m.id === id)?.action === 'StartTransaction';
        if (isStart && when === 'before') cpSync(storageOf(rig.file), snapshot, { recursive: true });
        const removed = remove(id, why);
        if (isStart && when === 'after') cpSync(storageOf(rig.file), snapshot, { recursive: true });
        cut ||= isStart;
        return removed;
      };
      await plugIn(rig.agent);
      await until(() => cut, 3000, 'the StartTransaction answered');
      await stopAgent(rig.agent);
      // The station comes back on the disk of that instant.
      const file = configFile(rig.csms.url, v16(0, (d) => {
        free(d);
        d['storage'] = { dir: snapshot };
      }));
      const { agent } = await startAgent(file);
      const stop = await rig.csms.waitFor<StopTransactionRequest>(ID, 'StopTransaction', undefined, 8000);
      await until(() => agent.adapter.queue.length === 0, 3000, 'the queue empty');
      return { rig, agent, stop: stop.payload };
    }

    it('4.8 a power cut right after StartTransaction.conf left the journal: its id is on disk already, so the StopTransaction after the restart carries it', async () => {
      const { rig, stop } = await powerCutAtStartRemoval('after');
      const [answered] = startsAnswered(rig.csms);
      assert.equal(stop.transactionId, answered!.transactionId);
      assert.equal(stop.reason, 'PowerLoss');
      assert.equal(calls(rig.csms, 'StartTransaction').length, 1, 'StartTransaction not sent again');
      assert.deepEqual(rig.csms.station(ID)!.callErrors, []);
    });

    it('4.8 a power cut after StartTransaction.conf was taken in (its id on disk) but before it left the journal: not sent again (1.6 has no seqNo to recognise a resend), and the StopTransaction carries the id', async () => {
      const { rig, agent, stop } = await powerCutAtStartRemoval('before');
      const starts = startsAnswered(rig.csms);
      assert.equal(starts.length, 1, 'StartTransaction not sent again: its answer was on disk');
      assert.equal(stop.transactionId, starts[0]!.transactionId);
      assert.equal(agent.journal!.pending.length, 0, 'and it left the journal');
      assert.equal(calls(rig.csms, 'StopTransaction').length, 1);
    });
  });


  describe('3.7.1 error responses to transaction-related messages', () => {
    it('3.7.1, 9.1.31, 9.1.32 a StopTransaction answered with CALLERROR: sent TransactionMessageAttempts times, RetryInterval x transmissions apart, then discarded and logged; the queue goes on', async () => {
      const rig = await startRig({ config: v16(0, free) });
      await setKey(rig.csms, 'TransactionMessageAttempts', '3');
      await setKey(rig.csms, 'TransactionMessageRetryInterval', '1');
      rig.csms.answer('StopTransaction', answers.callError('InternalError'));
      await plugIn(rig.agent);
      await rig.csms.waitFor(ID, 'StartTransaction');
      await unplug(rig.agent);
      await until(() => logLines.some((l) => /discarding StopTransaction/.test(l)), 8000, 'the StopTransaction discarded');
      const attempts = callRecords<StopTransactionRequest>(rig.csms, 'StopTransaction');
      assert.equal(attempts.length, 3, 'three attempts');
      assert.ok(attempts.every((a) => JSON.stringify(a.payload) === JSON.stringify(attempts[0]!.payload)), 'the same message each time');
      const gaps = attempts.slice(1).map((a, i) => a.at.getTime() - attempts[i]!.at.getTime());
      assert.ok(gaps[0]! >= 950 && gaps[0]! < 1900, `1 s before the second transmission (${gaps[0]} ms)`);
      assert.ok(gaps[1]! >= 1950 && gaps[1]! < 3500, `2 s before the third (${gaps[1]} ms)`);
      assert.ok(logLines.some((l) => /error +agent: ocpp: discarding StopTransaction for transaction .* after 3 failed attempt\(s\)/.test(l)), 'logged as an error');
      assert.equal(rig.agent.adapter.queue.length, 0);
      // The mapping's file is replaced off the event loop (issue 18): on disk a moment later.
      await until(() => Object.keys(ids(rig.file)).length === 0, 3000, 'the id mapping is forgotten with it');

      // The next transaction is not held up.
      rig.csms.reset();
      await sleep(200);
      await plugIn(rig.agent);
      await until(() => calls(rig.csms, 'StartTransaction').length === 2, 3000, 'the next StartTransaction');
      await unplug(rig.agent);
      await until(() => calls(rig.csms, 'StopTransaction').length === 4, 3000, 'the next StopTransaction');
      const [, second] = startsAnswered(rig.csms);
      assert.equal(calls<StopTransactionRequest>(rig.csms, 'StopTransaction')[3]!.transactionId, second!.transactionId);
    });

    it('3.7.1, errata 3.18 a StartTransaction answered with CALLERROR every time: discarded after its attempts; the MeterValues and StopTransaction go with transactionId -1', async () => {
      const rig = await startRig({ config: v16(1, free) });
      await setKey(rig.csms, 'TransactionMessageAttempts', '2');
      await setKey(rig.csms, 'TransactionMessageRetryInterval', '1');
      rig.csms.answer('StartTransaction', answers.callError('InternalError'));
      await plugIn(rig.agent);
      await until(() => logLines.some((l) => /discarding StartTransaction/.test(l)), 5000, 'the StartTransaction discarded');
      assert.equal(calls(rig.csms, 'StartTransaction').length, 2, 'TransactionMessageAttempts transmissions');
      await until(() => calls(rig.csms, 'MeterValues').length >= 1, 3000, 'MeterValues');
      await unplug(rig.agent);
      const stop = (await rig.csms.waitFor<StopTransactionRequest>(ID, 'StopTransaction', undefined, 5000)).payload;
      assert.equal(stop.transactionId, -1);
      assert.equal(stop.reason, 'EVDisconnected');
      for (const mv of calls<MeterValuesRequest>(rig.csms, 'MeterValues')) assert.equal(mv.transactionId, -1);
      assert.ok(!logLines.some((l) => /discarding (MeterValues|StopTransaction)/.test(l)), 'nothing after the StartTransaction discarded');
      await until(() => rig.agent.adapter.queue.length === 0, 3000, 'the queue empty');
    });
  });

});
