import { randomUUID } from 'node:crypto';
import type { Logger } from '../../process/logger.js';
import type { Clock, TimerHandle } from '../../station/clock.js';
import { CallTimeout, NotConnected, truncateText } from './rpc-errors.js';
import { callFrame, errorText } from './rpc-frames.js';

/**
 * Our CALLs on one connection: one in flight at a time (§4.1.1), the others queued in order, each
 * with its timeout; and the peer's CALLs our CALLs wait for while they are being answered
 * (RpcEndpointOptions.holdCallsWhileAnsweringMs).
 */

export interface OutgoingCall {
  action: string;
  /** The payload already serialised, as validated when call() was made. */
  payloadText: string;
  timeoutMs: number | undefined;
  resolve(payload: unknown): void;
  reject(error: Error): void;
}

export interface InFlightCall extends OutgoingCall {
  messageId: string;
  timer: TimerHandle;
}

/** Node's timers take at most 2^31-1 ms; anything larger would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface OutgoingCallsOptions {
  /** Writes one frame (logging it); throws when the connection cannot take it. */
  sendFrame(frame: string): void;
  callTimeoutMs: () => number;
  log: Logger;
  clock: Clock;
}

export class OutgoingCalls {
  private readonly queue: OutgoingCall[] = [];
  private current: InFlightCall | undefined;
  /** Peer CALLs whose answers our CALLs wait for, each with the timer that stops the wait. */
  private readonly holding = new Map<string, TimerHandle>();
  private closed = false;

  constructor(private readonly options: OutgoingCallsOptions) {}

  get inFlight(): InFlightCall | undefined {
    return this.current;
  }

  /** Actions of the queued CALLs, oldest first. */
  get queuedActions(): string[] {
    return this.queue.map((c) => c.action);
  }

  /** Queues a CALL; it is sent when nothing is in flight or held. */
  enqueue(call: OutgoingCall): void {
    this.queue.push(call);
    this.sendNext();
  }

  /** The pending CALL a CALLRESULT or CALLERROR answers, or undefined when it answers none. */
  answeredBy(message: unknown[], kind: string): InFlightCall | undefined {
    const messageId = message[1];
    if (typeof messageId !== 'string') {
      this.options.log.warning(`${kind} without a readable message id: ignored`);
      return undefined;
    }
    if (this.current?.messageId !== messageId) {
      // Never answered: a response to an unknown or timed-out CALL has nothing to match.
      this.options.log.warning(`${kind} for ${truncateText(messageId, 40)}, which is not a pending CALL (never sent or timed out): ignored`);
      return undefined;
    }
    return this.current;
  }

  /** Ends the CALL in flight and lets the next queued one go. */
  settle(call: InFlightCall, error: Error | undefined, payload?: unknown): void {
    if (this.current !== call) return;
    call.timer.cancel();
    this.current = undefined;
    if (error) call.reject(error);
    else call.resolve(payload);
    this.sendNext();
  }

  /** Our CALLs wait until the answer to this peer CALL is written, for at most `limitMs`. */
  hold(messageId: string, action: string, limitMs: number): void {
    const ms = Math.min(limitMs, MAX_TIMER_MS);
    if (!(ms > 0)) return;
    const timer = this.options.clock.setTimeout(() => {
      this.options.log.warning(`${action} ${messageId} still unanswered after ${ms} ms: our CALLs no longer wait for it`);
      this.release(messageId);
    }, ms);
    this.holding.set(messageId, timer);
  }

  release(messageId: string): void {
    const timer = this.holding.get(messageId);
    if (timer === undefined) return;
    timer.cancel();
    this.holding.delete(messageId);
    this.sendNext();
  }

  /** The connection is gone: the CALL in flight and the queued ones fail with NotConnected. */
  close(): void {
    this.closed = true;
    const inFlight = this.current;
    this.current = undefined;
    if (inFlight) {
      inFlight.timer.cancel();
      inFlight.reject(new NotConnected(inFlight.action));
    }
    for (const queued of this.queue.splice(0)) queued.reject(new NotConnected(queued.action));
    for (const timer of this.holding.values()) timer.cancel();
    this.holding.clear();
  }

  private sendNext(): void {
    if (this.current || this.closed || this.holding.size > 0) return;
    const next = this.queue.shift();
    if (!next) return;
    const messageId = randomUUID();
    const timeoutMs = Math.min(Math.max(next.timeoutMs ?? this.options.callTimeoutMs(), 1), MAX_TIMER_MS);
    const timer = this.options.clock.setTimeout(() => {
      if (this.current?.messageId !== messageId) return;
      this.options.log.warning(`${next.action} ${messageId}: no answer within ${timeoutMs} ms`);
      this.settle(this.current, new CallTimeout(next.action, timeoutMs));
    }, timeoutMs);
    const call: InFlightCall = { ...next, messageId, timer };
    this.current = call;
    try {
      this.options.sendFrame(callFrame(messageId, next.action, next.payloadText));
    } catch (err) {
      this.options.log.warning(`sending ${next.action} failed: ${errorText(err)}`);
      this.settle(call, new NotConnected(next.action));
    }
  }
}
