import path from 'node:path';
import { AppendJournal, type JournalDamage } from './append-journal.js';

/**
 * Where transaction-related messages wait for the CSMS, and what a running transaction needs to be
 * recovered after a crash or a power cut. One append-only journal (see append-journal.ts): every
 * message is on disk before it is sent (the queue waits for synced()) and leaves only when the CSMS
 * answered it.
 */

/**
 * What a queued message is to the queue: only meter values may be thinned when it is full; an
 * event belongs to no transaction (a security event, queued the same way on its own journal).
 */
export type MessageKind = 'start' | 'update' | 'meter' | 'end' | 'event';

export interface StoredMessage {
  id: string;
  action: string;
  payload: object;
  transactionId: string;
  kind: MessageKind;
}

/** A running transaction as last recorded: the core's snapshot and the adapter's own state (seqNo). */
export interface StoredTransaction {
  id: string;
  snapshot: Record<string, unknown>;
  adapter: Record<string, unknown>;
}

export type RemovalReason = 'answered' | 'discarded' | 'thinned';

type JournalRecord =
  | { t: 'm'; m: StoredMessage }
  | { t: 'x'; id: string; why: RemovalReason }
  | { t: 'tx'; tx: StoredTransaction }
  | { t: 'te'; id: string };

function isRecord(v: unknown): v is JournalRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  switch (r['t']) {
    case 'm': {
      const m = r['m'] as Record<string, unknown> | undefined;
      return typeof m?.['id'] === 'string' && typeof m['action'] === 'string' && typeof m['payload'] === 'object' && typeof m['transactionId'] === 'string';
    }
    case 'x':
    case 'te':
      return typeof r['id'] === 'string';
    case 'tx':
      return typeof (r['tx'] as Record<string, unknown> | undefined)?.['id'] === 'string';
    default:
      return false;
  }
}

export const JOURNAL_FILE = 'transactions.journal';

/** Compact when this many bytes are in the file and most of it is no longer needed. */
const COMPACT_AT_BYTES = 1024 * 1024;

export class TransactionJournal {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly transactions = new Map<string, StoredTransaction>();
  private removedSinceCompaction = 0;
  /** The sync of the last message recorded, until it is done. */
  private lastMessageOnDisk: Promise<void> | undefined;

  private constructor(
    private readonly journal: AppendJournal<JournalRecord>,
    records: readonly JournalRecord[],
    readonly damage: readonly JournalDamage[],
    readonly damagedCopy: string | undefined,
  ) {
    for (const r of records) this.apply(r);
  }

  /** `file`: another journal of the same kind in `dir`, for messages kept apart (security events). */
  static open(dir: string, file = JOURNAL_FILE): TransactionJournal {
    const opened = AppendJournal.open(path.join(dir, file), isRecord);
    return new TransactionJournal(opened.journal, opened.records, opened.damage, opened.damagedCopy);
  }

  private apply(r: JournalRecord): void {
    switch (r.t) {
      case 'm':
        this.messages.set(r.m.id, r.m);
        break;
      case 'x':
        if (this.messages.delete(r.id)) this.removedSinceCompaction++;
        break;
      case 'tx':
        this.transactions.set(r.tx.id, r.tx);
        break;
      case 'te':
        this.transactions.delete(r.id);
        break;
    }
  }

  /** The messages still waiting for the CSMS, oldest first. */
  get pending(): StoredMessage[] {
    return [...this.messages.values()];
  }

  /** Transactions that had started and not ended when the journal was last written. */
  get running(): StoredTransaction[] {
    return [...this.transactions.values()];
  }

  get bytes(): number {
    return this.journal.bytes;
  }

  /**
   * Records a message to send with the transaction's state as it is after it, or, for its last
   * message, the transaction's end: all of it or none of it reaches the disk.
   */
  add(message: StoredMessage, transaction?: StoredTransaction, transactionEnds = false): void {
    const records: JournalRecord[] = [{ t: 'm', m: message }];
    if (transactionEnds) records.push({ t: 'te', id: message.transactionId });
    else if (transaction) records.push({ t: 'tx', tx: transaction });
    this.journal.append(...records);
    for (const r of records) this.apply(r);
    const onDisk = this.journal.synced();
    this.lastMessageOnDisk = onDisk;
    const settled = (): void => {
      if (this.lastMessageOnDisk === onDisk) this.lastMessageOnDisk = undefined;
    };
    onDisk.then(settled, settled);
  }

  /** Resolves when every message recorded so far is on disk; undefined when they are (removals are not waited for). */
  messagesOnDisk(): Promise<void> | undefined {
    return this.lastMessageOnDisk?.catch(() => undefined);
  }

  /**
   * Records a running transaction's state when it changed without a message to send (a sample
   * kept for its Ended message). The record it replaces is spent, as an answered message is.
   */
  recordTransaction(transaction: StoredTransaction): void {
    const record: JournalRecord = { t: 'tx', tx: transaction };
    this.journal.append(record);
    if (this.transactions.has(transaction.id)) this.removedSinceCompaction++;
    this.apply(record);
    this.compactIfWorthIt();
  }

  /** The message left the queue: answered, discarded after its last attempt, or thinned out. False when it was never on disk. */
  remove(id: string, why: RemovalReason): boolean {
    if (!this.messages.has(id)) return false;
    const record: JournalRecord = { t: 'x', id, why };
    this.journal.append(record);
    this.apply(record);
    this.compactIfWorthIt();
    return true;
  }

  /** Rewrites the journal with only what is still needed, when it has grown and is mostly spent. */
  private compactIfWorthIt(): void {
    if (this.journal.bytes < COMPACT_AT_BYTES || this.removedSinceCompaction < this.messages.size) return;
    // A failed compaction leaves the journal as it was: it is tried again at the next removal.
    this.compact().catch(() => undefined);
  }

  /** Replaces the file by what is needed now; appends made meanwhile are kept (see AppendJournal.rewrite). */
  async compact(): Promise<void> {
    const records: JournalRecord[] = [
      ...[...this.transactions.values()].map((tx): JournalRecord => ({ t: 'tx', tx })),
      ...[...this.messages.values()].map((m): JournalRecord => ({ t: 'm', m })),
    ];
    this.removedSinceCompaction = 0;
    await this.journal.rewrite(records);
  }

  /** Resolves when everything recorded so far is on disk (group commit; `urgent`: see AppendJournal.synced). */
  synced(urgent = true): Promise<void> {
    return this.journal.synced(urgent);
  }

  close(): void {
    this.journal.close();
  }
}
