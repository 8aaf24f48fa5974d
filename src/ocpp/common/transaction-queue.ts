import { randomUUID } from 'node:crypto';
import type { Observable, Subscription } from 'rxjs';
import type { Logger } from '../../service/logger.js';
import { CallErrorResponse, CallTimeout, InvalidResponse, NotConnected } from '../rpc/rpc-errors.js';

/** A transaction-related message waiting for the CSMS' answer. */
export interface QueuedMessage {
  id: string;
  action: string;
  payload: object;
  /** Transmissions that failed to be processed by the CSMS (E13). */
  failures: number;
  /** Which transaction it belongs to, for logs and for mapping ids assigned later. */
  transactionId: string;
}

export interface TransactionQueueOptions {
  send(action: string, payload: object): Promise<unknown>;
  /** Connected, and allowed to send transaction messages (boot accepted). */
  ready$: Observable<boolean>;
  /** MessageAttempts (2.0.1) / TransactionMessageAttempts (1.6). */
  attempts(): number;
  /** MessageAttemptInterval / TransactionMessageRetryInterval, seconds. */
  retryIntervalS(): number;
  /** The CSMS answered this message. */
  onAnswer(message: QueuedMessage, answer: unknown): void;
  /** The message was given up after its last attempt (E13.FR.04). */
  onDiscarded?(message: QueuedMessage, error: Error): void;
  log: Logger;
}

/**
 * Transaction-related messages go out in order, one at a time, each removed only when the CSMS
 * answered it. A lost connection does not count as a failed attempt: the message waits for the
 * next connection. A CALLERROR, an invalid answer or a timeout does (E13.FR.02/03): the message is
 * sent again after retryInterval x the transmissions so far, and discarded after the last attempt.
 */
export class TransactionMessageQueue {
  private readonly queue: QueuedMessage[] = [];
  private ready = false;
  private pumping = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly subscription: Subscription;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: TransactionQueueOptions) {
    this.subscription = options.ready$.subscribe((ready) => {
      this.ready = ready;
      if (ready) this.pump();
    });
  }

  get length(): number {
    return this.queue.length;
  }

  get pending(): readonly QueuedMessage[] {
    return this.queue;
  }

  enqueue(action: string, payload: object, transactionId: string): QueuedMessage {
    const message: QueuedMessage = { id: randomUUID(), action, payload, failures: 0, transactionId };
    this.queue.push(message);
    this.pump();
    return message;
  }

  /** Resolves when every queued message has been answered or discarded. */
  idle(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    if (this.pumping || !this.ready || this.stopped || this.retryTimer) return;
    this.pumping = true;
    void this.drain().finally(() => {
      this.pumping = false;
    });
  }

  private async drain(): Promise<void> {
    while (this.ready && !this.stopped && !this.retryTimer) {
      const message = this.queue[0];
      if (!message) {
        for (const w of this.idleWaiters.splice(0)) w();
        return;
      }
      let answer: unknown;
      try {
        answer = await this.options.send(message.action, message.payload);
      } catch (err) {
        if (err instanceof NotConnected) return; // waits for the next connection, not a failure
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
        this.options.log.warning(`${message.action} for transaction ${message.transactionId} not processed (${err.message}); retry ${message.failures + 1} in ${waitS} s`);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.pump();
        }, waitS * 1000);
        return;
      }
      this.queue.shift();
      this.options.onAnswer(message, answer);
    }
  }

  private discard(message: QueuedMessage, error: Error): void {
    this.queue.shift();
    this.options.log.error(`discarding ${message.action} for transaction ${message.transactionId} after ${message.failures} failed attempt(s): ${error.message}`);
    this.options.onDiscarded?.(message, error);
  }

  stop(): void {
    this.stopped = true;
    this.subscription.unsubscribe();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
