import type { BootReasonEnumType } from 'ocpp-messages/v2.0/BootNotificationRequest.js';
import type { Observable, Subscription } from 'rxjs';
import type { StationConfig } from '../../config/station-config.js';
import type { MeterReading } from '../../station/meter-reading.js';
import type { Logger } from '../../process/logger.js';
import type { StationEvent } from '../../station/events.js';
import type { TransactionJournal } from '../../store/transaction-journal.js';
import type { SecurityLog } from '../../store/security-log.js';
import type { AuthorizationPort, ChargingSettings, StateStore } from '../../station/ports.js';
import type { Station } from '../../station/station.js';
import type { SmartCharging } from '../../services/smart-charging/smart-charging.js';
import { deviceModelChargingSettings } from '../../services/device-configuration/v201-settings.js';
import { CsmsClock } from '../../services/registration/csms-clock.js';
import { Registration } from '../../services/registration/registration.js';
import { CoreStatuses, type CoreConnectorStatus } from '../../services/availability/core-statuses.js';
import { StatusReports } from '../../services/availability/status-reports.js';
import { ReservationUpdates } from '../../services/reservations/reservation-updates.js';
import type { TransactionMessageQueue } from '../../services/transactions/transaction-queue.js';
import { systemClock, waitAtMost, type Clock } from '../../station/clock.js';
import type { OcppClient } from '../ocpp-client.js';
import type { ProtocolAdapter } from '../protocol-adapter.js';
import { RpcError } from '../rpc/rpc-errors.js';
import type { LocalAuthorizer } from '../../services/authorization/index.js';
import { csmsAuthorizer } from './actions/authorize.js';
import type { SessionHistory } from '../../services/session-history/index.js';
import { followLogStatuses, logStatusNotificationRequest } from './actions/log-status.js';
import type { LogRequests } from '../../services/diagnostics/log-requests.js';
import { bootNotificationRequest } from './actions/boot-notification.js';
import type { MonitorStore, VariableMonitoring } from '../../services/monitoring/index.js';
import type { NetworkProfiles } from '../../services/network-profiles/index.js';
import type { CertificateService } from '../../services/certificates/index.js';
import type { CertificateRenewal } from '../../services/certificates/certificate-renewal.js';
import type { FirmwareUpdates } from '../../services/firmware/index.js';
import { firmwareStatusNotificationRequest, followFirmwareStatuses } from './actions/firmware-status.js';
import { renewalPort201 } from './actions/certificate-signing.js';
import { StationEvents201 } from './station-events.js';
import type { ExternalLimitEvent } from '../../services/local-limits/local-limits.js';
import { externalLimitMessage } from './actions/notify-charging-limit.js';
import { encodeSecurityEvent } from './actions/security-event-notification.js';
import { SecurityEvents } from '../../services/security-events/index.js';
import { reservationStatusUpdateRequest } from './actions/reservation-status-update.js';
import { statusNotificationRequest } from './actions/status-notification.js';
import type { SignedReadings } from '../../services/transactions/signed-readings.js';
import { TransactionMessages201 } from './transaction-messages.js';
import type { TriggerTargets } from './actions/trigger-message.js';
import { v201Handlers } from './v201-handlers.js';
import type { DataTransferHandler, V201Context } from './context.js';
import type { DeviceModel } from './device-model/device-model.js';

