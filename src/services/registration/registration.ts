import { BehaviorSubject, combineLatest, map, type Observable, type Subscription } from 'rxjs';
import type { Logger } from '../../process/logger.js';
import type { OcppClient } from '../../ocpp/ocpp-client.js';
import { NotConnected } from '../../ocpp/rpc/rpc-errors.js';
import type { TimerHandle } from '../../station/clock.js';
import type { CsmsClock } from './csms-clock.js';

/** Where the station's registration with the CSMS stands (2.0.1 B01-B03, 1.6 4.2). */
export type BootState = 'NotBooted' | 'Pending' | 'Rejected' | 'Accepted';

/** A CALL the boot state does not allow yet (2.0.1 B02.FR.02, B03.FR.02; 1.6 4.2). */
export class NotAccepted extends Error {
  constructor(action: string, state: BootState) {
    super(`${action} not sent: the CSMS has not accepted the station (boot ${state})`);
    this.name = 'NotAccepted';
  }
}

/** BootNotification and Heartbeat answers have the same shape in 1.6 and 2.0.1. */
interface BootAnswer {
  status: 'Accepted' | 'Pending' | 'Rejected';
  currentTime: string;
  interval: number;
}

export interface RegistrationOptions {
  client: OcppClient;
  clock: CsmsClock;
  log: Logger;
  /**
   * What a message sent with send() waits for: the transaction messages made before it are on disk
   * and so handed to the connection first (a StatusNotification after its StopTransaction; issue 18).
   */
  after?: () => Promise<void> | undefined;
  /** The version's BootNotification payload; `triggered` when the CSMS asked for it (TriggerMessage). */
  bootRequest(triggered: boolean): object;
  heartbeatIntervalS(): number;
  /** Keeps the interval the CSMS gave at boot (2.0.1 B01.FR.04, 1.6 4.2). */
  setHeartbeatIntervalS(seconds: number): Promise<void>;
  /** Whether the CSMS' time is adopted (2.0.1 ClockCtrlr.TimeSource; always in 1.6). */
  csmsIsTimeSource(): boolean;
  /** Once accepted: report the connectors' statuses (2.0.1 B01.FR.05, 1.6 4.2). */
  onAccepted(): Promise<void>;
  /** After a reconnect on an accepted registration, with how long the station was offline. */
  onReconnected(offlineS: number): void;
  onClockChanged?(): void;
}

/** When no interval is given for a retry of a not accepted boot (2.0.1 B02.FR.07, B03.FR.05). */
export const DEFAULT_BOOT_RETRY_S = 60;

/**
 * The station's registration with the CSMS, the same for both versions: BootNotification until
 * accepted, at the interval the CSMS gives; nothing but what the boot state allows on the wire;
 * the CSMS' clock; Heartbeat after HeartbeatInterval without other traffic. A reconnect on an
 * accepted registration is not a reboot (OCPP-J §5.3): no new BootNotification.
 */
export class Registration {
  readonly bootState$ = new BehaviorSubject<BootState>('NotBooted');
  /** Connected and accepted: transaction messages may go. */
  readonly ready$: Observable<boolean>;
  private readonly subscriptions: Subscription[] = [];
  private bootTimer: TimerHandle | undefined;
  private heartbeatTimer: TimerHandle | undefined;
  private lastActivity: number;
  private offlineSince: number | undefined;
  private booting = false;
  private stopped = false;

  constructor(private readonly options: RegistrationOptions) {
    this.lastActivity = this.offlineSince = this.nowMs();
    this.ready$ = combineLatest([options.client.connected$, this.bootState$]).pipe(map(([c, b]) => c && b === 'Accepted'));
  }

  private nowMs(): number {
    return this.options.clock.local.nowMs();
  }

  get state(): BootState {
    return this.bootState$.value;
  }

  get online(): boolean {
    return this.options.client.isConnected && this.bootState$.value === 'Accepted';
  }

