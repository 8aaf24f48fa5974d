import { Subscription, type Observable } from 'rxjs';
import type { IncomingCallCheck } from '../../ocpp/rpc/rpc-endpoint.js';
import type { ConnectionFailure } from '../../ocpp/transport/connection-failure.js';
import type { Clock } from '../../station/clock.js';
import type { ClockAdjustment } from '../registration/csms-clock.js';
import { ConnectionFailureStreak } from './connection-failure-streak.js';
import { MemoryWatch, type MemorySample } from './memory-watch.js';
import type { SecurityEvent, SecurityEventPort } from './security-event-types.js';
import { InvalidMessageStreak, reconfigurationEvent, securityParameterOf, settingSystemTimeEvent, TIME_ADJUSTMENT_REPORTING_THRESHOLD_S, type SettingChange } from './security-rules.js';

export interface SecurityWatchOptions {
  events: SecurityEventPort;
  /** The agent's clock: the memory checks' timer, the invalid messages' rate limit. */
  clock: Clock;
  /** This start's event (startSecurityEvent): StartupOfTheDevice or ResetOrReboot. */
  startEvent: SecurityEvent;
  /** The connection to the CSMS (OcppClient). */
  connection: {
    connectionFailures$: Observable<ConnectionFailure>;
    connected$: Observable<boolean>;
    incomingCalls$: Observable<IncomingCallCheck>;
  };
  /** The time the station works by (CsmsClock). */
  time: { adjustments$: Observable<ClockAdjustment> };
  /** The version's settings as they change (the device model's variables, the 1.6 configuration keys). */
  settingChanges$: Observable<SettingChange>;
  /** TimeAdjustmentReportingThreshold in seconds; the spec's 20 by default. */
  timeAdjustmentThresholdS?: () => number;
  /** The memory checks' sample (tests); false: no memory checks. */
  memory?: (() => MemorySample) | false;
}

/**
 * Every security event the station observes, in either version, raised where it is seen (the
 * connection, the clock, the settings, the memory), through the version-neutral SecurityEvents:
 * - StartupOfTheDevice / ResetOrReboot at start (A04; sent once the boot is accepted).
 * - InvalidCsmsCertificate, InvalidTLSVersion, FailedToAuthenticationAtCsms per failure streak (A00).
 * - InvalidMessages per streak of invalid CALLs; SettingSystemTime over the threshold;
 *   ReconfigurationOfSecurityParameters; MemoryExhaustion (security-rules.ts, memory-watch.ts).
 * SecurityLogWasCleared is raised by SecurityEvents itself, when its log rotates events out.
 * FirmwareUpdated, InvalidFirmwareSignature, InvalidFirmwareSigningCertificate (raiseFirmwareEvent)
 * and InvalidChargingStationCertificate (raiseInvalidStationCertificate) by the services that see them.
 * Not raised, as this station cannot observe them:
 * - AttemptedReplayAttacks: OCPP-J frames carry no nonce or signature; a repeated message id is
 *   what a CSMS resending after a network problem sends too, which the event excludes, and a
 *   replay into a TLS connection is refused by TLS itself, below anything the agent sees.
 * - CsmsFailedToAuthentication: the station is the WebSocket client; the CSMS presents no
 *   credentials but its TLS certificate, whose rejection is InvalidCsmsCertificate.
 * - TamperDetectionActivated: no tamper sensor input exists (config safety inputs are the
 *   emergency stop and the RCD only).
 * - InvalidTLSCipherSuite: Node's TLS error does not tell a cipher mismatch from other handshake failures.
 * Unsubscribing stops them all.
 */
export function watchSecurity(options: SecurityWatchOptions): Subscription {
  const { events, connection } = options;
  const watch = new Subscription();
  events.raise(options.startEvent);
  const failures = new ConnectionFailureStreak((event, at) => events.raise(event, at));
  const invalid = new InvalidMessageStreak(events, options.clock);
  watch.add(connection.connectionFailures$.subscribe((failure) => failures.failed(failure)));
  watch.add(
    connection.connected$.subscribe((connected) => {
      if (!connected) return;
      failures.connected();
      invalid.ended();
    }),
  );
  watch.add(connection.incomingCalls$.subscribe((check) => invalid.checked(check)));
  const thresholdS = options.timeAdjustmentThresholdS ?? (() => TIME_ADJUSTMENT_REPORTING_THRESHOLD_S);
  watch.add(
    options.time.adjustments$.subscribe((adjustment) => {
      const event = settingSystemTimeEvent(adjustment, thresholdS());
      if (event) events.raise(event, adjustment.at);
    }),
  );
  watch.add(
    options.settingChanges$.subscribe((change) => {
      const parameter = securityParameterOf(change);
      if (parameter) events.raise(reconfigurationEvent(parameter));
    }),
  );
  if (options.memory !== false) {
    const memory = new MemoryWatch({ events, clock: options.clock, sample: options.memory });
    memory.start();
    watch.add(() => memory.stop());
  }
  return watch;
}
