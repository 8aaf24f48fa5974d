import type { IncomingCallCheck } from '../../ocpp/rpc/rpc-endpoint.js';
import type { Clock } from '../../station/clock.js';
import type { ClockAdjustment } from '../registration/csms-clock.js';
import type { SecurityEvent, SecurityEventPort } from './security-event-types.js';

/**
 * The rules that turn what the station observes into security events (Part 2 appendices,
 * Security Events; the 1.6 whitepaper's list), each small and on an injected clock.
 */

/**
 * SettingSystemTime: "The system time on the Charging Station was changed more than
 * ClockCtrlr.TimeAdjustmentReportingThreshold seconds". The agent does not set the machine's
 * clock (NTP does); the time it works by is the CSMS' (CsmsClock), so a sync that moves that time by
 * more than the threshold is the setting of its time. Undefined under the threshold.
 */
export function settingSystemTimeEvent(adjustment: ClockAdjustment, thresholdS: number): SecurityEvent | undefined {
  const movedMs = adjustment.toOffsetMs - adjustment.fromOffsetMs;
  if (Math.abs(movedMs) <= thresholdS * 1000) return undefined;
  const direction = movedMs > 0 ? 'forwards' : 'backwards';
  return { type: 'SettingSystemTime', techInfo: `the CSMS' time moved the station's clock ${direction} by ${(Math.abs(movedMs) / 1000).toFixed(1)} s` };
}

/** The spec's "reasonable value" for TimeAdjustmentReportingThreshold (Part 2 ClockCtrlr), used by both versions. */
export const TIME_ADJUSTMENT_REPORTING_THRESHOLD_S = 20;

/** ReconfigurationOfSecurityParameters, with what changed as techInfo; for a part that changes one itself (network profiles). */
export function reconfigurationEvent(what: string): SecurityEvent {
  return { type: 'ReconfigurationOfSecurityParameters', techInfo: `${what} changed` };
}

/** A change of a 2.0.1 variable or a 1.6 configuration key, as their change streams tell it. */
export type SettingChange = { component: string; variable: string } | { key: string };

/**
 * "Security parameters, such as keys or the security profile used": 2.0.1 every SecurityCtrlr
 * variable (BasicAuthPassword, SecurityProfile, OrganizationName, ...) and which connection
 * profiles are used (OCPPCommCtrlr.NetworkConfigurationPriority); the 1.6 whitepaper's
 * configuration keys (7. Configuration Keys).
 */
const SECURITY_KEYS_16 = new Set(['AuthorizationKey', 'SecurityProfile', 'CpoName', 'AdditionalRootCertificateCheck', 'CertificateSignedMaxChainSize', 'CertificateStoreMaxLength']);

/** The name of the security parameter a change touched; undefined when it touched none. */
export function securityParameterOf(change: SettingChange): string | undefined {
  if ('key' in change) return SECURITY_KEYS_16.has(change.key) ? change.key : undefined;
  if (change.component === 'SecurityCtrlr') return `SecurityCtrlr.${change.variable}`;
  if (change.component === 'OCPPCommCtrlr' && change.variable === 'NetworkConfigurationPriority') return 'OCPPCommCtrlr.NetworkConfigurationPriority';
  return undefined;
}

/**
 * InvalidMessages: "The Charging Station has received messages that are not valid OCPP messages".
 * Each one is answered with its CALLERROR (the RPC layer) and logged there; the event is raised
 * once per streak of them (a valid CALL or a new connection ends it), and not more often than
 * once per `minIntervalMs`, so that a CSMS sending garbage cannot fill the security log.
 */
export class InvalidMessageStreak {
  private inStreak = false;
  private streakLength = 0;
  private lastRaisedMs: number | undefined;

  constructor(
    private readonly events: SecurityEventPort,
    private readonly clock: Pick<Clock, 'nowMs' | 'now'>,
    private readonly minIntervalMs = 60_000,
  ) {}

  checked(check: IncomingCallCheck): void {
    if (check.valid) {
      this.ended();
      return;
    }
    this.streakLength += 1;
    if (this.inStreak) return;
    this.inStreak = true;
    const now = this.clock.nowMs();
    if (this.lastRaisedMs !== undefined && now - this.lastRaisedMs < this.minIntervalMs) return;
    this.lastRaisedMs = now;
    const what = check.action === undefined ? 'a frame' : `${check.action}`;
    this.events.raise({ type: 'InvalidMessages', techInfo: `${what} (message id ${check.messageId}) answered ${check.code}: ${check.description}` });
  }

  /** The streak is over (a valid CALL, a new connection). */
  ended(): void {
    this.inStreak = false;
    this.streakLength = 0;
  }

  /** Invalid messages in the current streak. */
  get length(): number {
    return this.streakLength;
  }
}

/** The firmware's security events (L01/L02, the 1.6 whitepaper's signed firmware update), raised by the firmware update service. */
export type FirmwareSecurityEventType = 'FirmwareUpdated' | 'InvalidFirmwareSignature' | 'InvalidFirmwareSigningCertificate';

/** For the firmware update service: the event of a firmware installed (FirmwareUpdated) or refused for its signature or signing certificate. */
export function raiseFirmwareEvent(events: SecurityEventPort, type: FirmwareSecurityEventType, techInfo?: string): void {
  events.raise(techInfo === undefined ? { type } : { type, techInfo });
}

/** For certificate management (A02/A03): InvalidChargingStationCertificate, a CertificateSigned chain refused. */
export function raiseInvalidStationCertificate(events: SecurityEventPort, techInfo?: string): void {
  events.raise(techInfo === undefined ? { type: 'InvalidChargingStationCertificate' } : { type: 'InvalidChargingStationCertificate', techInfo });
}
