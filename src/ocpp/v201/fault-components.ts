import type { MonitorDefinition } from '../../services/monitoring/index.js';
import type { StationDevice } from '../../station/events.js';
import type { FaultKind } from '../../station/types.js';

/**
 * Where 2.0.1 places each hardware fault: the standardized component and variable of the device
 * that failed (Part 2 appendices, 3.2). NotifyEvent reports changes of these variables, and the
 * device model holds their present value, so a CSMS can also ask (GetVariables, GetReport).
 *
 * Each is a hard-wired monitor of the firmware (an UpperThreshold of 0 on the boolean, true counting
 * as 1: it trips when the fault comes and clears when it goes), with the severity of SetMonitoringLevel's
 * scale: 0 Danger where a person may be hurt, 1 Hardware Failure, 3 Critical, 4 Error.
 */
export const FAULT_COMPONENT: Readonly<Record<FaultKind, { component: string; variable: string; techCode?: string; severity: number }>> = {
  meter: { component: 'FiscalMetering', variable: 'Problem', severity: 1 },
  'emergency-stop': { component: 'EmergencyStopSensor', variable: 'Active', severity: 0 },
  'rcd-trip': { component: 'RCD', variable: 'Tripped', severity: 0 },
  // A welded contactor may leave the cable live.
  'contactor-welded': { component: 'PowerContactor', variable: 'Problem', techCode: 'Welded', severity: 0 },
  'contactor-failed': { component: 'PowerContactor', variable: 'Problem', techCode: 'FailedToClose', severity: 1 },
  // OverCurrentProtection.Active: "Tripped. Trip when over MaxSet/MaxLimit".
  overcurrent: { component: 'OverCurrentProtection', variable: 'Active', severity: 1 },
  // CPPWMController: the IEC 61851-1 control pilot's controller (Part 2 appendices, components).
  vehicle: { component: 'CPPWMController', variable: 'Problem', techCode: 'VehicleError', severity: 3 },
  ventilation: { component: 'CPPWMController', variable: 'Problem', techCode: 'VentilationRequired', severity: 3 },
  pilot: { component: 'CPPWMController', variable: 'Problem', techCode: 'BoardFault', severity: 1 },
  'cable-lock': { component: 'ConnectorPlugRetentionLock', variable: 'Problem', severity: 1 },
};

/**
 * Where 2.0.1 places a device problem that is no fault. TokenReader is the standardized component
 * of "an authorization token reader (e.g. RFID)" (Part 2 appendices, components); the appendix
 * gives it only Token and TokenType, so its failure is the generic Problem variable: "a 'Problem'
 * condition that impacts in any significant way on its normal operation". (Enabled is whether it
 * is switched on for use, Available whether it is fitted: neither says that it fails.)
 */
export const DEVICE_COMPONENT: Readonly<Record<StationDevice, { component: string; variable: string; severity: number }>> = {
  'token-reader': { component: 'TokenReader', variable: 'Problem', severity: 4 },
};

/**
 * The firmware's hard-wired monitors: one per fault variable the station watches (faults that share
 * a variable share its monitor, at the gravest of their severities).
 */
export function hardWiredMonitors(
  faults: ReadonlyArray<{ fault: FaultKind; evseId?: number }>,
  devices: ReadonlyArray<{ device: StationDevice; evseId?: number }>,
): MonitorDefinition[] {
  const places = [...faults.map((f) => ({ ...FAULT_COMPONENT[f.fault], evseId: f.evseId })), ...devices.map((d) => ({ ...DEVICE_COMPONENT[d.device], evseId: d.evseId }))];
  const monitors = new Map<string, MonitorDefinition>();
  for (const p of places) {
    const key = `${p.component}/${p.variable}/${p.evseId ?? ''}`;
    const known = monitors.get(key);
    if (known) {
      known.severity = Math.min(known.severity, p.severity);
      continue;
    }
    const target = p.evseId === undefined ? { component: p.component, variable: p.variable } : { component: p.component, variable: p.variable, evseId: p.evseId };
    monitors.set(key, { target, type: 'UpperThreshold', value: 0, severity: p.severity, transaction: false });
  }
  return [...monitors.values()];
}
