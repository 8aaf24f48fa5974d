import type { Observable } from 'rxjs';
import type { Logger } from '../../process/logger.js';
import type { Clock } from '../../station/clock.js';
import { reviveSnapshot, type TransactionSnapshot } from '../../station/events.js';
import type { MessageKind, StoredMessage, StoredTransaction, TransactionJournal } from '../../store/transaction-journal.js';
import { TransactionMessageQueue, type QueuedMessage } from './transaction-queue.js';

/** A transaction the station runs, as the CSMS is to hear of it. */
export interface RunningTransaction<S> {
  readonly id: string;
  readonly evseId: number;
  /** The core's latest view of it, journaled with every message for recovery. */
  snapshot: TransactionSnapshot;
  /** What the version keeps with it (1.6: its connector number; 2.0.1: its seqNo, samples for Ended). */
  state: S;
}

export interface TransactionsOptions<S> {
  clock: Clock;
  log: Logger;
  /** Where transaction messages and running transactions are kept; without it, in memory only. */
  journal?: TransactionJournal;
  /** storage.maxQueuedMessages. */
  maxQueuedMessages?: number;
  /** Sends a message on the open connection (registration's sendNow). */
  send(action: string, payload: object): Promise<unknown>;
  /** Connected and accepted: messages may go. */
  ready$: Observable<boolean>;
  /** MessageAttempts (2.0.1) / TransactionMessageAttempts (1.6). */
  attempts(): number;
  /** MessageAttemptInterval / TransactionMessageRetryInterval, seconds. */
  retryIntervalS(): number;
  /** The version's state of a transaction the journal says was running when the agent stopped. */
  revive(stored: StoredTransaction, snapshot: TransactionSnapshot): S;
  /** The version's state as it is journaled. */
  persist(state: S): Record<string, unknown>;
  /** Of the journal's messages, those still to send (1.6 drops a StartTransaction already answered). */
  stillToSend?(pending: readonly StoredMessage[], journal: TransactionJournal): StoredMessage[];
  /** The payload as it goes out now (1.6 fills in the transaction id the CSMS gave meanwhile). */
  prepare?(message: QueuedMessage): object;
  onAnswer(message: QueuedMessage, answer: unknown): unknown;
  onDiscarded?(message: QueuedMessage): void;
  /** An answered message is off the journal (see TransactionQueueOptions.onRemoved). */
  onRemoved?(message: QueuedMessage): void;
}

/**
 * Transactions as the CSMS hears of them, the same for both versions: which ones run (kept across
 * restarts by the journal), and their messages, delivered in order, one at a time, journaled before
 * they are sent and retried per E13 (the queue). The version's adapter builds the messages.
 */
export class Transactions<S> {
  readonly queue: TransactionMessageQueue;
  private readonly running = new Map<string, RunningTransaction<S>>();

  constructor(private readonly options: TransactionsOptions<S>) {
    const { journal } = options;
    // Transactions running when the agent last stopped: their messages and samples go on.
    for (const stored of journal?.running ?? []) {
      const snapshot = reviveSnapshot(stored.snapshot);
      this.running.set(stored.id, { id: stored.id, evseId: snapshot.evseId, snapshot, state: options.revive(stored, snapshot) });
    }
    const initial = journal ? (options.stillToSend?.(journal.pending, journal) ?? journal.pending) : undefined;
    this.queue = new TransactionMessageQueue({
      send: options.send,
      prepare: options.prepare,
      store: journal,
      initial,
      maxMessages: options.maxQueuedMessages === undefined ? undefined : () => options.maxQueuedMessages!,
      ready$: options.ready$,
      attempts: options.attempts,
      retryIntervalS: options.retryIntervalS,
      onAnswer: options.onAnswer,
      onDiscarded: options.onDiscarded,
      onRemoved: options.onRemoved,
      log: options.log,
      clock: options.clock,
    });
  }

  /** The running transactions, by id. */
  get all(): ReadonlyMap<string, RunningTransaction<S>> {
    return this.running;
  }

  get(id: string): RunningTransaction<S> | undefined {
    return this.running.get(id);
  }

  /** The first running transaction that matches. */
  find(matches: (tx: RunningTransaction<S>) => boolean): RunningTransaction<S> | undefined {
    for (const tx of this.running.values()) if (matches(tx)) return tx;
    return undefined;
  }

  /** The transaction of a core event: known, or begun now with the version's fresh state. */
  track(snapshot: TransactionSnapshot, evseId: number, fresh: () => S, restart = false): RunningTransaction<S> {
    let tx = this.running.get(snapshot.id);
    if (!tx || restart) {
      tx = { id: snapshot.id, evseId, snapshot, state: fresh() };
      this.running.set(snapshot.id, tx);
    }
    tx.snapshot = snapshot;
    return tx;
  }

  /** The transaction no longer runs (its last message is queued). */
  ended(id: string): void {
    this.running.delete(id);
  }

  /** Queues a message of a transaction, journaled with the transaction's state after it. */
  enqueue(tx: RunningTransaction<S>, action: string, payload: object, kind: MessageKind): void {
    this.queue.enqueue(action, payload, tx.id, kind, this.stored(tx));
  }

  /** Journals a transaction's state that changed without a message (a sample kept for its end). */
  record(tx: RunningTransaction<S>): void {
    try {
      this.options.journal?.recordTransaction(this.stored(tx));
    } catch (err) {
      this.options.log.warning(`transaction ${tx.id}: its state is kept in memory only (${(err as Error).message})`);
    }
  }

  /** Messages still waiting for the CSMS, of one transaction or of all. */
  waiting(transactionId?: string): number {
    return this.queue.pending.filter((m) => transactionId === undefined || m.transactionId === transactionId).length;
  }

  stop(): void {
    this.queue.stop();
  }

  private stored(tx: RunningTransaction<S>): StoredTransaction {
    return { id: tx.id, snapshot: tx.snapshot as unknown as Record<string, unknown>, adapter: this.options.persist(tx.state) };
  }
}