  start(): void {
    this.subscriptions.push(this.options.client.connected$.subscribe((connected) => this.onConnection(connected)));
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.subscriptions) s.unsubscribe();
    for (const t of [this.bootTimer, this.heartbeatTimer]) t?.cancel();
    this.bootState$.complete();
  }

  /** Sends at once on the open connection; the message counts as activity for the heartbeat. */
  async sendNow(action: string, payload: object): Promise<unknown> {
    // Counted when sent, not when answered: the timer firing again before a Heartbeat's answer
    // must not send a second one (2.0.1 G02.FR.05).
    this.lastActivity = this.nowMs();
    const answer = await this.options.client.call(action, payload);
    this.lastActivity = this.nowMs();
    return answer;
  }

  /** Before Accepted only BootNotification, and what the CSMS itself asked for while Pending. */
  send(action: string, payload: object, triggered = false): Promise<unknown> {
    const state = this.bootState$.value;
    if (!this.options.client.isConnected) return Promise.reject(new NotConnected(action));
    const allowed = state === 'Accepted' || action === 'BootNotification' || (triggered && state === 'Pending');
    if (!allowed) return Promise.reject(new NotAccepted(action, state));
    const before = this.options.after?.();
    return before ? before.then(() => this.sendNow(action, payload)) : this.sendNow(action, payload);
  }

  private onConnection(connected: boolean): void {
    if (!connected) {
      this.offlineSince ??= this.nowMs();
      this.heartbeatTimer?.cancel();
      return;
    }
    if (this.bootState$.value !== 'Accepted') {
      // A not accepted boot is retried no sooner than the CSMS said (2.0.1 B02.FR.04).
      if (!this.bootTimer) this.boot();
      return;
    }
    const offlineS = this.offlineSince === undefined ? 0 : (this.nowMs() - this.offlineSince) / 1000;
    this.offlineSince = undefined;
    this.options.onReconnected(offlineS);
    this.scheduleHeartbeat();
  }

  /** Sends BootNotification now; `triggered` when the CSMS asked for it while not accepted (F06). */
  boot(triggered = false): void {
    if (this.booting || this.stopped) return;
    this.bootTimer?.cancel();
    this.bootTimer = undefined;
    this.booting = true;
    void this.send('BootNotification', this.options.bootRequest(triggered))
      .then(
        (answer) => this.onBootAnswer(answer as BootAnswer),
        (err: Error) => {
          this.options.log.warning(`BootNotification failed: ${err.message}`);
          // Not sent or not answered: again on the next connection, or after a while on this one.
          if (this.options.client.isConnected && !this.stopped) this.retryBoot(DEFAULT_BOOT_RETRY_S);
        },
      )
      .finally(() => {
        this.booting = false;
      });
  }

  private retryBoot(seconds: number): void {
    this.bootTimer?.cancel();
    this.bootTimer = this.options.clock.local.setTimeout(() => {
      this.bootTimer = undefined;
      if (this.options.client.isConnected) this.boot();
    }, seconds * 1000);
  }

  private onBootAnswer(answer: BootAnswer): void {
    const { log } = this.options;
    if (this.options.csmsIsTimeSource()) this.syncClock(answer.currentTime); // 2.0.1 B01.FR.06
    if (answer.status !== 'Accepted') {
      const retryS = answer.interval > 0 ? answer.interval : DEFAULT_BOOT_RETRY_S; // 2.0.1 B02.FR.07/08, B03.FR.05/06
      log.warning(`the CSMS answered BootNotification with ${answer.status}; asking again in ${retryS} s`);
      this.bootState$.next(answer.status);
      this.retryBoot(retryS);
      return;
    }
    log.notice('the CSMS accepted the station');
    this.offlineSince = undefined;
    const accepted = async (): Promise<void> => {
      if (answer.interval > 0) await this.options.setHeartbeatIntervalS(answer.interval);
      this.bootState$.next('Accepted');
      await this.options.onAccepted();
      this.scheduleHeartbeat();
    };
    void accepted().catch((err: Error) => log.error(`after boot: ${err.message}`));
  }

  /** Adopts the CSMS' time, and says so when the clock moved (clock-aligned schedules follow it). */
  private syncClock(currentTime: string): void {
    const before = this.options.clock.offset;
    this.options.clock.sync(currentTime);
    if (Math.abs(this.options.clock.offset - before) >= 100) this.options.onClockChanged?.();
  }

  /** A Heartbeat after HeartbeatInterval without other traffic (2.0.1 G02, 1.6 4.6). */
  scheduleHeartbeat(): void {
    this.heartbeatTimer?.cancel();
    if (this.stopped || this.bootState$.value !== 'Accepted' || !this.options.client.isConnected) return;
    const intervalMs = this.options.heartbeatIntervalS() * 1000;
    const due = Math.max(0, this.lastActivity + intervalMs - this.nowMs());
    this.heartbeatTimer = this.options.clock.local.setTimeout(() => {
      if (this.nowMs() - this.lastActivity >= intervalMs - 5) void this.heartbeat(false);
      this.scheduleHeartbeat();
    }, due);
  }

  async heartbeat(triggered: boolean): Promise<void> {
    try {
      const answer = (await this.send('Heartbeat', {}, triggered)) as { currentTime: string };
      if (this.options.csmsIsTimeSource()) this.syncClock(answer.currentTime);
    } catch (err) {
      this.options.log.warning(`Heartbeat failed: ${(err as Error).message}`);
    }
  }
}
