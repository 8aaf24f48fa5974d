import assert from 'node:assert/strict';
import { BehaviorSubject } from 'rxjs';
import { FakeClock } from '../../../src/station/clock.js';
import { TransactionMessageQueue, type QueuedMessage } from '../../../src/services/transactions/transaction-queue.js';
import { CallErrorResponse, CallTimeout, NotConnected } from '../../../src/ocpp/rpc/rpc-errors.js';
import { silentLogger } from '../../../src/process/logger.js';
import { TransactionJournal } from '../../../src/store/transaction-journal.js';
import { diskSyncs } from '../../../src/store/disk-sync.js';
import { capturingLogger } from '../../helpers/logging.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * The transaction message queue on its journal: written before sent, removed when answered, in
 * order, retried per E13, thinned per E12 when full, and all of it surviving a restart. Retry
 * waits run on a FakeClock.
 */

/** Moves fake time on until the queue has nothing left (or a minute has passed), then waits for it to say so. */
async function drainOn(clock: FakeClock, q: TransactionMessageQueue): Promise<void> {
  const idle = q.idle();
  for (let i = 0; i < 600 && q.length > 0; i++) await clock.advanceAsync(100);
  await idle;
}

const tx = (id: string, seqNo: number) => ({ id, snapshot: { id, evseId: 1 }, adapter: { seqNo } });

