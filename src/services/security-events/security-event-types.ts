import type { BootReasonEnumType } from 'ocpp-messages/v2.0/BootNotificationRequest.js';
import type { DeviceStart } from '../../process/device-start.js';

/**
 * The security events the station knows (OCPP 2.0.1 Part 2 appendices, Security Events; the 1.6
 * security whitepaper uses the same names), each with whether it is critical: a critical event is
 * sent to the CSMS (A04.FR.01), every event goes into the local security log (A04.FR.04).
 */
export const SECURITY_EVENTS = {
  FirmwareUpdated: true,
  FailedToAuthenticationAtCsms: false,
  CsmsFailedToAuthentication: false,
  SettingSystemTime: true,
  StartupOfTheDevice: true,
  ResetOrReboot: true,
  SecurityLogWasCleared: true,
  ReconfigurationOfSecurityParameters: false,
  MemoryExhaustion: true,
  InvalidMessages: false,
  AttemptedReplayAttacks: false,
  TamperDetectionActivated: true,
  InvalidFirmwareSignature: true,
  InvalidFirmwareSigningCertificate: true,
  InvalidCsmsCertificate: true,
  InvalidChargingStationCertificate: true,
  InvalidTLSVersion: true,
  InvalidTLSCipherSuite: true,
  MaintenanceLoginAccepted: true,
  MaintenanceLoginFailed: true,
} as const satisfies Record<string, boolean>;

export type SecurityEventType = keyof typeof SECURITY_EVENTS;

export interface SecurityEvent {
  type: SecurityEventType;
  techInfo?: string;
}

/** A security event as it happened: its time already on the CSMS' clock (RFC 3339). */
export interface RecordedSecurityEvent extends SecurityEvent {
  timestamp: string;
}

/**
 * The event of this start: a restart after a Reset, or of the agent on a machine that kept
 * running, is ResetOrReboot; a start after the machine booted is StartupOfTheDevice.
 */
export function startSecurityEvent(bootReason: BootReasonEnumType, start: DeviceStart): SecurityEvent {
  if (bootReason === 'RemoteReset' || bootReason === 'ScheduledReset' || bootReason === 'LocalReset') {
    return { type: 'ResetOrReboot', techInfo: `restarted by a ${bootReason}` };
  }
  if (start === 'restart') return { type: 'ResetOrReboot', techInfo: 'the agent restarted; the machine kept running' };
  return { type: 'StartupOfTheDevice', techInfo: 'the machine started' };
}
