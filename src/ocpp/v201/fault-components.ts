import type { StationDevice } from '../../station/events.js';
import type { FaultKind } from '../../station/types.js';

/**
 * Where 2.0.1 places each hardware fault: the standardized component and variable of the device
 * that failed (Part 2 appendices, 3.2). NotifyEvent reports changes of these variables, and the
 * device model holds their present value, so a CSMS can also ask (GetVariables, GetReport).
 */
export const FAULT_COMPONENT: Readonly<Record<FaultKind, { component: string; variable: string; techCode?: string }>> = {
  meter: { component: 'FiscalMetering', variable: 'Problem' },
  'emergency-stop': { component: 'EmergencyStopSensor', variable: 'Active' },
  'rcd-trip': { component: 'RCD', variable: 'Tripped' },
  'contactor-welded': { component: 'PowerContactor', variable: 'Problem', techCode: 'Welded' },
  'contactor-failed': { component: 'PowerContactor', variable: 'Problem', techCode: 'FailedToClose' },
  // OverCurrentProtection.Active: "Tripped. Trip when over MaxSet/MaxLimit".
  overcurrent: { component: 'OverCurrentProtection', variable: 'Active' },
  // CPPWMController: the IEC 61851-1 control pilot's controller (Part 2 appendices, components).
  vehicle: { component: 'CPPWMController', variable: 'Problem', techCode: 'VehicleError' },
  ventilation: { component: 'CPPWMController', variable: 'Problem', techCode: 'VentilationRequired' },
  pilot: { component: 'CPPWMController', variable: 'Problem', techCode: 'BoardFault' },
  'cable-lock': { component: 'ConnectorPlugRetentionLock', variable: 'Problem' },
};

/**
 * Where 2.0.1 places a device problem that is no fault. TokenReader is the standardized component
 * of "an authorization token reader (e.g. RFID)" (Part 2 appendices, components); the appendix
 * gives it only Token and TokenType, so its failure is the generic Problem variable: "a 'Problem'
 * condition that impacts in any significant way on its normal operation". (Enabled is whether it
 * is switched on for use, Available whether it is fitted: neither says that it fails.)
 */
export const DEVICE_COMPONENT: Readonly<Record<StationDevice, { component: string; variable: string }>> = {
  'token-reader': { component: 'TokenReader', variable: 'Problem' },
};
