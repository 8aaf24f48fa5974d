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

/**
 * The 1.6 security whitepaper's list (edition 3, 8. Security Events): the same events, four under
 * their own names, and less critical: the firmware, certificate and TLS events are "No" there.
 * The maintenance login events are 2.0.1's only.
 */
export const SECURITY_EVENTS_16: Readonly<Record<SecurityEventType, { name: string; critical: boolean } | undefined>> = {
  FirmwareUpdated: { name: 'FirmwareUpdated', critical: true },
  FailedToAuthenticationAtCsms: { name: 'FailedToAuthenticationAtCentralSystem', critical: false },
  CsmsFailedToAuthentication: { name: 'CentralSystemFailedToAuthentication', critical: false },
  SettingSystemTime: { name: 'SettingSystemTime', critical: true },
  StartupOfTheDevice: { name: 'StartupOfTheDevice', critical: true },
  ResetOrReboot: { name: 'ResetOrReboot', critical: true },
  SecurityLogWasCleared: { name: 'SecurityLogWasCleared', critical: true },
  ReconfigurationOfSecurityParameters: { name: 'ReconfigurationOfSecurityParameters', critical: false },
  MemoryExhaustion: { name: 'MemoryExhaustion', critical: true },
  InvalidMessages: { name: 'InvalidMessages', critical: false },
  AttemptedReplayAttacks: { name: 'AttemptedReplayAttacks', critical: false },
  TamperDetectionActivated: { name: 'TamperDetectionActivated', critical: true },
  InvalidFirmwareSignature: { name: 'InvalidFirmwareSignature', critical: false },
  InvalidFirmwareSigningCertificate: { name: 'InvalidFirmwareSigningCertificate', critical: false },
  InvalidCsmsCertificate: { name: 'InvalidCentralSystemCertificate', critical: false },
  InvalidChargingStationCertificate: { name: 'InvalidChargePointCertificate', critical: false },
  InvalidTLSVersion: { name: 'InvalidTLSVersion', critical: false },
  InvalidTLSCipherSuite: { name: 'InvalidTLSCipherSuite', critical: false },
  MaintenanceLoginAccepted: undefined,
  MaintenanceLoginFailed: undefined,
};

/** An OCPP version's names for the events and which of them are critical. */
export interface SecurityEventCatalogue {
  /** The event's name in this version; undefined for one the version does not have. */
  nameOf(type: SecurityEventType): string | undefined;
  critical(type: SecurityEventType): boolean;
}

export const SECURITY_EVENT_CATALOGUES: Readonly<Record<'2.0.1' | '1.6', SecurityEventCatalogue>> = {
  '2.0.1': { nameOf: (type) => type, critical: (type) => SECURITY_EVENTS[type] },
  '1.6': { nameOf: (type) => SECURITY_EVENTS_16[type]?.name, critical: (type) => SECURITY_EVENTS_16[type]?.critical ?? false },
};

export interface SecurityEvent {
  type: SecurityEventType;
  techInfo?: string;
}

/** A security event as it happened: its time already on the CSMS' clock (RFC 3339). */
export interface RecordedSecurityEvent extends SecurityEvent {
  timestamp: string;
}

/** Who can raise a security event: the service, as the parts that observe one see it. */
export interface SecurityEventPort {
  raise(event: SecurityEvent, at?: Date): void;
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
