import { randomUUID } from 'node:crypto';
import type { Observable, Subscription } from 'rxjs';
import type { Logger } from '../../process/logger.js';
import type { MessageKind, RemovalReason, StoredMessage, StoredTransaction } from '../../store/transaction-journal.js';
import { CallErrorResponse, CallTimeout, InvalidResponse, NotConnected } from '../../ocpp/rpc/rpc-errors.js';
import { systemClock, type Clock, type TimerHandle } from '../../station/clock.js';

/** A message for the log: its action, and its transaction when it has one. */
const describe = (m: StoredMessage): string => (m.kind === 'event' ? m.action : `${m.action} for transaction ${m.transactionId}`);

/** A transaction-related message waiting for the CSMS' answer. */
export interface QueuedMessage extends StoredMessage {
  /** Transmissions that failed to be processed by the CSMS (E13). */
  failures: number;
}

/** Where queued messages are kept so that they survive a restart (the transaction journal). */
export interface QueueStore {
  add(message: StoredMessage, transaction?: StoredTransaction, transactionEnds?: boolean): void;
  /** False when nothing was written (the message never reached the store). */
  remove(id: string, why: RemovalReason): boolean;
  /**
   * Resolves when what was written so far is on disk (group commit); `urgent` false: nobody waits,
   * the sync may come within the commit delay. Without it, writes are safe when made.
   */
  synced?(urgent?: boolean): Promise<void>;
}

export interface TransactionQueueOptions {
  send(action: string, payload: object): Promise<unknown>;
  /** The payload as it goes out now (1.6 fills in a transaction id the CSMS assigned meanwhile). */
  prepare?(message: QueuedMessage): object;
  /** Durable storage; without it the queue lives in memory only. */
  store?: QueueStore;
  /** Messages left from before a restart, oldest first. */
  initial?: readonly StoredMessage[];
  /** The most messages kept; past it, intermediate meter values are thinned (E12.FR.04/05). */
  maxMessages?: () => number;
  /** Connected, and allowed to send transaction messages (boot accepted). */
  ready$: Observable<boolean>;
  /** MessageAttempts (2.0.1) / TransactionMessageAttempts (1.6). */
  attempts(): number;
  /** MessageAttemptInterval / TransactionMessageRetryInterval, seconds. */
  retryIntervalS(): number;
  /**
   * The CSMS answered this message (called before it leaves the journal: what the answer says is
   * kept first; a promise returned is waited for, so that it is on disk before the removal is).
   */
  onAnswer(message: QueuedMessage, answer: unknown): unknown;
  /**
   * The answered message is off the journal. What may only be forgotten once it can no longer be
   * sent again goes here (1.6: the CSMS' transactionId, needed by a StopTransaction resent after a crash).
   */
  onRemoved?(message: QueuedMessage): void;
  /** The message was given up after its last attempt (E13.FR.04). */
  onDiscarded?(message: QueuedMessage, error: Error): void;
  log: Logger;
  /** The retry waits' timers; the system's by default. */
  clock?: Clock;
}

/**
 * Transaction-related messages go out in order, one at a time, each written to the store before
 * it is sent and removed only when the CSMS answered it. A lost connection does not count as a
 * failed attempt: the message waits for the next connection. A CALLERROR, an invalid answer or a
 * timeout does (E13.FR.02/03): the message is sent again after retryInterval x the transmissions
 * so far, and discarded after the last attempt (E13.FR.04).
 */
export class TransactionMessageQueue {
  private readonly queue: QueuedMessage[] = [];
  private ready = false;
  private pumping = false;
  private retryTimer: TimerHandle | undefined;
  private readonly subscription: Subscription;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  private storeFailing = false;
  /** A send found the connection gone: wait for ready$ to say it is back. */
  private waitingForConnection = false;

  private readonly clock: Clock;
  /** Messages written and not yet known to be on disk: each waits for its record before it is sent. */
  private readonly unsafe = new Map<string, Promise<boolean>>();
  /** Removals written and not yet synced (idle() waits for them: onRemoved is told after). */
  private readonly removing = new Set<Promise<unknown>>();

