import { merge, type Subscription } from 'rxjs';
import type { StationConfig } from '../../config/station-config.js';
import type { MeterReading } from '../../station/meter-reading.js';
import type { Logger } from '../../process/logger.js';
import type { StationEvent } from '../../station/events.js';
import type { LocalAuthorizer } from '../../services/authorization/index.js';
import type { AuthorizationPort, ChargingSettings, StateStore } from '../../station/ports.js';
import type { Station } from '../../station/station.js';
import type { TransactionJournal } from '../../store/transaction-journal.js';
import type { SecurityLog } from '../../store/security-log.js';
import type { CertificateService } from '../../services/certificates/index.js';
import type { CertificateRenewal } from '../../services/certificates/certificate-renewal.js';
import { renewalPort16 } from './actions/certificate-signing.js';
import type { FirmwareUpdates } from '../../services/firmware/index.js';
import { followFirmwareStatuses16, triggeredFirmwareStatus16 } from './actions/firmware-status.js';
import { SECURITY_EVENT_CATALOGUES, SecurityEvents } from '../../services/security-events/index.js';
import { encodeSecurityEvent16 } from './actions/security-event-notification.js';
import { keysChargingSettings, v16SmartChargingRules } from '../../services/device-configuration/v16-settings.js';
import type { SmartCharging } from '../../services/smart-charging/smart-charging.js';
import { CsmsClock } from '../../services/registration/csms-clock.js';
import { Registration } from '../../services/registration/registration.js';
import { StatusReports } from '../../services/availability/status-reports.js';
import type { TransactionMessageQueue } from '../../services/transactions/transaction-queue.js';
import { systemClock, type Clock } from '../../station/clock.js';
import type { OcppClient } from '../ocpp-client.js';
import type { ProtocolAdapter, ProtocolConnectorView } from '../protocol-adapter.js';
import { NoAnswer } from '../rpc/rpc-errors.js';
import { csmsAuthorizer16 } from './actions/authorize.js';
import { bootNotificationRequest16 } from './actions/boot-notification.js';
import type { NetworkProfiles } from '../../services/network-profiles/index.js';
import { diagnosticsStatusOf, followDiagnosticsStatuses } from './actions/get-diagnostics.js';
import { followLogStatuses16 } from './actions/get-log.js';
import type { LogRequests } from '../../services/diagnostics/log-requests.js';
import { RemoteStartProfiles } from './actions/remote-start-profiles.js';
import { statusNotificationRequest16 } from './actions/status-notification.js';
import { type TriggerTargets16 } from './actions/trigger-message.js';
import type { ConfigurationStore } from './configuration/configuration-store.js';
import { ConnectorNumbering } from './connector-numbering.js';
import { ConnectorStatuses16, type Status16Report } from './connector-status.js';
import type { DataTransferHandler16, V16Context } from './context.js';
import type { SignedReadings } from '../../services/transactions/signed-readings.js';
import { TransactionMessages16 } from './transaction-messages.js';
import { v16Handlers } from './v16-handlers.js';

export interface V16AdapterOptions {
  config: StationConfig;
  station: Station;
  client: OcppClient;
  configuration: ConfigurationStore;
  log: Logger;
  firmwareVersion: string;
  latestReading(evseId: number): MeterReading | undefined;
  restart(reason: 'RemoteReset'): void;
  /** Where the CSMS' transaction ids are kept, across restarts. */
  store: StateStore;
  journal?: TransactionJournal;
  maxQueuedMessages?: number;
  localAuthorizer?: LocalAuthorizer;
  /** The meter's model, for BootNotification. */
  meterType?: string;
  /** The station's clock (timers, timestamps); the system's by default. */
  clock?: Clock;
  /** Charging profiles (3.13), shared with the core that applies their limits. */
  smartCharging: SmartCharging;
  /**
   * GetDiagnostics' uploads (6.19, 4.4) and the security whitepaper's GetLog (N01) with its
   * ExtendedTriggerMessage; without it none of them is supported.
   */
  logRequests?: LogRequests;
  /** Where critical security events wait for the Central System, on disk (A04.FR.02); without it, in memory only. */
  securityJournal?: TransactionJournal;
  /** The local security log (A04.FR.04). */
  securityLog?: SecurityLog;
  /** The certificate store (whitepaper M03-M05); without it those actions are not supported. */
  certificates?: CertificateService;
  /** Whitepaper A02/A03: the renewal of the Charge Point certificate; without it SignChargePointCertificate is NotImplemented. */
  certificateRenewal?: CertificateRenewal;
  /** UpdateFirmware (with config firmware.allowUnsigned) and the whitepaper's SignedUpdateFirmware; without it neither is supported. */
  firmware?: FirmwareUpdates;
  /** The connection's profiles: ChangeConfiguration SecurityProfile raises it (whitepaper A05); without them it is Rejected. */
  network?: NetworkProfiles;
  /** Issue 17: the OCMF documents of the transactions' readings; without it nothing is signed. */
  signedReadings?: SignedReadings;
}