export interface V201AdapterOptions {
  config: StationConfig;
  station: Station;
  client: OcppClient;
  deviceModel: DeviceModel;
  log: Logger;
  firmwareVersion: string;
  /** Asked when the first BootNotification is built (the agent works it out once it has started). */
  bootReason: () => BootReasonEnumType;
  latestReading(evseId: number): MeterReading | undefined;
  restart(reason: 'RemoteReset' | 'ScheduledReset'): void;
  /** Where transaction messages wait, on disk; without it, in memory only. */
  journal?: TransactionJournal;
  /** storage.maxQueuedMessages. */
  maxQueuedMessages?: number;
  /** The Authorization Cache and Local Authorization List (C10-C15, D01, D02); without it their actions are not supported. */
  localAuthorizer?: LocalAuthorizer;
  /** Where critical security events wait for the CSMS, on disk (A04.FR.02); without it, in memory only. */
  securityJournal?: TransactionJournal;
  /** The local security log (A04.FR.04). */
  securityLog?: SecurityLog;
  /** Where small state is kept (ReservationStatusUpdates waiting for the CSMS); without it, in memory only. */
  store?: StateStore;
  /** The station's clock (timers, timestamps); the system's by default. */
  clock?: Clock;
  /** Charging profiles and the composite schedule (block K). */
  smartCharging: SmartCharging;
  /** Limits from outside the CSMS on the station (the grid meter's EMS, the grid operator's SO): K12-K14. */
  externalLimits$?: Observable<ExternalLimitEvent>;
  /** The ended sessions, which CustomerInformation reports and clears (N09/N10); without it, none are held. */
  sessionHistory?: SessionHistory;
  /** N01 log uploads (GetLog, LogStatusNotification); without it GetLog is not supported. */
  logRequests?: LogRequests;
  /** Where the variable monitors (N02-N08) are kept, and where their events wait while offline; without them, in memory only. */
  monitoring?: { store?: MonitorStore; journal?: TransactionJournal };
  /** The network connection profiles (B09 SetNetworkProfile); without them SetNetworkProfile is not supported. */
  network?: NetworkProfiles;
  /** The certificate store (M03-M05); without it those actions are not supported. */
  certificates?: CertificateService;
  /** A02/A03: the renewal of the station certificate; without it TriggerMessage SignChargingStationCertificate is NotImplemented. */
  certificateRenewal?: CertificateRenewal;
  /** L01/L02 firmware updates (UpdateFirmware, FirmwareStatusNotification); without it UpdateFirmware is not supported. */
  firmware?: FirmwareUpdates;
  /** Issue 17: the OCMF documents of the transactions' readings; without it nothing is signed. */
  signedReadings?: SignedReadings;
}

/**
 * OCPP 2.0.1 for the charging core: maps the core's events to messages (boot, status,
 * transactions, meter values, heartbeat) and the CSMS' calls to core commands, one small file per
 * action under actions/. Nothing outside this folder knows that the station speaks 2.0.1.
 */
export class V201Adapter implements ProtocolAdapter {
  readonly clock: CsmsClock;
  readonly registration: Registration;
  /** Transactions and metering (TransactionEvent, MeterValues). */
  readonly transactionMessages: TransactionMessages201;
  readonly dataTransferHandlers = new Map<string, DataTransferHandler>();
  private readonly ctx: V201Context;
  private readonly subscriptions: Subscription[] = [];
  /** Each connector's latest status from the core ("evse.connector"), and what the CSMS heard of it. */
  private readonly known = new CoreStatuses();
  private readonly statuses: StatusReports<CoreConnectorStatus>;
  private readonly reservationUpdates: ReservationUpdates;
  readonly securityEvents: SecurityEvents;
  /** The variable monitors and the fault monitors' events (NotifyEvent), waiting for the CSMS as OfflineQueuingSeverity says. */
  readonly events: StationEvents201;