  constructor(private readonly options: TransactionQueueOptions) {
    this.clock = options.clock ?? systemClock;
    for (const m of options.initial ?? []) this.queue.push({ ...m, failures: 0 });
    this.subscription = options.ready$.subscribe((ready) => {
      this.ready = ready;
      this.waitingForConnection = false;
      if (ready) this.pump();
    });
  }

  get length(): number {
    return this.queue.length;
  }

  get pending(): readonly QueuedMessage[] {
    return this.queue;
  }

  /**
   * Queues a message, on disk first (with the transaction's state after it, when given). A store
   * that cannot write (a full disk) does not stop the message: it is kept in memory, and said loudly.
   */
  enqueue(action: string, payload: object, transactionId: string, kind: MessageKind, transaction?: StoredTransaction): QueuedMessage {
    const message: QueuedMessage = { id: randomUUID(), action, payload, failures: 0, transactionId, kind };
    this.persist(() => this.options.store?.add({ id: message.id, action, payload, transactionId, kind }, transaction, kind === 'end'));
    const safe = this.whenOnDisk();
    if (safe) {
      this.unsafe.set(message.id, safe);
      void safe.then(() => this.unsafe.delete(message.id));
    }
    this.queue.push(message);
    this.thinIfFull();
    this.pump();
    return message;
  }

  /** Runs a store write; `false` from it means nothing was written, which proves nothing either way. */
  private persist(write: () => boolean | void): void {
    try {
      if (write() === false) return;
      if (this.storeFailing) this.options.log.notice('transaction journal writable again');
      this.storeFailing = false;
    } catch (err) {
      if (!this.storeFailing) {
        this.options.log.error(`cannot write the transaction journal (${(err as Error).message}): messages kept in memory only until it can`);
      }
      this.storeFailing = true;
    }
  }

  /**
   * When what was just written is on disk, or undefined when the store says nothing of it. A failed
   * sync is said as a failed write is; the message still goes (it is kept in memory meanwhile).
   */
  private whenOnDisk(urgent = true): Promise<boolean> | undefined {
    return this.options.store?.synced?.(urgent).then(
      () => true,
      (err: unknown) => {
        this.persist(() => {
          throw err;
        });
        return false;
      },
    );
  }

  /** Whether the last write to the store failed. */
  get storeHealthy(): boolean {
    return !this.storeFailing;
  }

  /**
   * E12.FR.04/05, J02.FR.13: over the limit, intermediate meter-value messages go first, every
   * other one (1st, 3rd, 5th...), never the one in flight; starts, ends and state changes stay.
   */
  private thinIfFull(): void {
    const max = this.options.maxMessages?.() ?? Infinity;
    if (this.queue.length <= max) return;
    const meter = this.queue.slice(1).filter((m) => m.kind === 'meter');
    const drop = new Set(meter.filter((_, i) => i % 2 === 0).map((m) => m.id));
    if (drop.size === 0) {
      this.options.log.warning(`${this.queue.length} transaction messages queued, over the limit of ${max}, none of them meter values that could go`);
      return;
    }
    for (let i = this.queue.length - 1; i >= 1; i--) {
      const m = this.queue[i]!;
      if (!drop.has(m.id)) continue;
      this.queue.splice(i, 1);
      this.persist(() => this.options.store?.remove(m.id, 'thinned'));
    }
    this.options.log.warning(`transaction message queue full (${max}): ${drop.size} intermediate meter-value messages dropped`);
  }

