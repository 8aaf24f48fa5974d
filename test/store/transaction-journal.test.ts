import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TransactionJournal, type StoredTransaction } from '../../src/store/transaction-journal.js';

/** A running transaction's state recorded without a message (the samples kept for its Ended message). */
describe('transaction journal: recordTransaction', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evse-journal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const tx = (samples: number, padding = ''): StoredTransaction => ({
    id: 'tx-1',
    snapshot: { id: 'tx-1', evseId: 1 },
    adapter: { seqNo: 3, endedSamples: Array.from({ length: samples }, (_, i) => ({ timestamp: `t${i}`, padding })) },
  });

  it('the latest state is what a restart finds; the transaction end removes it', () => {
    let journal = TransactionJournal.open(dir);
    journal.recordTransaction(tx(1));
    journal.recordTransaction(tx(2));
    journal.close();
    journal = TransactionJournal.open(dir);
    assert.deepEqual(journal.running, [tx(2)]);
    journal.add({ id: 'm-1', action: 'TransactionEvent', payload: {}, transactionId: 'tx-1', kind: 'end' }, undefined, true);
    journal.close();
    journal = TransactionJournal.open(dir);
    assert.deepEqual(journal.running, []);
    journal.close();
  });

  it('states it replaced are spent: the journal is compacted once it is large, not left to grow', async () => {
    const journal = TransactionJournal.open(dir);
    const padding = 'x'.repeat(30_000);
    for (let i = 0; i < 60; i++) {
      journal.recordTransaction(tx(1, padding));
      await journal.synced(); // the compaction runs beside the appends, off the event loop
    }
    // The last compaction may still be carrying the latest records over.
    for (let i = 0; i < 200 && journal.bytes >= 1.2 * 1024 * 1024; i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(journal.bytes < 1.2 * 1024 * 1024, `${journal.bytes} bytes after 60 records of 30 kB`);
    journal.close();
    const reopened = TransactionJournal.open(dir);
    assert.deepEqual(reopened.running, [tx(1, padding)]);
    reopened.close();
  });
});