  constructor(private readonly options: V201AdapterOptions) {
    const { client, log, deviceModel } = options;
    this.clock = new CsmsClock(options.clock ?? systemClock);
    this.registration = new Registration({
      client,
      clock: this.clock,
      log,
      after: () => options.journal?.messagesOnDisk(),
      // B01.FR.09: a boot the CSMS triggered says so; the retries at its interval keep the boot's own reason.
      bootRequest: (triggered) => bootNotificationRequest(options.config, options.firmwareVersion, triggered ? 'Triggered' : options.bootReason()),
      heartbeatIntervalS: () => deviceModel.getInt('OCPPCommCtrlr', 'HeartbeatInterval'),
      setHeartbeatIntervalS: async (s) => void (await deviceModel.set('OCPPCommCtrlr', 'HeartbeatInterval', String(s))), // B01.FR.04
      csmsIsTimeSource: () => deviceModel.getList('ClockCtrlr', 'TimeSource').includes('Heartbeat'), // B01.FR.06
      onAccepted: async () => {
        await this.reportStatuses({}); // B01.FR.05
        await this.reservationUpdates.flush();
      },
      // B04: statuses as they are now, the changed ones after a short outage, all after a long one.
      onReconnected: (offlineS) => {
        void this.reportStatuses({ onlyChanged: offlineS <= deviceModel.getInt('OCPPCommCtrlr', 'OfflineThreshold') }).then(() => this.reservationUpdates.flush());
      },
      onClockChanged: () => this.transactionMessages.samplers.schedule(),
    });
    // H04.FR.01: a reservation that expired during an outage must not stay reserved at the CSMS for ever, even if the agent restarts before.
    this.reservationUpdates = new ReservationUpdates({ log, store: options.store, send: (u) => this.registration.send('ReservationStatusUpdate', reservationStatusUpdateRequest(u)) });
    // Status is state, not history: only the latest is sent, now or after the next (re)connection.
    this.statuses = new StatusReports<CoreConnectorStatus>({
      clock: this.clock.local,
      log,
      keys: () => this.known.keys(),
      current: (key) => this.known.get(key),
      identity: (s) => s.status,
      // A triggered message gives current information (F06.FR.09): the time is now.
      send: (_key, s, triggered) => this.registration.send('StatusNotification', statusNotificationRequest(s.evseId, s.connectorId, s.status, this.clock.iso(triggered ? this.clock.local.now() : s.at)), triggered),
      online: () => this.registration.online,
      minimumDurationS: () => 0,
      isQuiet: (_key, s) => this.onlyBlockedBySibling(s.evseId, s.connectorId, s.status),
      onFailure: 'restore',
    });
    this.securityEvents = new SecurityEvents({
      send: (action, payload) => this.registration.sendNow(action, payload),
      encode: encodeSecurityEvent,
      ready$: this.registration.ready$,
      store: options.securityJournal,
      securityLog: options.securityLog,
      clock: this.clock.local,
      attempts: () => deviceModel.getInt('OCPPCommCtrlr', 'MessageAttempts', { instance: 'TransactionEvent' }),
      retryIntervalS: () => deviceModel.getInt('OCPPCommCtrlr', 'MessageAttemptInterval', { instance: 'TransactionEvent' }),
      timestamp: (at) => this.clock.iso(at),
      log,
    });
    this.ctx = {
      config: options.config,
      station: options.station,
      client,
      deviceModel: options.deviceModel,
      clock: this.clock,
      log,
      bootState: () => this.registration.state,
      send: (action, payload, opts) => this.registration.send(action, payload, opts?.triggered ?? false),
      latestReading: options.latestReading,
      restart: options.restart,
      dataTransferHandlers: this.dataTransferHandlers,
      smartCharging: options.smartCharging,
    };
    this.transactionMessages = new TransactionMessages201({
      clock: this.clock,
      log,
      station: options.station,
      deviceModel,
      registration: this.registration,
      latestReading: options.latestReading,
      journal: options.journal,
      maxQueuedMessages: options.maxQueuedMessages,
      localAuthorizer: options.localAuthorizer,
      signedReadings: options.signedReadings,
    });
    this.events = new StationEvents201({
      config: options.config,
      deviceModel,
      clock: this.clock,
      registration: this.registration,
      log,
      store: options.monitoring?.store,
      journal: options.monitoring?.journal,
      runningOn: (evseId) => this.transactionMessages.runningOn(evseId),
    });
    options.certificateRenewal?.attach(renewalPort201((action, payload, triggered) => this.registration.send(action, payload, triggered), (event) => this.securityEvents.raise(event)));
    this.registerHandlers();
  }