/**
 * OCPP 1.6J for the charging core: the core's events as 1.6 messages (BootNotification,
 * StatusNotification with 1.6's statuses, StartTransaction / MeterValues / StopTransaction through
 * the durable queue), and the Central System's calls as core commands, one file per action.
 * Nothing outside this folder knows that the station speaks 1.6.
 */
export class V16Adapter implements ProtocolAdapter {
  readonly clock: CsmsClock;
  readonly registration: Registration;
  readonly numbering: ConnectorNumbering;
  readonly dataTransferHandlers = new Map<string, DataTransferHandler16>();
  /** Transactions and metering (StartTransaction, MeterValues, StopTransaction). */
  readonly transactionMessages: TransactionMessages16;
  private readonly ctx: V16Context;
  private readonly subscriptions: Subscription[] = [];
  /** Each connector's 1.6 status, and when the Central System hears it (MinimumStatusDuration). */
  private readonly connectorStatuses: ConnectorStatuses16;
  private readonly statuses: StatusReports<Status16Report>;
  /** TxProfiles given with RemoteStartTransaction, waiting for their transaction (5.16.2). */
  private readonly remoteStartProfiles: RemoteStartProfiles;
  private resetType: 'Hard' | 'Soft' | undefined;
  /** Security whitepaper 2.5 / A04: the security log, and SecurityEventNotification of the critical events. */
  readonly securityEvents: SecurityEvents;

  constructor(private readonly options: V16AdapterOptions) {
    const { client, log, configuration } = options;
    this.clock = new CsmsClock(options.clock ?? systemClock);
    this.numbering = new ConnectorNumbering(options.config.evses);
    this.registration = new Registration({
      client,
      clock: this.clock,
      log,
      after: () => options.journal?.messagesOnDisk(),
      bootRequest: () => bootNotificationRequest16(options.config, options.firmwareVersion, options.meterType),
      heartbeatIntervalS: () => configuration.getInt('HeartbeatInterval'),
      setHeartbeatIntervalS: async (s) => void (await configuration.set('HeartbeatInterval', String(s))),
      // 1.6 4.2: the Charge Point adopts the Central System's time.
      csmsIsTimeSource: () => true,
      onAccepted: async () => void (await this.statuses.report({})),
      onReconnected: () => void this.statuses.report({ onlyChanged: true }),
      onClockChanged: () => this.transactionMessages.sampling.schedule(),
    });
    this.transactionMessages = new TransactionMessages16({
      clock: this.clock,
      log,
      station: options.station,
      configuration,
      numbering: this.numbering,
      registration: this.registration,
      store: options.store,
      latestReading: options.latestReading,
      journal: options.journal,
      maxQueuedMessages: options.maxQueuedMessages,
      localAuthorizer: options.localAuthorizer,
      resetType: () => this.resetType,
      onStopDelivered: () => this.statuses.queueCheck(),
      signedReadings: options.signedReadings,
    });
    this.connectorStatuses = new ConnectorStatuses16({
      station: options.station,
      numbering: this.numbering,
      transactionOn: (n) => this.transactionMessages.runsOn(n),
      stopUndeliveredOn: (n) => this.transactionMessages.stopUndeliveredOn(n),
    });
    this.statuses = new StatusReports<Status16Report>({
      clock: this.clock.local,
      log,
      keys: () => ['0', ...this.numbering.all.map((c) => String(c.n))],
      current: (key) => this.connectorStatuses.statusOf(Number(key)),
      identity: (r) => `${r.status}/${r.errorCode}`,
      send: (key, r, triggered) => this.registration.send('StatusNotification', statusNotificationRequest16(Number(key), r, this.clock.iso()), triggered),
      online: () => this.registration.online,
      minimumDurationS: () => (configuration.has('MinimumStatusDuration') ? configuration.getInt('MinimumStatusDuration') : 0),
      onFailure: 'forget',
    });
    this.ctx = {
      config: options.config,
      station: options.station,
      configuration,
      numbering: this.numbering,
      clock: this.clock,
      log,
      localAuthorizer: options.localAuthorizer,
      bootState: () => this.registration.state,
      send: (action, payload, opts) => this.registration.send(action, payload, opts?.triggered ?? false),
      latestReading: options.latestReading,
      restart: (type) => {
        this.resetType = type;
        options.restart('RemoteReset');
      },
      localTransactionId: (id) => this.transactionMessages.localTransactionId(id),
      dataTransferHandlers: this.dataTransferHandlers,
      smartCharging: options.smartCharging,
      smartChargingRules: () => v16SmartChargingRules(configuration),
    };
    this.remoteStartProfiles = new RemoteStartProfiles(options.smartCharging, log);
    // The whitepaper's names and critical events; sent only once the boot is accepted, retried as transaction messages are.
    this.securityEvents = new SecurityEvents({
      send: (action, payload) => this.registration.sendNow(action, payload),
      encode: encodeSecurityEvent16,
      catalogue: SECURITY_EVENT_CATALOGUES['1.6'],
      ready$: this.registration.ready$,
      store: options.securityJournal,
      securityLog: options.securityLog,
      clock: this.clock.local,
      attempts: () => configuration.getInt('TransactionMessageAttempts'),
      retryIntervalS: () => configuration.getInt('TransactionMessageRetryInterval'),
      timestamp: (at) => this.clock.iso(at),
      log,
    });
    options.certificateRenewal?.attach(renewalPort16((action, payload, triggered) => this.registration.send(action, payload, triggered), (event) => this.securityEvents.raise(event)));
    this.registerHandlers();
  }