describe('transaction message queue on the journal', () => {
  let dir: string;
  let clock: FakeClock;
  beforeEach(() => {
    dir = makeTempDir('evse-queue');
    clock = new FakeClock();
  });

  function queue(
    journal: TransactionJournal,
    send: (action: string, payload: object) => Promise<unknown>,
    ready = true,
    extra: { attempts?: number; maxMessages?: number; lines?: string[] } = {},
  ) {
    const ready$ = new BehaviorSubject(ready);
    const answered: QueuedMessage[] = [];
    const discarded: QueuedMessage[] = [];
    const q = new TransactionMessageQueue({
      send,
      ready$,
      store: journal,
      initial: journal.pending,
      attempts: () => extra.attempts ?? 3,
      retryIntervalS: () => 0.01,
      maxMessages: () => extra.maxMessages ?? 1000,
      onAnswer: (m) => answered.push(m),
      onDiscarded: (m) => discarded.push(m),
      log: extra.lines ? capturingLogger(extra.lines) : silentLogger,
      clock,
    });
    return { q, ready$, answered, discarded };
  }

  it('issue 18 group commit: a message goes out only once its record is synced, and a replay takes few syncs', async () => {
    const journal = TransactionJournal.open(dir);
    const syncsFinishedAtSend: number[] = [];
    const startedBefore = diskSyncs.started;
    const finishedBefore = diskSyncs.finished;
    const { q, ready$ } = queue(journal, async () => syncsFinishedAtSend.push(diskSyncs.finished - finishedBefore), false);
    for (let n = 0; n < 200; n++) q.enqueue('TransactionEvent', { n }, 'tx-1', n === 0 ? 'start' : 'update', tx('tx-1', n + 1));
    ready$.next(true);
    await q.idle();
    assert.equal(syncsFinishedAtSend.length, 200);
    assert.ok(syncsFinishedAtSend[0]! >= 1, 'the first message waited for the sync of its record');
    // 200 appends in one turn: one sync; 200 removals, one at a time as answers come: grouped while a sync runs.
    const syncs = diskSyncs.started - startedBefore;
    assert.ok(syncs < 200, `${syncs} syncs for 200 messages appended and answered`);
    q.stop();
    journal.close();
    assert.deepEqual(TransactionJournal.open(dir).pending, []);
  });

  it('keeps unanswered messages across a restart, in order, and forgets answered ones', async () => {
    let journal = TransactionJournal.open(dir);
    const sent: number[] = [];
    const first = queue(journal, async (_a, p) => sent.push((p as { n: number }).n), false);
    for (let n = 0; n < 5; n++) first.q.enqueue('TransactionEvent', { n }, 'tx-1', n === 0 ? 'start' : 'update', tx('tx-1', n + 1));
    assert.equal(first.q.length, 5);
    first.ready$.next(true);
    await first.q.idle();
    assert.deepEqual(sent, [0, 1, 2, 3, 4]);
    first.ready$.next(false);
    for (let n = 5; n < 8; n++) first.q.enqueue('TransactionEvent', { n }, 'tx-1', n === 7 ? 'end' : 'update', tx('tx-1', n + 1));
    first.q.stop();
    journal.close();

    journal = TransactionJournal.open(dir);
    assert.deepEqual(journal.pending.map((m) => (m.payload as { n: number }).n), [5, 6, 7]);
    assert.deepEqual(journal.running, [], 'the transaction ended with its last message');
    const second = queue(journal, async (_a, p) => sent.push((p as { n: number }).n));
    await second.q.idle();
    assert.deepEqual(sent, [0, 1, 2, 3, 4, 5, 6, 7]);
    second.q.stop();
    journal.close();
    assert.deepEqual(TransactionJournal.open(dir).pending, []);
  });

  it('takes in an answer before the message leaves the journal: a crash in between resends it, never loses what the answer said (1.6 transactionId)', async () => {
    const journal = TransactionJournal.open(dir);
    const onDiskWhenAnswered: string[][] = [];
    const q = new TransactionMessageQueue({
      send: async () => ({ transactionId: 7 }),
      ready$: new BehaviorSubject(true),
      store: journal,
      attempts: () => 3,
      retryIntervalS: () => 0.01,
      onAnswer: () => {
        const onDisk = TransactionJournal.open(dir);
        onDiskWhenAnswered.push(onDisk.pending.map((m) => m.action));
        onDisk.close();
      },
      log: silentLogger,
      clock,
    });
    q.enqueue('StartTransaction', { n: 0 }, 'tx-1', 'start');
    await q.idle();
    assert.deepEqual(onDiskWhenAnswered, [['StartTransaction']], 'still in the journal while its answer is taken in');
    assert.deepEqual(journal.pending, [], 'and gone once it is');
    q.stop();
    journal.close();
  });

  it('tells onRemoved only once the answered message is off the journal (1.6: the transactionId is forgotten after its StopTransaction can no longer be resent)', async () => {
    const journal = TransactionJournal.open(dir);
    const onDisk: Array<[string, string[]]> = [];
    const look = (when: string) => {
      const copy = TransactionJournal.open(dir);
      onDisk.push([when, copy.pending.map((m) => m.action)]);
      copy.close();
    };
    const q = new TransactionMessageQueue({
      send: async () => ({}),
      ready$: new BehaviorSubject(true),
      store: journal,
      attempts: () => 3,
      retryIntervalS: () => 0.01,
      onAnswer: () => look('answer'),
      onRemoved: (m) => look(`removed ${m.action}`),
      log: silentLogger,
      clock,
    });
    q.enqueue('StopTransaction', { n: 0 }, 'tx-1', 'end');
    await q.idle();
    assert.deepEqual(onDisk, [
      ['answer', ['StopTransaction']],
      ['removed StopTransaction', []],
    ]);
    q.stop();
    journal.close();
  });

  it('keeps the state of a running transaction with each of its messages', () => {
    const journal = TransactionJournal.open(dir);
    const { q } = queue(journal, async () => ({}), false);
    q.enqueue('TransactionEvent', { n: 0 }, 'tx-9', 'start', tx('tx-9', 1));
    q.enqueue('TransactionEvent', { n: 1 }, 'tx-9', 'meter', tx('tx-9', 2));
    q.stop();
    journal.close();
    const reopened = TransactionJournal.open(dir);
    assert.deepEqual(reopened.running, [tx('tx-9', 2)]);
  });

  it('E13 retries a message the CSMS did not process, waits for a lost connection without counting it, and discards after the last attempt', async () => {
    const journal = TransactionJournal.open(dir);
    const attempts: string[] = [];
    let behaviour: 'timeout' | 'error' | 'offline' | 'ok' = 'offline';
    const lines: string[] = [];
    const { q, answered, discarded, ready$ } = queue(
      journal,
      async (action, p) => {
        const n = (p as { n: number }).n;
        attempts.push(`${n}:${behaviour}`);
        if (behaviour === 'offline') throw new NotConnected(action);
        if (behaviour === 'timeout') throw new CallTimeout(action, 10);
        if (behaviour === 'error' && n === 0) throw new CallErrorResponse(action, 'InternalError', 'boom', {});
        return {};
      },
      true,
      { attempts: 3, lines },
    );
    q.enqueue('TransactionEvent', { n: 0 }, 'tx-1', 'start');
    q.enqueue('TransactionEvent', { n: 1 }, 'tx-1', 'update');
    await journal.synced(); // each is sent once on disk (group commit)
    await clock.advanceAsync(30);
    assert.equal(q.length, 2, 'not connected: nothing lost, nothing counted');
    behaviour = 'error';
    ready$.next(true); // connected again
    await drainOn(clock, q);
    assert.deepEqual(attempts, ['0:offline', '0:error', '0:error', '0:error', '1:error'], attempts.join(' '));
    assert.deepEqual(discarded.map((m) => (m.payload as { n: number }).n), [0]);
    assert.deepEqual(answered.map((m) => (m.payload as { n: number }).n), [1]);
    assert.ok(lines.some((l) => /discarding TransactionEvent for transaction tx-1 after 3 failed attempt/.test(l)));
    q.stop();
    journal.close();
    assert.deepEqual(TransactionJournal.open(dir).pending, [], 'discarded messages leave the journal too');
  });

  it('E12.FR.05 when full, drops intermediate meter values (1st, 3rd, ...) and never a start, an end or a state change', () => {
    const journal = TransactionJournal.open(dir);
    const lines: string[] = [];
    const { q } = queue(journal, async () => ({}), false, { maxMessages: 10, lines });
    q.enqueue('TransactionEvent', { n: 'start' }, 'tx-1', 'start');
    for (let i = 0; i < 8; i++) q.enqueue('TransactionEvent', { n: `m${i}` }, 'tx-1', 'meter');
    q.enqueue('TransactionEvent', { n: 'charging-state' }, 'tx-1', 'update');
    assert.equal(q.length, 10);
    q.enqueue('TransactionEvent', { n: 'end' }, 'tx-1', 'end');
    const left = q.pending.map((m) => (m.payload as { n: string }).n);
    assert.deepEqual(left, ['start', 'm1', 'm3', 'm5', 'm7', 'charging-state', 'end']);
    assert.ok(lines.some((l) => /4 intermediate meter-value messages dropped/.test(l)));
    q.stop();
    journal.close();
    assert.deepEqual(
      TransactionJournal.open(dir).pending.map((m) => (m.payload as { n: string }).n),
      left,
      'the journal agrees',
    );
  });

  it('a full disk does not lose the message: it stays in memory, and the queue says so', async () => {
    const journal = TransactionJournal.open(dir);
    const lines: string[] = [];
    const sent: string[] = [];
    const { q, ready$ } = queue(journal, async (_a, p) => sent.push((p as { n: string }).n), false, { lines });
    (journal as unknown as { journal: { append(): void } }).journal.append = () => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    };
    q.enqueue('TransactionEvent', { n: 'a' }, 'tx-1', 'start');
    assert.equal(q.storeHealthy, false);
    assert.ok(lines.some((l) => /cannot write the transaction journal \(ENOSPC/.test(l)));
    ready$.next(true);
    await q.idle();
    assert.deepEqual(sent, ['a']);
    q.stop();
  });
});