  /** The variable monitors (N02-N08). */
  get monitoring(): VariableMonitoring {
    return this.events.monitoring;
  }

  get queue(): TransactionMessageQueue {
    return this.transactionMessages.transactions.queue;
  }

  get bootState$(): Registration['bootState$'] {
    return this.registration.bootState$;
  }

  /** C01: how the core asks the CSMS about an id token. */
  get authorizer(): AuthorizationPort {
    return csmsAuthorizer(this.ctx);
  }

  /** The charging rules, as the device configuration reads them from the device model. */
  chargingSettings(): ChargingSettings {
    return deviceModelChargingSettings(this.options.deviceModel, this.options.config.charging);
  }

  // ---- incoming calls ----

  private registerHandlers(): void {
    const ctx = this.ctx;
    const handlers = v201Handlers(ctx, {
      triggerTargets: this.triggerTargets(),
      waiting: (id) => this.transactionMessages.transactions.waiting(id),
      localAuthorizer: this.options.localAuthorizer,
      sessionHistory: this.options.sessionHistory,
      logRequests: this.options.logRequests,
      monitoring: this.monitoring,
      network: this.options.network && { profiles: this.options.network, raise: (event) => this.securityEvents.raise(event) },
      certificates: this.options.certificates,
      certificateRenewal: this.options.certificateRenewal,
      firmware: this.options.firmware,
    });
    for (const [action, handler] of Object.entries(handlers)) {
      this.options.client.handle(action, (payload, callCtx) => {
        // B03.FR.08: a rejected station answers the CSMS with nothing but SecurityError.
        if (this.registration.state === 'Rejected') throw new RpcError('SecurityError', 'the CSMS rejected this station at boot');
        return handler(payload, callCtx);
      });
    }
  }

  private triggerTargets(): TriggerTargets {
    const renewal = this.options.certificateRenewal;
    return {
      bootNotification: async () => this.registration.boot(true),
      heartbeat: async () => this.registration.heartbeat(true),
      statusNotification: async (evseId, connectorId) => this.reportStatuses({ evseId, connectorId, triggered: true }),
      meterValues: async (evseId) => this.transactionMessages.sendMeterValues(evseId),
      transactionEvent: async (evseId) => this.transactionMessages.triggered(evseId),
      logStatusNotification: async () => {
        // F06.FR.09 / N01.FR.13: Uploading with the requestId while an upload runs, else Idle.
        const report = this.options.logRequests?.triggered() ?? { status: 'Idle' as const };
        await this.registration.send('LogStatusNotification', logStatusNotificationRequest(report), true);
      },
      firmwareStatusNotification: async () => {
        // L01.FR.25/26: the last status sent, Idle after Installed or when there was none.
        const report = this.options.firmware?.triggered() ?? { status: 'Idle' as const };
        await this.registration.send('FirmwareStatusNotification', firmwareStatusNotificationRequest(report), true);
      },
      signChargingStationCertificate: renewal && (() => renewal.triggered()),
    };
  }

  // ---- lifecycle ----

