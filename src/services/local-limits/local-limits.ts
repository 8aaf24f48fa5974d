import { concat, defer, from, Subject, type Observable, type Subscription } from 'rxjs';
import type { Logger } from '../../process/logger.js';
import type { Clock } from '../../station/clock.js';
import type { MeterHealth, MeterReading } from '../../station/meter-reading.js';
import type { LimitInForce } from '../smart-charging/charging-profile.js';
import { allocate, type EvseDemand, type StationConstraint } from './allocation.js';
import { availableForEvses, nextGridLimit, type GridLimitSettings, type GridLimitState } from './grid-limit.js';

/**
 * The station's local limits, without the CSMS: the supply the EVSEs share (supply.maxCurrentA),
 * the building's main meter (what the main fuse leaves beside the building's other load), the
 * grid operator's signal (a power cap while active) and, when the agent passes it, the
 * ChargingStationMaxProfile's limit for the whole station. Each EVSE's share follows allocation.ts;
 * the limits that bind are reported to the CSMS as external limits (K12-K14: EMS for the grid
 * meter, SO for the grid operator). The agent combines each EVSE's local limit with its profiles'.
 */

/** An EVSE with a session now: a vehicle plugged in and authorized. */
export interface EvseSession {
  evseId: number;
  /** The vehicle takes energy now (not suspended by the vehicle). */
  charging: boolean;
  /** When the session started: the newest pauses first. */
  since: Date;
}

export interface LocalLimitsEvse {
  evseId: number;
  maxCurrentA: number;
  phases: 1 | 3;
  /** Phase-to-neutral, for the grid operator's power cap and the limits reported in W. */
  voltageV: number;
}

/** supply as configured (SupplyConfig fits). */
export interface SupplyLimits {
  maxCurrentA?: number;
  gridMeter?: GridLimitSettings & { failsafeCurrentA: number };
  gridOperator?: { maxPowerW: number };
}

export interface LocalLimitsOptions {
  clock: Clock;
  log: Logger;
  evses: readonly LocalLimitsEvse[];
  supply: SupplyLimits | undefined;
  /** The EVSEs with a session, the whole list at each change. */
  sessions$: Observable<readonly EvseSession[]>;
  /** The grid meter (a PowerMeter fits): its good readings and its health. */
  gridMeter?: { readonly readings$: Observable<MeterReading>; readonly health$: Observable<MeterHealth> };
  /** The EVSEs' own meters, for what the EVSEs draw of the grid meter's current. */
  evseMeters?: ReadonlyArray<{ evseId: number; meter: { readonly latest: MeterReading | undefined } }>;
  /** The grid operator's input (replaying its state to a new subscriber). */
  gridOperator?: { readonly active$: Observable<boolean> };
  /** The ChargingStationMaxProfile's limit on EVSE 0 now, A per phase, to share among the EVSEs. */
  stationProfileLimitA$?: Observable<number | undefined>;
}

export interface LocalLimitChange {
  evseId: number;
  /** Undefined: no local limit holds the EVSE below its own maximum. */
  limit: LimitInForce | undefined;
}

/** An external limit for the CSMS (chargingLimitSource): on while it holds the station below its capacity. */
export interface ExternalLimitEvent {
  source: 'EMS' | 'SO';
  active: boolean;
  /** The station's limit while active, W for all phases. */
  limitW?: number;
}

const PHASE_CURRENTS = ['currentL1A', 'currentL2A', 'currentL3A'] as const;

export class LocalLimits {
  private readonly limitsSubject = new Subject<LocalLimitChange>();
  private readonly externalSubject = new Subject<ExternalLimitEvent>();
  private readonly limits = new Map<number, LimitInForce | undefined>();
  private readonly external = new Map<ExternalLimitEvent['source'], ExternalLimitEvent>();
  private subscriptions: Subscription[] = [];
  private sessions: readonly EvseSession[] = [];
  private grid: GridLimitState | undefined;
  private gridFailed = false;
  private gridOperatorActive = false;
  private stationProfileA: number | undefined;
  private started = false;
  /** Set once start() has subscribed to everything: the replays while it does are state, not changes. */
  private ready = false;

  constructor(private readonly options: LocalLimitsOptions) {}

  /**
   * Each EVSE's local limit at each change; start() gives every EVSE's first, and a subscriber
   * that comes later gets each EVSE's limit now at once, so the order of starting does not matter.
   */
  get limits$(): Observable<LocalLimitChange> {
    return defer(() => concat(from([...this.limits].map(([evseId, limit]) => ({ evseId, limit }))), this.limitsSubject));
  }

  /** External limits coming on, changing and going (K12/K13: NotifyChargingLimit, K14: ClearedChargingLimit). */
  get external$(): Observable<ExternalLimitEvent> {
    return this.externalSubject.asObservable();
  }

  limitOf(evseId: number): LimitInForce | undefined {
    return this.limits.get(evseId);
  }

  /** The external limits on now. */
  get externalLimits(): ExternalLimitEvent[] {
    return [...this.external.values()];
  }

  /** What the grid meter leaves for all EVSEs now, A per phase (the failsafe while it has failed or not read yet). */
  get gridLimitA(): number | undefined {
    const settings = this.options.supply?.gridMeter;
    if (!settings) return undefined;
    return this.grid && !this.gridFailed ? this.grid.limitA : settings.failsafeCurrentA;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const { gridMeter, gridOperator, stationProfileLimitA$, sessions$ } = this.options;
    const supply = this.options.supply;
    this.subscriptions.push(sessions$.subscribe((s) => this.update(() => (this.sessions = s))));
    if (gridMeter && supply?.gridMeter) {
      this.subscriptions.push(gridMeter.readings$.subscribe((r) => this.gridReading(r)));
      this.subscriptions.push(gridMeter.health$.subscribe((h) => this.gridHealth(h)));
    }
    if (gridOperator && supply?.gridOperator) {
      this.subscriptions.push(gridOperator.active$.subscribe((active) => this.gridOperatorChanged(active)));
    }
    if (stationProfileLimitA$) this.subscriptions.push(stationProfileLimitA$.subscribe((a) => this.update(() => (this.stationProfileA = a))));
    this.ready = true;
    this.recompute(true);
  }

