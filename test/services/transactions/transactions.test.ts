import assert from 'node:assert/strict';
import { BehaviorSubject } from 'rxjs';
import { silentLogger } from '../../../src/process/logger.js';
import { Transactions } from '../../../src/services/transactions/transactions.js';
import { FakeClock } from '../../../src/station/clock.js';
import type { TransactionSnapshot } from '../../../src/station/events.js';
import { TransactionJournal } from '../../../src/store/transaction-journal.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/** The transactions service: which transactions run, their messages in order on the journal (E01.FR.07, E12, E13), across restarts; on a FakeClock. */

interface SeqState {
  seqNo: number;
}

const snapshot = (id: string, evseId = 1): TransactionSnapshot => ({
  id,
  evseId,
  startedAt: new Date(Date.UTC(2026, 0, 1, 12, 0, 0)),
  meterStartWh: 1000,
  chargingState: 'Charging',
  energyWh: 0,
});

function service(journal: TransactionJournal, ready: boolean, sent: string[], extra: { answered?: string[]; stillToSend?: boolean } = {}) {
  const ready$ = new BehaviorSubject(ready);
  const transactions = new Transactions<SeqState>({
    clock: new FakeClock(),
    log: silentLogger,
    journal,
    send: async (action, payload) => void sent.push(`${action} ${JSON.stringify(payload)}`),
    ready$,
    attempts: () => 3,
    retryIntervalS: () => 1,
    revive: (stored) => ({ seqNo: Number(stored.adapter['seqNo'] ?? 0) }),
    persist: (state) => ({ seqNo: state.seqNo }),
    stillToSend: extra.stillToSend ? (pending, j) => pending.filter((m) => (m.action === 'Start' ? (j.remove(m.id, 'answered'), false) : true)) : undefined,
    onAnswer: (m) => extra.answered?.push(m.action),
  });
  return { transactions, ready$ };
}

describe('transactions service', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('evse-transactions');
  });

  it('E01.FR.07: a transaction running when the agent stopped comes back with its version state, and its unsent messages with it', async () => {
    let journal = TransactionJournal.open(dir);
    const sent: string[] = [];
    const first = service(journal, false, sent);
    const tx = first.transactions.track(snapshot('tx-1'), 1, () => ({ seqNo: 0 }));
    tx.state.seqNo = 1;
    first.transactions.enqueue(tx, 'TransactionEvent', { seqNo: 0 }, 'start');
    tx.state.seqNo = 2;
    first.transactions.record(tx);
    assert.equal(first.transactions.waiting(), 1);
    assert.equal(first.transactions.waiting('tx-2'), 0);
    first.transactions.stop();
    journal.close();

    journal = TransactionJournal.open(dir);
    const second = service(journal, true, sent);
    const back = second.transactions.get('tx-1');
    assert.ok(back);
    assert.equal(back.state.seqNo, 2, 'the state recorded last');
    assert.equal(back.evseId, 1);
    assert.equal(back.snapshot.startedAt.toISOString(), '2026-01-01T12:00:00.000Z', 'the snapshot revived, dates and all');
    await second.transactions.queue.idle();
    assert.deepEqual(sent, ['TransactionEvent {"seqNo":0}']);
    second.transactions.stop();
    journal.close();
  });

  it('an ended transaction no longer runs; its last message is still delivered; the journal forgets it', async () => {
    const journal = TransactionJournal.open(dir);
    const sent: string[] = [];
    const answered: string[] = [];
    const { transactions } = service(journal, true, sent, { answered });
    const tx = transactions.track(snapshot('tx-1'), 1, () => ({ seqNo: 0 }));
    transactions.enqueue(tx, 'Start', {}, 'start');
    transactions.enqueue(tx, 'End', {}, 'end');
    transactions.ended(tx.id);
    assert.equal(transactions.get('tx-1'), undefined);
    assert.equal(transactions.find((t) => t.evseId === 1), undefined);
    await transactions.queue.idle();
    assert.deepEqual(answered, ['Start', 'End']);
    transactions.stop();
    journal.close();
    assert.deepEqual(TransactionJournal.open(dir).running, []);
  });

  it('track: the same transaction is the same record, unless the version starts it afresh', () => {
    const journal = TransactionJournal.open(dir);
    const { transactions } = service(journal, false, []);
    const a = transactions.track(snapshot('tx-1'), 1, () => ({ seqNo: 0 }));
    a.state.seqNo = 5;
    const b = transactions.track({ ...snapshot('tx-1'), energyWh: 10 }, 1, () => ({ seqNo: 0 }));
    assert.equal(b, a);
    assert.equal(b.snapshot.energyWh, 10, 'the latest snapshot');
    const c = transactions.track(snapshot('tx-1'), 1, () => ({ seqNo: 0 }), true);
    assert.equal(c.state.seqNo, 0);
    transactions.stop();
    journal.close();
  });

  it('1.6: the version chooses which of the journal messages are still to send', async () => {
    let journal = TransactionJournal.open(dir);
    const first = service(journal, false, []);
    const tx = first.transactions.track(snapshot('tx-1'), 1, () => ({ seqNo: 0 }));
    first.transactions.enqueue(tx, 'Start', {}, 'start');
    first.transactions.enqueue(tx, 'Meter', {}, 'meter');
    first.transactions.stop();
    journal.close();
    journal = TransactionJournal.open(dir);
    const sent: string[] = [];
    const second = service(journal, true, sent, { stillToSend: true });
    await second.transactions.queue.idle();
    assert.deepEqual(sent, ['Meter {}']);
    second.transactions.stop();
    journal.close();
  });
});