  get queue(): TransactionMessageQueue {
    return this.transactionMessages.transactions.queue;
  }

  get bootState$(): Registration['bootState$'] {
    return this.registration.bootState$;
  }

  /** 4.1 Authorize, for the core. */
  get authorizer(): AuthorizationPort {
    return csmsAuthorizer16(this.ctx);
  }

  /** 1.6's transaction rules in the core's terms, as the device configuration maps the keys. */
  chargingSettings(): ChargingSettings {
    return keysChargingSettings(this.options.configuration, this.options.config.charging);
  }

  // ---- incoming calls ----

  private registerHandlers(): void {
    const ctx = this.ctx;
    const handlers = v16Handlers(ctx, {
      triggerTargets: this.triggerTargets(),
      remoteStartProfiles: this.remoteStartProfiles,
      sendTriggered: (action, payload) => this.registration.send(action, payload, true),
      network: this.options.network && {
        profiles: this.options.network,
        raise: (event) => this.securityEvents.raise(event),
        reconnect: () => this.options.client.reconnect(),
      },
      certificateRenewal: this.options.certificateRenewal,
      certificates: this.options.certificates,
      firmware: this.options.firmware,
      logRequests: this.options.logRequests,
    });
    for (const [action, handler] of Object.entries(handlers)) {
      this.options.client.handle(action, (payload, callCtx) => {
        // 4.2: "While Rejected, the Charge Point SHALL NOT respond to any Central System initiated
        // message": nothing is carried out and nothing answered (2.0.1 B03.FR.08 answers SecurityError).
        if (this.registration.state === 'Rejected') throw new NoAnswer(`${action} while rejected at boot`);
        if (action === 'Reset') this.resetType = (payload as { type?: 'Hard' | 'Soft' }).type;
        return handler(payload, callCtx);
      });
    }
  }

  private triggerTargets(): TriggerTargets16 {
    return {
      bootNotification: () => this.registration.boot(),
      heartbeat: () => this.registration.heartbeat(true),
      statusNotification: async (connectorId) => void (await this.statuses.report({ keys: connectorId === undefined ? undefined : [String(connectorId)], triggered: true })),
      meterValues: async (connectorId) => this.transactionMessages.sendMeterValues(connectorId),
      // 4.4: Idle only when triggered and no upload runs.
      diagnosticsStatusNotification: async () => {
        const status = diagnosticsStatusOf(this.options.logRequests?.triggered() ?? { status: 'Idle' }) ?? 'Idle';
        await this.registration.send('DiagnosticsStatusNotification', { status }, true);
      },
      // 4.5: the nearest 1.6 status to the last one; Idle when no update runs (whitepaper L01.FR.28 for the signed one).
      firmwareStatusNotification: async () => {
        const report = this.options.firmware?.triggered() ?? { status: 'Idle' as const };
        await this.registration.send('FirmwareStatusNotification', triggeredFirmwareStatus16(report), true);
      },
    };
  }

