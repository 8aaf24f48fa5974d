/**
 * Variable monitors (OCPP 2.0.1 Part 2 block N, kept free of OCPP types here): what a monitor
 * watches, and the pure evaluation of one monitor against the value its variable has now.
 * The service (variable-monitoring.ts) keeps the monitors and calls evaluateMonitor on a timer.
 */

export type MonitorType = 'UpperThreshold' | 'LowerThreshold' | 'Delta' | 'Periodic' | 'PeriodicClockAligned';
export const MONITOR_TYPES: readonly MonitorType[] = ['UpperThreshold', 'LowerThreshold', 'Delta', 'Periodic', 'PeriodicClockAligned'];

/** Why an event was raised: a threshold crossed (or back), a change, a period passed (Part 2 EventTriggerEnumType). */
export type MonitorTrigger = 'Alerting' | 'Delta' | 'Periodic';

/**
 * Who made a monitor (Part 2 EventNotificationEnumType): the CSMS (custom), the manufacturer as a
 * default the CSMS may change or remove (preconfigured, N03/N04.FR.15), or the firmware, fixed
 * (hardwired: never changed or removed, N04.FR.18).
 */
export type MonitorOrigin = 'custom' | 'preconfigured' | 'hardwired';
export const MONITOR_ORIGINS: readonly MonitorOrigin[] = ['custom', 'preconfigured', 'hardwired'];

/** The variable a monitor watches, as the device model addresses it. */
export interface MonitoredVariable {
  component: string;
  componentInstance?: string;
  evseId?: number;
  connectorId?: number;
  variable: string;
  instance?: string;
}

export interface Monitor {
  id: number;
  target: MonitoredVariable;
  type: MonitorType;
  /** A threshold, a delta, or a period in seconds. */
  value: number;
  /** 0 (Danger) .. 9 (Debug). */
  severity: number;
  /** Only evaluated while a transaction runs (on the target's EVSE, or anywhere for a station-wide one). */
  transaction: boolean;
  origin: MonitorOrigin;
}

/** What evaluation remembers between two looks at a monitor. */
export interface MonitorState {
  /** A threshold monitor whose value is beyond it now (reported as Alerting, not yet cleared). */
  tripped: boolean;
  /** Delta: the value the next change is measured from. */
  reference?: string;
  /** Periodic: when the next event is due (ms since the epoch). */
  dueMs?: number;
}

export interface MonitorEvent {
  monitorId: number;
  origin: MonitorOrigin;
  target: MonitoredVariable;
  severity: number;
  trigger: MonitorTrigger;
  actualValue: string;
  /** A threshold monitor whose value came back within its threshold (N07.FR.02). */
  cleared: boolean;
}

export interface Evaluation {
  state: MonitorState;
  event?: MonitorEvent;
}

const numeric = (text: string | undefined): number | undefined => {
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
};

/** PeriodicClockAligned: the first multiple of the period (counted from midnight UTC of 1970) after nowMs (N08.FR.07). */
export function nextAlignedMs(nowMs: number, periodS: number): number {
  const periodMs = periodS * 1000;
  return (Math.floor(nowMs / periodMs) + 1) * periodMs;
}

/** The state a monitor starts with when it is set (or replaced) at nowMs, with its variable's value then. */
export function initialState(monitor: Monitor, actual: string | undefined, nowMs: number, tripped = false): MonitorState {
  switch (monitor.type) {
    case 'Delta':
      return actual === undefined ? { tripped: false } : { tripped: false, reference: actual };
    case 'Periodic':
      // N08.FR.06: the period counts from the time the monitor was set.
      return { tripped: false, dueMs: nowMs + monitor.value * 1000 };
    case 'PeriodicClockAligned':
      return { tripped: false, dueMs: nextAlignedMs(nowMs, monitor.value) };
    default:
      return { tripped };
  }
}

/**
 * One look at a monitor: its new state and the event it raises, if any.
 * UpperThreshold trips when the value exceeds the threshold, LowerThreshold when it drops below it,
 * not on it (N07.FR.16/17), and clear on the way back (N07.FR.02). Delta fires when a numeric value
 * moved more than the delta from the last reported one (N07.FR.18), a non-numeric one on any change
 * (N07.FR.19). Periodic fires each period (N08.FR.06/07, trigger Periodic per N08.FR.05); periods
 * missed while the station was busy or off are not made up.
 */
export function evaluateMonitor(monitor: Monitor, state: MonitorState, actual: string | undefined, nowMs: number): Evaluation {
  const event = (trigger: MonitorTrigger, actualValue: string, cleared = false): MonitorEvent => ({
    monitorId: monitor.id,
    origin: monitor.origin,
    target: monitor.target,
    severity: monitor.severity,
    trigger,
    actualValue,
    cleared,
  });
  switch (monitor.type) {
    case 'UpperThreshold':
    case 'LowerThreshold': {
      const n = numeric(actual);
      if (n === undefined || actual === undefined) return { state }; // nothing to compare: no change either way
      const beyond = monitor.type === 'UpperThreshold' ? n > monitor.value : n < monitor.value;
      if (beyond === state.tripped) return { state };
      return { state: { ...state, tripped: beyond }, event: event('Alerting', actual, !beyond) };
    }
    case 'Delta': {
      if (actual === undefined) return { state };
      if (state.reference === undefined) return { state: { ...state, reference: actual } };
      const now = numeric(actual);
      const before = numeric(state.reference);
      const changed = now !== undefined && before !== undefined ? Math.abs(now - before) > monitor.value : actual !== state.reference;
      return changed ? { state: { ...state, reference: actual }, event: event('Delta', actual) } : { state };
    }
    case 'Periodic':
    case 'PeriodicClockAligned': {
      const periodMs = monitor.value * 1000;
      const due = state.dueMs ?? nowMs + periodMs;
      if (nowMs < due) return { state: { ...state, dueMs: due } };
      const missed = Math.floor((nowMs - due) / periodMs);
      return { state: { ...state, dueMs: due + (missed + 1) * periodMs }, event: event('Periodic', actual ?? '') };
    }
  }
}