  /**
   * Resolves when every queued message has been answered or discarded and its removal is on disk,
   * or after timeoutMs at the latest.
   */
  async idle(timeoutMs = Infinity): Promise<void> {
    if (this.queue.length === 0) return this.removalsOnDisk();
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve)).then(() => this.removalsOnDisk());
    if (!Number.isFinite(timeoutMs)) return idle;
    let timer: TimerHandle | undefined;
    await Promise.race([idle, new Promise<void>((resolve) => (timer = this.clock.setTimeout(resolve, timeoutMs)))]);
    timer?.cancel();
  }

  private async removalsOnDisk(): Promise<void> {
    while (this.removing.size > 0) await Promise.all(this.removing);
  }

  private pump(): void {
    if (this.pumping || !this.ready || this.waitingForConnection || this.stopped || this.retryTimer) return;
    this.pumping = true;
    void this.drain().finally(() => {
      this.pumping = false;
      // A message queued while the last round was finishing must not wait for the next one.
      if (this.queue.length > 0) this.pump();
    });
  }

  private async drain(): Promise<void> {
    while (this.ready && !this.waitingForConnection && !this.stopped && !this.retryTimer) {
      const message = this.queue[0];
      if (!message) {
        for (const w of this.idleWaiters.splice(0)) w();
        return;
      }
      // Never sent before its record is on disk: a power cut must not lose what the CSMS may have seen.
      const safe = this.unsafe.get(message.id);
      if (safe) {
        await safe;
        continue;
      }
      let answer: unknown;
      try {
        answer = await this.options.send(message.action, this.options.prepare ? this.options.prepare(message) : message.payload);
      } catch (err) {
        if (err instanceof NotConnected) {
          // Not a failure of the message: it waits for the next connection.
          this.waitingForConnection = true;
          return;
        }
        if (!(err instanceof CallTimeout || err instanceof CallErrorResponse || err instanceof InvalidResponse)) {
          // Our own message failed validation: sending it again cannot help.
          this.discard(message, err as Error);
          continue;
        }
        message.failures++;
        if (message.failures >= Math.max(1, this.options.attempts())) {
          this.discard(message, err);
          continue;
        }
        const waitS = this.options.retryIntervalS() * message.failures;
        this.options.log.warning(`${describe(message)} not processed (${err.message}); retry ${message.failures + 1} in ${waitS} s`);
        this.retryTimer = this.clock.setTimeout(() => {
          this.retryTimer = undefined;
          this.pump();
        }, waitS * 1000);
        return;
      }
      // Off the disk as soon as its answer is taken in (1.6: the CSMS' transactionId kept), not
      // before: a crash in between sends it again (at least once) rather than losing what the
      // answer said. The window for such a resend stays small.
      // The removal's sync is not waited for (group commit: the next message goes at once); a power
      // cut before it means a resend, as above. What may only be forgotten once it cannot be sent
      // again (onRemoved) waits for it.
      this.queue.shift();
      try {
        const kept = this.options.onAnswer(message, answer);
        if (kept instanceof Promise) await kept.catch((err: unknown) => this.options.log.error(`keeping the answer to ${describe(message)} failed: ${(err as Error).message}`));
      } finally {
        this.persist(() => this.options.store?.remove(message.id, 'answered'));
      }
      // Only a removal somebody must hear of is followed (its sync is not hurried: nobody waits).
      const removed = this.options.onRemoved ? this.whenOnDisk(false) : undefined;
      if (removed) {
        const told = removed.then((onDisk) => onDisk && this.options.onRemoved?.(message));
        this.removing.add(told);
        void told.then(() => this.removing.delete(told));
      } else {
        this.options.onRemoved?.(message);
      }
    }
  }

  private discard(message: QueuedMessage, error: Error): void {
    this.queue.shift();
    this.persist(() => this.options.store?.remove(message.id, 'discarded'));
    this.options.log.error(`discarding ${describe(message)} after ${message.failures} failed attempt(s): ${error.message}`);
    this.options.onDiscarded?.(message, error);
  }

  stop(): void {
    this.stopped = true;
    this.subscription.unsubscribe();
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

/** Where events wait: a journal of its own, with what was left from before a restart. */
export type EventStore = QueueStore & { readonly pending: StoredMessage[] };

/**
 * A durable queue of events (security events, monitor events) rather than transaction messages:
 * what waited before a restart goes first, and an answer says nothing to keep.
 */
export function eventQueue(options: Pick<TransactionQueueOptions, 'send' | 'ready$' | 'attempts' | 'retryIntervalS' | 'log' | 'clock'> & { store?: EventStore }): TransactionMessageQueue {
  return new TransactionMessageQueue({ ...options, initial: options.store?.pending, onAnswer: () => undefined });
}