  start(): void {
    const { client, station, deviceModel } = this.options;
    this.subscriptions.push(station.events$.subscribe((e) => this.onStationEvent(e)), this.reservationUpdates.follow(station.events$));
    this.registration.start();
    this.events.start();
    this.subscriptions.push(
      deviceModel.changes$.subscribe((change) => {
        if (change.component === 'OCPPCommCtrlr' && change.variable === 'HeartbeatInterval') this.registration.scheduleHeartbeat();
        if (change.component === 'AlignedDataCtrlr') this.transactionMessages.samplers.schedule();
        if (change.component === 'SampledDataCtrlr') this.transactionMessages.restartSamplers();
        if (change.component === 'SecurityCtrlr' && change.variable === 'BasicAuthPassword' && change.secret) {
          // A new password takes effect on a new connection, made at once: once the
          // SetVariables answer (still being sent) is out, so the CSMS hears Accepted.
          const password = change.secret;
          setImmediate(() => client.reconnect({ password }));
        }
      }),
    );
    // Aligned schedules; transactions found running at start go on collecting their samples.
    this.transactionMessages.start();
    // A03.FR.02: renewed a month before it expires, checked daily and on each accepted connection.
    this.options.certificateRenewal?.start(this.registration.ready$);
    const firmware = this.options.firmware;
    if (firmware) this.subscriptions.push(followFirmwareStatuses(firmware, this.registration.ready$, (payload) => this.registration.send('FirmwareStatusNotification', payload)));
    const logs = this.options.logRequests;
    if (logs) this.subscriptions.push(followLogStatuses(logs, (payload) => this.registration.send('LogStatusNotification', payload), this.options.log));
    if (this.options.externalLimits$) this.subscriptions.push(this.options.externalLimits$.subscribe((e) => this.reportExternalLimit(e)));
    // The security events this station observes (start, connection, clock, settings): the agent's watchSecurity.
  }

  /** K12-K14: an external limit on the station came, changed or went. */
  private reportExternalLimit(e: ExternalLimitEvent): void {
    const withSchedule = this.options.deviceModel.getBool('SmartChargingCtrlr', 'NotifyChargingLimitWithSchedules');
    const { action, payload } = externalLimitMessage(e, { withSchedule, now: this.clock.iso(this.clock.local.now()) });
    this.registration.send(action, payload, false).catch((err: unknown) => this.options.log.warning(`${action} (${e.source}) not delivered: ${(err as Error).message}`));
  }

  /**
   * Waits (at most timeoutMs) for queued transaction messages to be answered, before a restart or
   * stop; and for a reservation update or fault event already on its way, whose answer would
   * otherwise be lost and the message sent again after the restart.
   */
  async drain(timeoutMs: number): Promise<void> {
    if (!this.options.client.isConnected) return;
    const inFlight = Promise.all([this.reservationUpdates.idle(), this.events.notifications.idle()]);
    await Promise.all([this.queue.idle(timeoutMs), waitAtMost(this.clock.local, inFlight, timeoutMs)]);
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    this.statuses.stop();
    this.events.stop();
    this.transactionMessages.stop();
    this.securityEvents.stop();
    this.options.certificateRenewal?.stop();
    this.registration.stop();
  }

  // ---- statuses ----

  private onStationEvent(e: StationEvent): void {
    switch (e.type) {
      case 'ConnectorStatusChanged': {
        const key = this.known.update(e);
        if (this.registration.online) void this.statuses.report({ keys: [key], onlyChanged: true });
        return;
      }
      case 'FaultChanged':
      case 'DeviceProblemChanged':
        this.events.reportChange(e);
        return;
      case 'ReservationEnded':
        return; // the reservations service follows these itself
      default:
        this.transactionMessages.onTransactionEvent(e);
    }
  }

  /** Sends StatusNotifications for the selected connectors (all, an EVSE's, one); false when none matched. */
  private reportStatuses(options: { evseId?: number | undefined; connectorId?: number | undefined; onlyChanged?: boolean; triggered?: boolean }): Promise<boolean> {
    return this.statuses.report({ keys: this.known.select(options.evseId, options.connectorId), onlyChanged: options.onlyChanged, triggered: options.triggered });
  }

  /** G01.FR.08: a connector unusable only because another connector of its EVSE is in use; its change is not reported. */
  private onlyBlockedBySibling(evseId: number, connectorId: number, status: string): boolean {
    const inputs = this.options.station.evse(evseId)?.connectors.find((c) => c.connectorId === connectorId)?.inputs;
    return status === 'Unavailable' && inputs !== undefined && inputs.siblingInUse && inputs.operative;
  }
}
