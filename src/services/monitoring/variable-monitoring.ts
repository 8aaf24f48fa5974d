import type { Clock, TimerHandle } from '../../station/clock.js';
import { evaluateMonitor, initialState, type Monitor, type MonitoredVariable, type MonitorEvent, type MonitorState, type MonitorType } from './monitor.js';
import type { MonitoringBase, MonitorStore, StoredMonitoring } from './monitor-store.js';

/**
 * The station's variable monitors (2.0.1 N04-N08, version-neutral): kept durably, looked at once a
 * second against the live values, and their events handed on, those above the monitoring level
 * held back (N05.FR.03, N07.FR.15). Which variables exist and what a monitor may watch is the
 * protocol adapter's to check; this keeps the monitors and evaluates them.
 *
 * Three kinds live side by side: the CSMS' own (custom), the manufacturer's defaults (preconfigured,
 * installed on first start and by SetMonitoringBase, changed or removed by the CSMS at will), and the
 * firmware's fixed ones (hardwired: listed in reports so their events can name them, never changed
 * or removed, and not evaluated here: the firmware raises their events where it sees the fault).
 * Each kind has its own id range, so a custom id never collides with a default's.
 */

export const LOWEST_SEVERITY = 9;
const TICK_MS = 1000;
const PRECONFIGURED_IDS = 1_000_000;
const HARDWIRED_IDS = 2_000_000;

/** A monitor the firmware brings (preconfigured or hardwired): everything but its id and origin. */
export type MonitorDefinition = Omit<Monitor, 'id' | 'origin'>;

export interface MonitorRequest {
  /** Replaces the monitor of this id (N04.FR.12); without it a new id is given (N04.FR.11). */
  id?: number;
  target: MonitoredVariable;
  type: MonitorType;
  value: number;
  severity: number;
  transaction?: boolean;
}

export type MonitorSetOutcome = { status: 'Accepted'; id: number } | { status: 'Rejected' | 'Duplicate'; id?: number; reason: string };

export interface VariableMonitoringOptions {
  clock: Clock;
  /** The variable's Actual value now; undefined when it has none. */
  read(target: MonitoredVariable): string | undefined;
  /** Where monitors are kept; without it, in memory only. */
  store?: MonitorStore;
  /** The manufacturer's default monitors (N03 FactoryDefault). */
  preconfigured?: readonly MonitorDefinition[];
  /** The firmware's fixed monitors (its fault notifications). */
  hardwired?: readonly MonitorDefinition[];
  /** An event to send (already past the monitoring level). */
  emit(event: MonitorEvent): void;
  /** MonitoringCtrlr.Enabled: while false nothing is evaluated. Default always. */
  enabled?: () => boolean;
  /** Whether a transaction runs on the EVSE (any EVSE for undefined), for monitors with the transaction flag. */
  transactionRunning?: (evseId: number | undefined) => boolean;
  onWarning?: (message: string) => void;
}

const lower = (s: string | undefined): string => (s ?? '').toLowerCase();
/** Device model names match without regard to case. */
export function sameTarget(a: MonitoredVariable, b: MonitoredVariable): boolean {
  return (
    lower(a.component) === lower(b.component) &&
    lower(a.componentInstance) === lower(b.componentInstance) &&
    a.evseId === b.evseId &&
    a.connectorId === b.connectorId &&
    lower(a.variable) === lower(b.variable) &&
    lower(a.instance) === lower(b.instance)
  );
}

export class VariableMonitoring {
  readonly #monitors = new Map<number, Monitor>();
  readonly #states = new Map<number, MonitorState>();
  readonly #hardwired: readonly Monitor[];
  #level: number | undefined;
  #base: MonitoringBase = 'All';
  #timer: TimerHandle | undefined;

