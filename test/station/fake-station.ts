import { BehaviorSubject, Subject } from 'rxjs';
import { FakeClock, type TimerHandle } from '../../src/station/clock.js';
import type { StationEvent } from '../../src/station/events.js';
import type { MeterHealth, MeterReading } from '../../src/station/meter-reading.js';
import type { AuthorizationPort, ChargingSettings, ConnectorPort, EvsePort, MeterPort, SafetySettings, StateStore } from '../../src/station/ports.js';
import { Station, type AuthorizationMode } from '../../src/station/station.js';
import type { AuthorizationResult, IdToken } from '../../src/station/types.js';

/**
 * The charging core on fake hardware and fake time: a meter whose energy rises while its relay is
 * closed and the EV draws current, a plug, a contactor with feedback, all on a FakeClock. Tests move
 * time with `advance` (readings every second) instead of sleeping.
 */

/** A token list standing in for the authority (the CSMS is tested in the OCPP tests). */
export class TokenList implements AuthorizationPort {
  readonly asked: string[] = [];
  constructor(private readonly accepted: Record<string, AuthorizationResult>) {}
  async authorize(idToken: IdToken): Promise<AuthorizationResult> {
    this.asked.push(idToken.idToken);
    return this.accepted[idToken.idToken] ?? { status: 'Invalid' };
  }
}

export class MemoryStore implements StateStore {
  readonly values = new Map<string, unknown>();
  read<T>(name: string): T | undefined {
    return this.values.get(name) as T | undefined;
  }
  write(name: string, value: unknown): void {
    this.values.set(name, JSON.parse(JSON.stringify(value)));
  }
}

export const DEFAULT_SETTINGS: ChargingSettings = {
  txStartPoints: ['PowerPathClosed'],
  txStopPoints: ['EVConnected', 'Authorized'],
  evConnectionTimeoutS: 60,
  stopTxOnInvalidId: true,
  evIdleCurrentA: 0.5,
  evIdleAfterS: 2,
  onMeterFailure: 'suspend',
};

const VOLTS = 230;
const HEALTH: MeterHealth = {
  state: 'ok',
  consecutiveFailedPolls: 0,
  counters: { polls: 0, goodPolls: 0, failedPolls: 0, requests: 0, retries: 0, timeouts: 0, crcErrors: 0, exceptions: 0, ioErrors: 0, rejectedReadings: 0 },
};

/** One EVSE's hardware: one connector with plug detection and (optionally) contactor feedback, and its meter. */
export class FakeEvseHardware {
  relayClosed = false;
  readonly plugged$ = new BehaviorSubject(false);
  /** The contactor's feedback contact; fails-to-close keeps it open whatever the coil. */
  contactorFault: 'none' | 'fails-to-close' = 'none';
  private readonly feedback$: BehaviorSubject<boolean> | undefined;
  /** The current the EV draws on each of 3 phases while it charges. */
  evCurrentA = 16;
  evCharging = true;
  energyWh = 1000;
  /** The meter does not answer: readings stop and a poll waits until it answers again. */
  silent = false;
  private waitingPolls: Array<(r: MeterReading) => void> = [];
  private lastTickMs: number;
  private readonly readings$ = new Subject<MeterReading>();
  private readonly health$ = new Subject<MeterHealth>();
  private latest: MeterReading | undefined;
  readonly port: EvsePort;

  constructor(
    private readonly clock: FakeClock,
    evseId = 1,
    options: { feedback?: boolean } = {},
  ) {
    this.lastTickMs = clock.nowMs();
    this.feedback$ = options.feedback ? new BehaviorSubject(false) : undefined;
    const connector: ConnectorPort = {
      connectorId: 1,
      type: 'sType2',
      setRelay: (closed) => {
        this.integrate();
        this.relayClosed = closed;
        this.feedback$?.next(closed && this.contactorFault === 'none');
      },
      plugged$: this.plugged$,
      relayFeedback$: this.feedback$,
    };
    const latest = (): MeterReading | undefined => this.latest;
    const meter: MeterPort = {
      readings$: this.readings$,
      health$: this.health$,
      get latest() {
        return latest();
      },
      poll: () => (this.silent ? new Promise((resolve) => this.waitingPolls.push(resolve)) : Promise.resolve(this.read())),
    };
    this.port = { evseId, maxCurrentA: 32, meter, connectors: [connector] };
  }

  /** The amps flowing now: the EV's draw while the relay is closed, plugged and charging. */
  get ampsNow(): number {
    return this.relayClosed && this.plugged$.value && this.evCharging ? this.evCurrentA : 0;
  }