  stop(): void {
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions = [];
    this.started = false;
    this.ready = false;
  }

  private update(change: () => void): void {
    change();
    if (this.ready) this.recompute(false);
  }

  private gridReading(reading: MeterReading): void {
    const settings = this.options.supply!.gridMeter!;
    const evseA = [0, 0, 0];
    for (const { meter } of this.options.evseMeters ?? []) PHASE_CURRENTS.forEach((name, p) => (evseA[p]! += meter.latest?.[name] ?? 0));
    const available = availableForEvses(
      PHASE_CURRENTS.map((name) => reading[name]),
      evseA,
      settings,
    );
    if (available === undefined) return;
    // After a failure the meter is trusted again at its first good reading, without the rise's hold.
    const previous = this.gridFailed ? undefined : this.grid;
    this.update(() => {
      this.grid = nextGridLimit(previous, available, this.options.clock.nowMs(), settings);
      this.gridFailed = false;
    });
  }

  private gridHealth(health: MeterHealth): void {
    if (health.state !== 'failed' || this.gridFailed) return;
    this.options.log.warning(`grid meter failed (${health.lastFault?.message ?? 'no answer'}): the EVSEs get ${this.options.supply!.gridMeter!.failsafeCurrentA} A together until it reads again`);
    this.update(() => (this.gridFailed = true));
  }

  private gridOperatorChanged(active: boolean): void {
    if (active === this.gridOperatorActive) return;
    const maxPowerW = this.options.supply!.gridOperator!.maxPowerW;
    this.options.log.info(active ? `grid operator signal active: the station draws at most ${maxPowerW} W` : 'grid operator signal released');
    this.update(() => (this.gridOperatorActive = active));
  }

  private constraints(): StationConstraint[] {
    const supply = this.options.supply;
    const constraints: StationConstraint[] = [];
    if (supply?.maxCurrentA !== undefined) constraints.push({ source: 'station', currentA: supply.maxCurrentA });
    if (this.stationProfileA !== undefined) constraints.push({ source: 'ChargingStationMaxProfile', currentA: this.stationProfileA });
    const gridA = this.gridLimitA;
    if (gridA !== undefined) constraints.push({ source: 'grid-meter', currentA: gridA });
    if (this.gridOperatorActive && supply?.gridOperator) constraints.push({ source: 'grid-operator', powerW: supply.gridOperator.maxPowerW });
    return constraints;
  }

  private recompute(initial: boolean): void {
    const now = this.options.clock.nowMs();
    const sessions = new Map(this.sessions.map((s) => [s.evseId, s]));
    const demands: EvseDemand[] = this.options.evses.map((e) => {
      const s = sessions.get(e.evseId);
      return { ...e, inSession: s !== undefined, charging: s?.charging ?? false, since: s?.since ?? new Date(now) };
    });
    const constraints = this.constraints();
    const shares = allocate(demands, constraints);
    // An EVSE without a session is offered what it would get if a vehicle came now: the newest session.
    const newest = new Date(Math.max(now, ...this.sessions.map((s) => s.since.getTime())) + 1);
    demands.forEach((d, i) => {
      let share = shares[i]!;
      if (!d.inSession) {
        share = allocate(demands.map((x, j) => (j === i ? { ...x, inSession: true, charging: true, since: newest } : x)), constraints)[i]!;
      }
      const limit: LimitInForce | undefined = share.limitedBy ? { valueA: share.shareA, source: share.limitedBy } : undefined;
      const before = this.limits.get(d.evseId);
      if (!initial && before?.valueA === limit?.valueA && before?.source === limit?.source) return;
      this.limits.set(d.evseId, limit);
      this.options.log.debug(`EVSE ${d.evseId}: local limit ${limit ? `${limit.valueA} A (${limit.source})` : 'none'}`);
      this.limitsSubject.next({ evseId: d.evseId, limit });
    });
    this.reportExternal();
  }

  /** The grid meter's limit is an EMS limit while it holds the EVSEs below what they could take; the operator's signal SO while active. */
  private reportExternal(): void {
    const evses = this.options.evses;
    const voltageV = evses[0]?.voltageV ?? 230;
    const phases = Math.max(1, ...evses.map((e) => e.phases));
    const capacityA = Math.min(this.options.supply?.maxCurrentA ?? Infinity, evses.reduce((sum, e) => sum + e.maxCurrentA, 0));
    const gridA = this.gridLimitA;
    this.setExternal(
      gridA !== undefined && gridA < capacityA ? { source: 'EMS', active: true, limitW: Math.round(gridA * voltageV * phases) } : { source: 'EMS', active: false },
    );
    const operator = this.options.supply?.gridOperator;
    this.setExternal(this.gridOperatorActive && operator ? { source: 'SO', active: true, limitW: operator.maxPowerW } : { source: 'SO', active: false });
  }

  private setExternal(event: ExternalLimitEvent): void {
    const before = this.external.get(event.source);
    if (!event.active) {
      if (!before) return;
      this.external.delete(event.source);
    } else {
      if (before?.limitW === event.limitW) return;
      this.external.set(event.source, event);
    }
    this.externalSubject.next(event);
  }
}