  // ---- lifecycle ----

  start(): void {
    const { station, configuration, client } = this.options;
    this.subscriptions.push(station.events$.subscribe((e) => this.onStationEvent(e)));
    // 1.6 statuses also follow the charging state, which the core reports per connector.
    const views = station.evses.flatMap((e) => e.connectors.map((c) => c.view$));
    // So do authorizations: a tag (or RemoteStartTransaction) before the vehicle changes no
    // connector, yet makes it Preparing (4.9), and ConnectionTimeOut makes it Available again.
    const authorizations = station.evses.map((e) => e.authorization$);
    this.subscriptions.push(merge(...views, ...authorizations).subscribe(() => this.statuses.queueCheck()));
    this.registration.start();
    this.subscriptions.push(
      configuration.changes$.subscribe((change) => {
        if (change.key === 'HeartbeatInterval') this.registration.scheduleHeartbeat();
        if (change.key === 'ClockAlignedDataInterval') this.transactionMessages.sampling.schedule();
        if (change.key === 'MeterValueSampleInterval') this.transactionMessages.restartSamplers();
        // Security whitepaper: a new AuthorizationKey takes effect on a new connection, made at
        // once, after the ChangeConfiguration answer (still being sent) is out.
        if (change.key === 'AuthorizationKey' && change.secret) {
          const password = change.secret;
          setImmediate(() => client.reconnect({ password }));
        }
      }),
    );
    this.transactionMessages.start();
    // A03.FR.02: renewed a month before it expires, checked daily and on each accepted connection.
    this.options.certificateRenewal?.start(this.registration.ready$);
    const firmware = this.options.firmware;
    if (firmware) this.subscriptions.push(followFirmwareStatuses16(firmware, this.registration.ready$, (action, payload) => this.registration.send(action, payload)));
    const logs = this.options.logRequests;
    if (logs) {
      this.subscriptions.push(
        followDiagnosticsStatuses(logs, (payload) => this.registration.send('DiagnosticsStatusNotification', payload), this.options.log),
        followLogStatuses16(logs, (payload) => this.registration.send('LogStatusNotification', payload), this.options.log),
      );
    }
  }

  async drain(timeoutMs: number): Promise<void> {
    if (this.options.client.isConnected) await this.queue.idle(timeoutMs);
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    this.statuses.stop();
    this.transactionMessages.stop();
    this.securityEvents.stop();
    this.options.certificateRenewal?.stop();
    this.registration.stop();
  }

  // ---- for the local API ----

  csmsTransactionId(transactionId: string): number | undefined {
    return this.transactionMessages.csmsTransactionId(transactionId);
  }

  localTransactionId(csmsTransactionId: string): string | undefined {
    if (!/^-?\d+$/.test(csmsTransactionId.trim())) return undefined;
    return this.ctx.localTransactionId(Number(csmsTransactionId));
  }

  /** The 1.6 connector number and status (Preparing, Charging, Finishing, ...) the Central System is told. */
  describeConnector(evseId: number, connectorId: number): ProtocolConnectorView | undefined {
    let n: number;
    try {
      n = this.numbering.toOcpp16(evseId, connectorId);
    } catch {
      return undefined;
    }
    const report = this.connectorStatuses.statusOf(n);
    return { connectorId: n, status: report.status, errorCode: report.errorCode, info: report.info };
  }

  // ---- statuses ----

  private onStationEvent(e: StationEvent): void {
    this.connectorStatuses.observe(e);
    this.remoteStartProfiles.observe(e);
    if (e.type === 'TransactionStarted' || e.type === 'TransactionUpdated' || e.type === 'TransactionEnded') {
      // Issue 17: a StopTransaction waits for the meter's signed documents still being made, at most SignedReadings' bound.
      const signing = e.type === 'TransactionEnded' ? this.options.signedReadings?.whenSigned(e) : undefined;
      if (signing) void signing.then(() => this.onTransactionEvent(e));
      else this.onTransactionEvent(e);
    }
    this.statuses.queueCheck();
  }

  private onTransactionEvent(e: StationEvent & { type: 'TransactionStarted' | 'TransactionUpdated' | 'TransactionEnded' }): void {
    const endedOn = this.transactionMessages.onTransactionEvent(e);
    if (e.type === 'TransactionEnded' && endedOn !== undefined) this.connectorStatuses.transactionEnded(endedOn, e.evseId, e.transaction.connectorId);
    this.statuses.queueCheck();
  }
}