  /** A contactor fault of the simulated hardware; its feedback reports the contact at once. */
  setContactorFault(mode: 'none' | 'fails-to-close'): void {
    this.contactorFault = mode;
    this.feedback$?.next(this.relayClosed && mode === 'none');
  }

  /** The meter's register now (what a reading taken now would say). */
  energyNow(): number {
    this.integrate();
    return this.energyWh;
  }

  setPlugged(plugged: boolean): void {
    this.plugged$.next(plugged);
  }

  /** A meter poll (every second on the clock): a reading, or nothing while silent. */
  tick(): void {
    if (this.silent) return;
    this.readings$.next(this.read());
  }

  /** The meter fails (its health says so) and stays silent until `answerAgain`. */
  fail(message = 'no answer'): void {
    this.silent = true;
    this.health$.next({ ...HEALTH, state: 'failed', consecutiveFailedPolls: 3, lastFault: { kind: 'timeout', message, at: this.clock.now() } });
  }

  answerAgain(): void {
    this.silent = false;
    const reading = this.read();
    for (const answer of this.waitingPolls.splice(0)) answer(reading);
    this.health$.next(HEALTH);
    this.readings$.next(reading);
  }

  private integrate(): void {
    const now = this.clock.nowMs();
    this.energyWh += (this.ampsNow * VOLTS * 3 * (now - this.lastTickMs)) / 3_600_000;
    this.lastTickMs = now;
  }

  private read(): MeterReading {
    this.integrate();
    const amps = this.ampsNow;
    this.latest = { energyImportWh: this.energyWh, currentL1A: amps, currentL2A: amps, currentL3A: amps, powerW: amps * VOLTS * 3, timestamp: this.clock.now() };
    return this.latest;
  }
}

export interface FakeStationOptions {
  settings?: Partial<ChargingSettings>;
  authorization?: AuthorizationMode;
  tokens?: Record<string, AuthorizationResult>;
  authorizer?: AuthorizationPort;
  safety?: SafetySettings;
  /** Kept across a restart (availability, trip latches, reservations). */
  store?: StateStore;
  onStoreError?: (message: string) => void;
  /** The hardware and the clock to open on: they outlive a restart of the station. */
  hardware?: FakeEvseHardware;
  clock?: FakeClock;
  feedback?: boolean;
}

export class FakeStation {
  readonly clock: FakeClock;
  readonly hw: FakeEvseHardware;
  readonly station: Station;
  readonly events: StationEvent[] = [];
  readonly authorizer: TokenList;
  readonly store: StateStore;
  readonly settings: ChargingSettings;
  private readonly poller: TimerHandle;
  private transactionIds = 0;

  constructor(options: FakeStationOptions = {}) {
    this.clock = options.clock ?? new FakeClock();
    this.hw = options.hardware ?? new FakeEvseHardware(this.clock, 1, { feedback: options.feedback });
    this.store = options.store ?? new MemoryStore();
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this.authorizer = new TokenList(options.tokens ?? { CARD1: { status: 'Accepted' }, CARD2: { status: 'Accepted' } });
    const settings = this.settings;
    this.station = new Station({
      evses: [this.hw.port],
      settings: () => settings,
      authorization: options.authorization ?? { mode: 'csms' },
      authorizer: options.authorizer ?? this.authorizer,
      store: this.store,
      onStoreError: options.onStoreError,
      safety: options.safety,
      clock: this.clock,
      newTransactionId: () => `tx-${++this.transactionIds}`,
    });
    this.station.events$.subscribe((e) => this.events.push(e));
    this.station.start();
    this.poller = this.clock.setInterval(() => this.hw.tick(), 1000);
    this.hw.tick();
  }

  get relay(): boolean {
    return this.hw.relayClosed;
  }

  /** Moves fake time on, letting promises (the authority's answers, the final reading) settle on the way. */
  advance(ms = 0): Promise<void> {
    return this.clock.advanceAsync(ms);
  }

  of<K extends StationEvent['type']>(type: K): Array<Extract<StationEvent, { type: K }>> {
    return this.events.filter((e): e is Extract<StationEvent, { type: K }> => e.type === type);
  }

  last<K extends StationEvent['type']>(type: K): Extract<StationEvent, { type: K }> | undefined {
    return this.of(type).at(-1);
  }

  statuses(): string[] {
    return this.of('ConnectorStatusChanged').map((e) => e.status);
  }

  close(): void {
    this.poller.cancel();
    this.station.stop();
  }
}
