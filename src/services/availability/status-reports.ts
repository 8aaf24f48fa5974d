import type { Logger } from '../../process/logger.js';
import { NotConnected } from '../../ocpp/rpc/rpc-errors.js';
import type { Clock, TimerHandle } from '../../station/clock.js';
import { NotAccepted } from '../registration/registration.js';

/**
 * After a send that failed: 'forget' takes the CSMS to have heard nothing of the connector, and
 * goes on with the next (1.6: everything is sent again at the next connection); 'restore' takes it
 * to have heard what it heard before, and stops there (2.0.1: the rest wait for the reconnection).
 */
export type StatusFailurePolicy = 'forget' | 'restore';

export interface StatusReportsOptions<S> {
  clock: Clock;
  log: Logger;
  /** Every connector the protocol reports on, by key, in the order reports go out. */
  keys(): readonly string[];
  /** The status to report for a connector now; undefined while none is known. */
  current(key: string): S | undefined;
  /** What two statuses are compared by: the same text is the same status. */
  identity(status: S): string;
  /** Sends one StatusNotification; `triggered` when the CSMS asked for it. Rejects when it did not go. */
  send(key: string, status: S, triggered: boolean): Promise<unknown>;
  /** Whether statuses may go out now (connected, boot accepted). */
  online(): boolean;
  /** How long a new status must hold before it is reported (1.6 MinimumStatusDuration); 0: at once. */
  minimumDurationS(): number;
  /** A change the CSMS is not told of (2.0.1 G01.FR.08: unavailable only because a sibling connector is in use). */
  isQuiet?(key: string, status: S): boolean;
  onFailure: StatusFailurePolicy;
}

/**
 * Availability as the CSMS hears it, the same for both versions: which status each connector is
 * to report, what the CSMS last heard of it, and when a change goes out. Status is state, not
 * history: only the latest goes, now or at the next (re)connection. The version's adapter says what
 * a connector's status is, and encodes the message.
 */
export class StatusReports<S> {
  /** Connector key -> the identity of the status the CSMS last heard (or is being told). */
  private readonly heard = new Map<string, string>();
  /** Connector key -> the status waiting out the minimum duration. */
  private readonly pending = new Map<string, { identity: string; timer: TimerHandle }>();
  private checkQueued = false;
  private stopped = false;

  constructor(private readonly options: StatusReportsOptions<S>) {}

  /** The identity of the status the CSMS last heard of a connector. */
  lastHeard(key: string): string | undefined {
    return this.heard.get(key);
  }

  /**
   * Something changed; the connectors are looked at once the current decision of the core is over
   * (a microtask later), so that a status the connector held for an instant in the middle of it
   * is never reported.
   */
  queueCheck(): void {
    if (this.checkQueued || this.stopped) return;
    this.checkQueued = true;
    queueMicrotask(() => {
      this.checkQueued = false;
      this.check();
    });
  }

  /**
   * Each connector whose status differs from what the CSMS heard sends it, once it held for the
   * minimum duration (1.6 9.1.19), so that a blink of a state is not reported.
   */
  check(): void {
    if (this.stopped) return;
    const minimumS = this.options.minimumDurationS();
    const online = this.options.online();
    for (const key of this.options.keys()) {
      const status = this.options.current(key);
      if (status === undefined) continue;
      const identity = this.options.identity(status);
      const waiting = this.pending.get(key);
      // Already waiting out this very status: it must hold from when it began, not from the
      // last change of some other connector, or a busy neighbour would hold it back for ever.
      if (waiting?.identity === identity && online) continue;
      waiting?.timer.cancel();
      this.pending.delete(key);
      if (this.heard.get(key) === identity || !online) continue;
      if (minimumS <= 0) {
        void this.sendOne(key, status, false);
        continue;
      }
      const timer = this.options.clock.setTimeout(() => {
        this.pending.delete(key);
        const now = this.options.current(key);
        if (now !== undefined && this.heard.get(key) !== this.options.identity(now)) void this.sendOne(key, now, false);
      }, minimumS * 1000);
      this.pending.set(key, { identity, timer });
    }
  }

  /**
   * Reports the selected connectors (all by default) now: every one, or only those whose status
   * differs from what the CSMS heard. False when none was selected.
   */
  async report(options: { keys?: readonly string[]; onlyChanged?: boolean; triggered?: boolean }): Promise<boolean> {
    const selected = (options.keys ?? this.options.keys()).filter((key) => this.options.current(key) !== undefined);
    for (const key of selected) {
      // As it is when its turn comes: an earlier send may have taken a while.
      const status = this.options.current(key);
      if (status === undefined) continue;
      if (options.onlyChanged && (this.heard.get(key) === this.options.identity(status) || this.options.isQuiet?.(key, status))) continue;
      const sent = await this.sendOne(key, status, options.triggered ?? false);
      if (!sent && this.options.onFailure === 'restore') break;
    }
    return selected.length > 0;
  }

  private async sendOne(key: string, status: S, triggered: boolean): Promise<boolean> {
    const identity = this.options.identity(status);
    // What the CSMS is being told, from the moment it is sent: a change that comes while the answer
    // is on its way (Reserved, then Available at once) compares with it, not with the status before.
    const before = this.heard.get(key);
    this.heard.set(key, identity);
    try {
      await this.options.send(key, status, triggered);
      return true;
    } catch (err) {
      if (this.options.onFailure === 'forget') this.heard.delete(key);
      else if (this.heard.get(key) === identity) {
        if (before === undefined) this.heard.delete(key);
        else this.heard.set(key, before);
      }
      if (!(err instanceof NotConnected || err instanceof NotAccepted)) this.options.log.warning(`StatusNotification failed: ${(err as Error).message}`);
      return false;
    }
  }

  stop(): void {
    this.stopped = true;
    for (const p of this.pending.values()) p.timer.cancel();
    this.pending.clear();
  }
}
