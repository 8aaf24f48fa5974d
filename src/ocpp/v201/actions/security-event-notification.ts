import type { BootReasonEnumType } from 'ocpp-messages/v2.0/BootNotificationRequest.js';
import type { SecurityEventNotificationRequest } from 'ocpp-messages/v2.0/SecurityEventNotificationRequest.js';
import type { Observable } from 'rxjs';
import type { Logger } from '../../../process/logger.js';
import type { DeviceStart } from '../../../process/device-start.js';
import type { SecurityLog } from '../../../store/security-log.js';
import type { TransactionJournal } from '../../../store/transaction-journal.js';
import { TransactionMessageQueue } from '../../../services/transactions/transaction-queue.js';

/** Part 2 appendices, Security Events: the standardized event types, each with whether it is critical. */
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

/** The schema's limit on techInfo. */
const TECH_INFO_MAX = 255;

export function securityEventNotificationRequest(type: SecurityEventType, timestamp: string, techInfo?: string): SecurityEventNotificationRequest {
  return { type, timestamp, ...(techInfo ? { techInfo: techInfo.slice(0, TECH_INFO_MAX) } : {}) };
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

export interface SecurityEventsOptions {
  send(action: string, payload: object): Promise<unknown>;
  /** Connected and accepted at boot. */
  ready$: Observable<boolean>;
  /** Where critical events wait for the CSMS, on disk; without it, in memory only. */
  store?: TransactionJournal;
  /** The local security log; without it, events are only logged. */
  securityLog?: SecurityLog;
  attempts(): number;
  retryIntervalS(): number;
  /** An instant as the CSMS' clock tells it. */
  timestamp(at: Date): string;
  log: Logger;
}

/**
 * A04: every security event goes into the local security log (A04.FR.04); a critical one is also
 * sent to the CSMS (A04.FR.01) through the same durable queue as transaction messages, on its own
 * journal file: on disk before it is sent, off only when the CSMS answered (A04.FR.03), so it
 * survives an outage and a restart (A04.FR.02), and it goes only once the boot is accepted.
 */
export class SecurityEvents {
  readonly queue: TransactionMessageQueue;

  constructor(private readonly options: SecurityEventsOptions) {
    this.queue = new TransactionMessageQueue({
      send: options.send,
      ...(options.store ? { store: options.store, initial: options.store.pending } : {}),
      ready$: options.ready$,
      attempts: options.attempts,
      retryIntervalS: options.retryIntervalS,
      onAnswer: () => undefined,
      log: options.log,
    });
  }

  raise(event: SecurityEvent, at = new Date()): void {
    const timestamp = this.options.timestamp(at);
    const { type, techInfo } = event;
    this.options.log.notice(`security event ${type}${techInfo ? ` (${techInfo})` : ''}`);
    try {
      this.options.securityLog?.append({ timestamp, type, ...(techInfo !== undefined ? { techInfo } : {}) });
    } catch (err) {
      this.options.log.error(`cannot write the security log: ${(err as Error).message}`);
    }
    if (SECURITY_EVENTS[type]) this.queue.enqueue('SecurityEventNotification', securityEventNotificationRequest(type, timestamp, techInfo), '', 'event');
  }

  stop(): void {
    this.queue.stop();
  }
}