  constructor(private readonly options: VariableMonitoringOptions) {
    this.#hardwired = (options.hardwired ?? []).map((d, i) => ({ ...d, id: HARDWIRED_IDS + i + 1, origin: 'hardwired' }));
    const stored = options.store?.load();
    if (!stored || (stored.monitors.length === 0 && stored.base === undefined && stored.level === undefined)) {
      // First start: the manufacturer's defaults are in force.
      for (const monitor of this.#preconfigured()) this.#install(monitor);
      if (this.#monitors.size > 0) this.#save();
      return;
    }
    this.#level = stored.level;
    this.#base = stored.base ?? 'All';
    const now = options.clock.nowMs();
    for (const monitor of stored.monitors) {
      this.#monitors.set(monitor.id, monitor);
      // N07.FR.14: a threshold still tripped at the restart clears once its value is back.
      this.#states.set(monitor.id, initialState(monitor, this.#read(monitor.target), now, stored.tripped.includes(monitor.id)));
    }
  }

  /** Starts looking at the monitors once a second. */
  start(): void {
    this.#timer ??= this.options.clock.setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** Every monitor, the hard-wired ones included, by id. */
  list(): Monitor[] {
    return [...this.#monitors.values(), ...this.#hardwired].sort((a, b) => a.id - b.id);
  }

  get(id: number): Monitor | undefined {
    return this.#monitors.get(id) ?? this.#hardwired.find((m) => m.id === id);
  }

  /** The hard-wired monitor on a variable, if the firmware has one. */
  hardWiredOn(target: MonitoredVariable): Monitor | undefined {
    return this.#hardwired.find((m) => sameTarget(m.target, target));
  }

  /** N03: the monitoring base last set (All until the CSMS sets one). */
  get base(): MonitoringBase {
    return this.#base;
  }

  /**
   * N03 SetMonitoringBase. All: the defaults that are missing come back, custom and changed ones
   * stay (N03.FR.03). FactoryDefault: every custom monitor goes, the defaults as the manufacturer
   * made them (N03.FR.04). HardWiredOnly: custom and defaults go (N03.FR.05). False when that could
   * not be stored (nothing changed then).
   */
  setBase(base: MonitoringBase): boolean {
    const monitors = new Map(this.#monitors);
    const states = new Map(this.#states);
    const before = this.#base;
    if (base !== 'All') {
      this.#monitors.clear();
      this.#states.clear();
    }
    if (base !== 'HardWiredOnly') for (const monitor of this.#preconfigured()) if (!this.#monitors.has(monitor.id)) this.#install(monitor);
    this.#base = base;
    if (this.#save()) return true;
    this.#restore(monitors, states);
    this.#base = before;
    return false;
  }

  /** The monitoring level: events of a greater severity number are not sent. */
  get level(): number {
    return this.#level ?? LOWEST_SEVERITY;
  }

  /** N05: false for a severity out of 0..9 (N05.FR.02) or a level that could not be stored. */
  setLevel(level: number): boolean {
    if (!Number.isInteger(level) || level < 0 || level > LOWEST_SEVERITY) return false;
    const before = this.#level;
    this.#level = level;
    if (this.#save()) return true;
    this.#level = before;
    return false;
  }

  set(request: MonitorRequest): MonitorSetOutcome {
    const { id, target, type, value, severity } = request;
    const rejected = (reason: string): MonitorSetOutcome => (id === undefined ? { status: 'Rejected', reason } : { status: 'Rejected', id, reason });
    if (!Number.isInteger(severity) || severity < 0 || severity > LOWEST_SEVERITY) return rejected(`severity ${severity} is not within 0..9`);
    if (type === 'Delta' && value < 0) return rejected('a Delta monitor needs a value of 0 or more'); // N04.FR.14
    if ((type === 'Periodic' || type === 'PeriodicClockAligned') && !(value >= 1)) return rejected('a period of at least 1 s');
    if (id !== undefined && this.#hardwired.some((m) => m.id === id)) return rejected(`monitor ${id} is hard-wired`); // N04.FR.18
    const existing = id === undefined ? undefined : this.#monitors.get(id);
    if (id !== undefined && !existing) return rejected(`no monitor ${id}`); // N04.FR.13
    if (existing && !sameTarget(existing.target, target)) return rejected(`monitor ${id} watches another variable`); // N04.FR.16
    const duplicate = this.list().find((m) => m.id !== id && m.type === type && m.severity === severity && sameTarget(m.target, target));
    if (duplicate) return { status: 'Duplicate', id: duplicate.id, reason: `monitor ${duplicate.id} has that type and severity` }; // N04.FR.10
    // N04.FR.15: a default the CSMS replaced is its own from then on.
    const monitor: Monitor = { id: id ?? this.#nextId(), target, type, value, severity, transaction: request.transaction ?? false, origin: 'custom' };
    const previousState = this.#states.get(monitor.id);
    this.#monitors.set(monitor.id, monitor);
    // N07.FR.11: a replaced threshold keeps whether it was tripped; the next look says whether the new one clears or trips.
    const tripped = existing !== undefined && existing.type === type && (previousState?.tripped ?? false);
    this.#states.set(monitor.id, initialState(monitor, this.#read(target), this.options.clock.nowMs(), tripped));
    if (this.#save()) return { status: 'Accepted', id: monitor.id };
    if (existing) this.#monitors.set(existing.id, existing);
    else this.#monitors.delete(monitor.id);
    if (previousState) this.#states.set(monitor.id, previousState);
    else this.#states.delete(monitor.id);
    return rejected('the monitor could not be stored');
  }

  /** N06: 'NotFound' for an unknown id, 'Rejected' for a hard-wired one; a tripped threshold removed sends no clear (N07.FR.12). */
  clear(id: number): 'Accepted' | 'NotFound' | 'Rejected' {
    if (this.#hardwired.some((m) => m.id === id)) return 'Rejected';
    const monitor = this.#monitors.get(id);
    if (!monitor) return 'NotFound';
    const state = this.#states.get(id);
    this.#monitors.delete(id);
    this.#states.delete(id);
    if (this.#save()) return 'Accepted';
    this.#monitors.set(id, monitor);
    if (state) this.#states.set(id, state);
    return 'Rejected';
  }

  /** One look at every monitor (the timer's; tests call it too). */
  tick(): void {
    if (this.options.enabled && !this.options.enabled()) return;
    const now = this.options.clock.nowMs();
    let trippedChanged = false;
    for (const monitor of this.#monitors.values()) {
      if (monitor.transaction && !(this.options.transactionRunning?.(monitor.target.evseId) ?? false)) continue;
      const state = this.#states.get(monitor.id) ?? { tripped: false };
      const { state: next, event } = evaluateMonitor(monitor, state, this.#read(monitor.target), now);
      this.#states.set(monitor.id, next);
      if (next.tripped !== state.tripped) trippedChanged = true;
      if (event && event.severity <= this.level) this.options.emit(event);
    }
    if (trippedChanged) this.#save();
  }

  #read(target: MonitoredVariable): string | undefined {
    try {
      return this.options.read(target);
    } catch (err) {
      this.options.onWarning?.(`cannot read ${target.component}.${target.variable} for a monitor: ${(err as Error).message}`);
      return undefined;
    }
  }

  #preconfigured(): Monitor[] {
    return (this.options.preconfigured ?? []).map((d, i) => ({ ...d, id: PRECONFIGURED_IDS + i + 1, origin: 'preconfigured' }));
  }

  #install(monitor: Monitor): void {
    this.#monitors.set(monitor.id, monitor);
    this.#states.set(monitor.id, initialState(monitor, this.#read(monitor.target), this.options.clock.nowMs()));
  }

  #restore(monitors: ReadonlyMap<number, Monitor>, states: ReadonlyMap<number, MonitorState>): void {
    this.#monitors.clear();
    this.#states.clear();
    for (const [id, m] of monitors) this.#monitors.set(id, m);
    for (const [id, st] of states) this.#states.set(id, st);
  }

  /** The next custom id: below the defaults' range. */
  #nextId(): number {
    let max = 0;
    for (const id of this.#monitors.keys()) if (id < PRECONFIGURED_IDS) max = Math.max(max, id);
    return max + 1;
  }

  #save(): boolean {
    if (!this.options.store) return true;
    const tripped = [...this.#states].filter(([, s]) => s.tripped).map(([id]) => id);
    try {
      const monitors = [...this.#monitors.values()].sort((a, b) => a.id - b.id);
      const state: StoredMonitoring = { monitors, tripped, base: this.#base };
      if (this.#level !== undefined) state.level = this.#level;
      this.options.store.save(state);
      return true;
    } catch (err) {
      this.options.onWarning?.(`cannot store the monitors: ${(err as Error).message}`);
      return false;
    }
  }
}
