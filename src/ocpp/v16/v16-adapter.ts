import type { StartTransactionResponse, StopTransactionRequest } from 'ocpp-messages/v1.6/index.js';
import { merge, type Subscription } from 'rxjs';
import type { StationConfig } from '../../config/station-config.js';
import type { MeterReading } from '../../station/meter-reading.js';
import type { Logger } from '../../process/logger.js';
import type { StationEvent, TransactionEvent, TransactionSnapshot } from '../../station/events.js';
import type { LocalAuthorizer } from '../../services/authorization/index.js';
import type { AuthorizationPort, ChargingSettings, StateStore } from '../../station/ports.js';
import type { Station } from '../../station/station.js';
import type { ConnectorStatus, FaultKind } from '../../station/types.js';
import type { MessageKind, StoredMessage, TransactionJournal } from '../../store/transaction-journal.js';
import { AlignedSchedule } from '../../services/transactions/aligned-schedule.js';
import { keysChargingSettings } from '../../services/device-configuration/v16-settings.js';
import { CsmsClock } from '../../services/registration/csms-clock.js';
import { NotAccepted, Registration } from '../../services/registration/registration.js';
import { TransactionMessageQueue, type QueuedMessage } from '../../services/transactions/transaction-queue.js';
import type { OcppClient } from '../ocpp-client.js';
import type { ProtocolAdapter, ProtocolConnectorView } from '../protocol-adapter.js';
import type { CallHandler } from '../rpc/rpc-endpoint.js';
import { NoAnswer, NotConnected } from '../rpc/rpc-errors.js';
import { reviveSnapshot } from '../../station/events.js';
import { authorizationFromIdTagInfo, csmsAuthorizer16 } from './actions/authorize.js';
import { bootNotificationRequest16 } from './actions/boot-notification.js';
import { changeAvailability16 } from './actions/change-availability.js';
import { changeConfiguration, getConfiguration } from './actions/configuration.js';
import { dataTransfer16 } from './actions/data-transfer.js';
import { clearCache16, getLocalListVersion16, sendLocalList16 } from './actions/local-list.js';
import { meterValue16, meterValuesRequest, type MeterValue16, type ReadingContext16 } from './actions/meter-values.js';
import { remoteStartTransaction } from './actions/remote-start-transaction.js';
import { remoteStopTransaction } from './actions/remote-stop-transaction.js';
import { cancelReservation, reserveNow } from './actions/reservations.js';
import { reset16 } from './actions/reset.js';
import { statusNotificationRequest16 } from './actions/status-notification.js';
import { reason16, startTransactionRequest, stopTransactionRequest } from './actions/transactions.js';
import { triggerMessage16, type TriggerTargets16 } from './actions/trigger-message.js';
import { unlockConnector16 } from './actions/unlock-connector.js';
import type { ConfigurationStore } from './configuration/configuration-store.js';
import { ConnectorNumbering } from './connector-numbering.js';
import { status16, type Status16Report } from './connector-status.js';
import { idTokenOf, type DataTransferHandler16, type V16Context } from './context.js';

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
}

interface TxRuntime {
  evseId: number;
  connectorId16: number;
  snapshot: TransactionSnapshot;
  /** StopTxnSampledData / StopTxnAlignedData values for the StopTransaction's transactionData. */
  stopSamples: MeterValue16[];
  periodic?: NodeJS.Timeout;
}

const TRANSACTION_IDS = 'ocpp16-transaction-ids';
/** Transactions whose StopTransaction is not yet answered -> their connector, across restarts. */
const STOPS_UNDELIVERED = 'ocpp16-stops-undelivered';

/**
 * OCPP 1.6J for the charging core: the core's events as 1.6 messages (BootNotification,
 * StatusNotification with 1.6's statuses, StartTransaction / MeterValues / StopTransaction through
 * the durable queue), and the Central System's calls as core commands, one file per action.
 * Nothing outside this folder knows that the station speaks 1.6.
 */
export class V16Adapter implements ProtocolAdapter {
  readonly clock = new CsmsClock();
  readonly registration: Registration;
  readonly queue: TransactionMessageQueue;
  readonly numbering: ConnectorNumbering;
  readonly dataTransferHandlers = new Map<string, DataTransferHandler16>();
  private readonly ctx: V16Context;
  private readonly subscriptions: Subscription[] = [];
  private readonly transactions = new Map<string, TxRuntime>();
  /** Local transaction id -> the Central System's. */
  private readonly csmsIds: Map<string, number>;
  /** 1.6 connectorId -> the status last sent, and the one waiting out MinimumStatusDuration. */
  private readonly reported = new Map<number, string>();
  private readonly pendingStatus = new Map<number, { key: string; timer: NodeJS.Timeout }>();
  /** A status check is queued for when the core has finished its current decision. */
  private statusCheckQueued = false;
  /** Each connector's status as the core last reported it ("EVSE/connector" -> status). */
  private readonly coreStatus = new Map<string, ConnectorStatus>();
  /** Connectors whose transaction ended with the vehicle still plugged in (Finishing). */
  private readonly finishing = new Set<number>();
  /**
   * Transactions whose StopTransaction the Central System has not answered yet, with their
   * connector: Finishing until it has, so that it never sees a free connector with an open
   * transaction (4.9: Finishing after an EV-side disconnect, then Available).
   */
  private readonly stopsUndelivered = new Map<string, number>();
  private readonly stationFaults = new Set<FaultKind>();
  /** 9.1.5 ClockAlignedDataInterval: values at every interval boundary counted from midnight. */
  private readonly aligned = new AlignedSchedule(
    this.clock,
    () => this.options.configuration.getInt('ClockAlignedDataInterval'),
    (boundary) => void this.sendAligned(boundary.toISOString()),
  );
  private resetType: 'Hard' | 'Soft' | undefined;
  private stopped = false;

  constructor(private readonly options: V16AdapterOptions) {
    const { client, log, configuration } = options;
    this.numbering = new ConnectorNumbering(options.config.evses);
    this.csmsIds = new Map(Object.entries(options.store.read<Record<string, number>>(TRANSACTION_IDS) ?? {}));
    this.registration = new Registration({
      client,
      clock: this.clock,
      log,
      bootRequest: () => bootNotificationRequest16(options.config, options.firmwareVersion, options.meterType),
      heartbeatIntervalS: () => configuration.getInt('HeartbeatInterval'),
      setHeartbeatIntervalS: async (s) => void (await configuration.set('HeartbeatInterval', String(s))),
      // 1.6 4.2: the Charge Point adopts the Central System's time.
      csmsIsTimeSource: () => true,
      onAccepted: async () => this.reportStatuses({ all: true }),
      onReconnected: () => void this.reportStatuses({}),
      onClockChanged: () => this.aligned.schedule(),
    });
    const adapter = this;
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
      localTransactionId: (id) => [...this.csmsIds.entries()].find(([, v]) => v === id)?.[0],
      get dataTransferHandlers() {
        return adapter.dataTransferHandlers;
      },
    };
    // Transactions running when the agent last stopped: their connector and samples go on.
    for (const stored of options.journal?.running ?? []) {
      const snapshot = reviveSnapshot(stored.snapshot);
      this.transactions.set(stored.id, {
        evseId: snapshot.evseId,
        connectorId16: Number(stored.adapter['connectorId16'] ?? 1),
        snapshot,
        stopSamples: [],
      });
    }
    this.queue = new TransactionMessageQueue({
      send: (action, payload) => this.registration.sendNow(action, payload),
      prepare: (message) => this.withCsmsTransactionId(message),
      ...(options.journal ? { store: options.journal, initial: this.stillToSend(options.journal) } : {}),
      ...(options.maxQueuedMessages !== undefined ? { maxMessages: () => options.maxQueuedMessages! } : {}),
      ready$: this.registration.ready$,
      attempts: () => configuration.getInt('TransactionMessageAttempts'),
      retryIntervalS: () => configuration.getInt('TransactionMessageRetryInterval'),
      onAnswer: (message, answer) => this.onAnswer(message, answer),
      onDiscarded: (message) => this.forgetIfEnded(message),
      log,
    });
    // A StopTransaction still on its way from before a restart keeps its connector Finishing.
    const stops = options.store.read<Record<string, number>>(STOPS_UNDELIVERED) ?? {};
    for (const m of this.queue.pending) {
      const n = stops[m.transactionId];
      if (m.action === 'StopTransaction' && typeof n === 'number') this.stopsUndelivered.set(m.transactionId, n);
    }
    this.registerHandlers();
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
    const handlers: Record<string, CallHandler> = {
      RemoteStartTransaction: remoteStartTransaction(ctx),
      RemoteStopTransaction: remoteStopTransaction(ctx),
      ChangeAvailability: changeAvailability16(ctx),
      ChangeConfiguration: changeConfiguration(ctx),
      GetConfiguration: getConfiguration(ctx),
      ClearCache: clearCache16(ctx),
      DataTransfer: dataTransfer16(ctx),
      Reset: reset16(ctx),
      UnlockConnector: unlockConnector16(ctx),
      TriggerMessage: triggerMessage16(ctx, this.triggerTargets()),
      ReserveNow: reserveNow(ctx),
      CancelReservation: cancelReservation(ctx),
      SendLocalList: sendLocalList16(ctx),
      GetLocalListVersion: getLocalListVersion16(ctx),
    };
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
      statusNotification: async (connectorId) => this.reportStatuses(connectorId === undefined ? { all: true, triggered: true } : { only: connectorId, triggered: true }),
      meterValues: async (connectorId) => this.sendMeterValues(connectorId),
      diagnosticsStatusNotification: async () => void (await this.registration.send('DiagnosticsStatusNotification', { status: 'Idle' }, true)),
      firmwareStatusNotification: async () => void (await this.registration.send('FirmwareStatusNotification', { status: 'Idle' }, true)),
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
    this.subscriptions.push(merge(...views, ...authorizations).subscribe(() => this.queueStatusCheck()));
    this.registration.start();
    this.subscriptions.push(
      configuration.changes$.subscribe((change) => {
        if (change.key === 'HeartbeatInterval') this.registration.scheduleHeartbeat();
        if (change.key === 'ClockAlignedDataInterval') this.aligned.schedule();
        if (change.key === 'MeterValueSampleInterval') for (const [id, rt] of this.transactions) this.startSampler(id, rt);
        // Security whitepaper: a new AuthorizationKey takes effect on a new connection, made at
        // once, after the ChangeConfiguration answer (still being sent) is out.
        if (change.key === 'AuthorizationKey' && change.secret) {
          const password = change.secret;
          setImmediate(() => client.reconnect({ password }));
        }
      }),
    );
    for (const [id, rt] of this.transactions) this.startSampler(id, rt);
    this.aligned.schedule();
  }

  async drain(timeoutMs: number): Promise<void> {
    if (this.options.client.isConnected) await this.queue.idle(timeoutMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.subscriptions) s.unsubscribe();
    this.aligned.stop();
    for (const p of this.pendingStatus.values()) clearTimeout(p.timer);
    for (const rt of this.transactions.values()) if (rt.periodic) clearInterval(rt.periodic);
    this.queue.stop();
    this.registration.stop();
  }

  // ---- for the local API ----

  csmsTransactionId(transactionId: string): number | undefined {
    return this.csmsIds.get(transactionId);
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
    const report = this.statusOf(n);
    return { connectorId: n, status: report.status, errorCode: report.errorCode, ...(report.info !== undefined ? { info: report.info } : {}) };
  }

  // ---- statuses ----

  private onStationEvent(e: StationEvent): void {
    switch (e.type) {
      case 'FaultChanged':
        if (e.evseId === undefined) {
          if (e.active) this.stationFaults.add(e.fault);
          else this.stationFaults.delete(e.fault);
        }
        break;
      case 'ConnectorStatusChanged':
        this.coreStatus.set(`${e.evseId}/${e.connectorId}`, e.status);
        break;
      case 'TransactionStarted':
      case 'TransactionUpdated':
      case 'TransactionEnded':
        this.onTransactionEvent(e);
        break;
      default:
        break;
    }
    this.queueStatusCheck();
  }

  /**
   * Connector views change one input at a time, in the middle of the core's decisions (a cable
   * leaves: first the plug, then the authorization, then the transaction). A status derived then
   * is one the connector never really had (Charging -> Preparing -> Available, 4.9 has no C2), so
   * statuses are derived once the core has finished the decision at hand.
   */
  private queueStatusCheck(): void {
    if (this.statusCheckQueued || this.stopped) return;
    this.statusCheckQueued = true;
    queueMicrotask(() => {
      this.statusCheckQueued = false;
      this.statusesChanged();
    });
  }

  /** The 1.6 status of a connector now. */
  private statusOf(n: number): Status16Report {
    const { station } = this.options;
    if (n === 0) {
      const fault = [...this.stationFaults][0];
      if (fault) return status16({ status: 'Faulted', chargingState: 'Idle', plugged: false, faults: [fault], meterFailed: false, authorized: false, transaction: false, finishing: false });
      // Unavailable once the change has happened: a ChangeAvailability of connector 0 answered
      // Scheduled waits for the transactions to end (5.2), and so does the status.
      const operative = station.stationOperative || station.evses.some((e) => e.isOperative);
      return { status: operative ? 'Available' : 'Unavailable', errorCode: 'NoError' };
    }
    const where = this.numbering.fromOcpp16(n)!;
    const evse = station.evse(where.evseId)!;
    const connector = evse.connectors.find((c) => c.connectorId === where.connectorId)!;
    const view = connector.view;
    const inputs = connector.inputs;
    const tx = evse.transaction;
    const session = evse.authorizedBy;
    const onThis = (id: number | undefined): boolean => id === undefined ? evse.connectors.length === 1 || inputs.plugged : id === where.connectorId;
    if (!inputs.plugged) this.finishing.delete(n);
    if (session) this.finishing.delete(n);
    // A transaction that is ending (its final reading on the way) is no longer the EVSE's
    // transaction, nor yet ended: the connector is Finishing already, the vehicle gone or not.
    const endingHere = [...this.transactions.values()].some((rt) => rt.connectorId16 === n);
    const ending = evse.busy && !tx && (inputs.plugged || endingHere);
    const stopUndelivered = !inputs.plugged && !session && [...this.stopsUndelivered.values()].includes(n);
    return status16({
      // The core's reported status: it keeps a connector that becomes Unavailable once its
      // transaction ends from showing Available in between (4.9 C8).
      status: this.coreStatus.get(`${where.evseId}/${where.connectorId}`) ?? view.status,
      chargingState: view.chargingState,
      plugged: inputs.plugged,
      faults: inputs.faults,
      meterFailed: inputs.meter === 'failed',
      authorized: session !== undefined && onThis(session.connectorId),
      transaction: tx !== undefined && onThis(tx.connectorId),
      finishing: this.finishing.has(n) || ending || stopUndelivered,
    });
  }

  /**
   * Something changed: each connector whose status differs from the one last sent sends it, once
   * it held for MinimumStatusDuration (9.1.19), so that a blink of a state is not reported.
   */
  private statusesChanged(): void {
    if (this.stopped) return;
    const minimumS = this.options.configuration.has('MinimumStatusDuration') ? this.options.configuration.getInt('MinimumStatusDuration') : 0;
    for (const n of [0, ...this.numbering.all.map((c) => c.n)]) {
      const report = this.statusOf(n);
      const key = `${report.status}/${report.errorCode}`;
      const waiting = this.pendingStatus.get(n);
      // Already waiting out this very status: it must hold from when it began, not from the
      // last change of some other connector, or a busy neighbour would hold it back for ever.
      if (waiting?.key === key && this.registration.online) continue;
      if (waiting) clearTimeout(waiting.timer);
      this.pendingStatus.delete(n);
      if (this.reported.get(n) === key || !this.registration.online) continue;
      if (minimumS <= 0) {
        void this.sendStatus(n, report);
        continue;
      }
      const timer = setTimeout(() => {
        this.pendingStatus.delete(n);
        const now = this.statusOf(n);
        if (this.reported.get(n) !== `${now.status}/${now.errorCode}`) void this.sendStatus(n, now);
      }, minimumS * 1000);
      this.pendingStatus.set(n, { key, timer });
    }
  }

  private async sendStatus(n: number, report: Status16Report, triggered = false): Promise<void> {
    const key = `${report.status}/${report.errorCode}`;
    this.reported.set(n, key);
    try {
      await this.registration.send('StatusNotification', statusNotificationRequest16(n, report, this.clock.iso()), triggered);
    } catch (err) {
      // Sent again at the next connection: status is state, not history.
      this.reported.delete(n);
      if (!(err instanceof NotConnected || err instanceof NotAccepted)) this.options.log.warning(`StatusNotification failed: ${(err as Error).message}`);
    }
  }

  private async reportStatuses(options: { all?: boolean; only?: number; triggered?: boolean }): Promise<void> {
    const targets = options.only !== undefined ? [options.only] : [0, ...this.numbering.all.map((c) => c.n)];
    for (const n of targets) {
      const report = this.statusOf(n);
      if (!options.all && options.only === undefined && this.reported.get(n) === `${report.status}/${report.errorCode}`) continue;
      await this.sendStatus(n, report, options.triggered ?? false);
    }
  }

  // ---- transactions ----

  private measurands(key: string): string[] {
    return this.options.configuration.has(key) ? this.options.configuration.getList(key) : [];
  }

  private enqueue(txId: string, rt: TxRuntime, action: string, payload: object, kind: MessageKind): void {
    this.queue.enqueue(action, payload, txId, kind, {
      id: txId,
      snapshot: rt.snapshot as unknown as Record<string, unknown>,
      adapter: { connectorId16: rt.connectorId16 },
    });
  }

  private onTransactionEvent(e: TransactionEvent): void {
    const tx = e.transaction;
    let rt = this.transactions.get(tx.id);
    if (e.type === 'TransactionStarted' || !rt) {
      const connectorId = tx.connectorId ?? this.options.station.evse(e.evseId)?.connectors[0]?.connectorId ?? 1;
      rt = { evseId: e.evseId, connectorId16: this.numbering.toOcpp16(e.evseId, connectorId), snapshot: tx, stopSamples: [] };
      this.transactions.set(tx.id, rt);
    }
    rt.snapshot = tx;
    switch (e.type) {
      case 'TransactionStarted': {
        if (!tx.idToken) {
          this.options.log.error(`transaction ${tx.id} started without an id tag: 1.6 cannot report it`);
          return;
        }
        const at = this.clock.iso(e.timestamp);
        if (e.reading) rt.stopSamples.push(...this.sample(e.reading, 'StopTxnSampledData', 'Transaction.Begin', at));
        this.enqueue(tx.id, rt, 'StartTransaction', startTransactionRequest(rt.connectorId16, tx.idToken.idToken, tx.meterStartWh, at, tx.reservationId), 'start');
        this.startSampler(tx.id, rt);
        return;
      }
      case 'TransactionUpdated':
        // 1.6 has no message for the changes of a running transaction: its statuses say it.
        return;
      case 'TransactionEnded': {
        if (rt.periodic) clearInterval(rt.periodic);
        const at = this.clock.iso(e.timestamp);
        if (e.reading) rt.stopSamples.push(...this.sample(e.reading, 'StopTxnSampledData', 'Transaction.End', at));
        const idTag = e.trigger === 'StopAuthorized' ? (e.idToken ?? tx.idToken)?.idToken : undefined;
        const request = stopTransactionRequest(tx.meterStopWh ?? tx.meterStartWh, at, reason16(e.stoppedReason, this.resetType), idTag, rt.stopSamples);
        this.stopsUndelivered.set(tx.id, rt.connectorId16);
        this.saveStopsUndelivered();
        this.enqueue(tx.id, rt, 'StopTransaction', request, 'end');
        this.transactions.delete(tx.id);
        // Finishing until the cable leaves (4.9).
        const evse = this.options.station.evse(e.evseId);
        if (evse?.connectors.some((c) => c.connectorId === tx.connectorId && c.inputs.plugged)) this.finishing.add(rt.connectorId16);
        return;
      }
    }
  }

  private sample(reading: MeterReading, key: string, context: ReadingContext16, timestamp: string): MeterValue16[] {
    const v = meterValue16(reading, this.measurands(key), context, timestamp);
    return v ? [v] : [];
  }

  /** 9.1.20 MeterValueSampleInterval: MeterValues during the transaction, and samples for its StopTransaction. */
  private startSampler(txId: string, rt: TxRuntime): void {
    if (rt.periodic) clearInterval(rt.periodic);
    rt.periodic = undefined;
    const intervalS = this.options.configuration.getInt('MeterValueSampleInterval');
    if (intervalS <= 0) return;
    rt.periodic = setInterval(() => {
      const reading = this.options.latestReading(rt.evseId);
      if (!reading) return;
      const at = this.clock.iso(reading.timestamp);
      const values = this.sample(reading, 'MeterValuesSampledData', 'Sample.Periodic', at);
      if (values.length > 0) this.enqueue(txId, rt, 'MeterValues', meterValuesRequest(rt.connectorId16, values, 0), 'meter');
      rt.stopSamples.push(...this.sample(reading, 'StopTxnSampledData', 'Sample.Periodic', at));
      // StopTxnSampledDataMaxLength-like bound: intermediate samples go first.
      if (rt.stopSamples.length > 500) rt.stopSamples = rt.stopSamples.filter((_, i) => i % 2 === 0 || i === rt.stopSamples.length - 1);
    }, intervalS * 1000);
  }

  /**
   * The journal's messages still to send. A StartTransaction whose transaction already has the
   * Central System's id was answered just before the agent stopped: 1.6 has no seqNo by which a
   * Central System could recognise it again, so it is not sent twice (it would open a second
   * transaction there).
   */
  private stillToSend(journal: TransactionJournal): StoredMessage[] {
    const pending: StoredMessage[] = [];
    for (const m of journal.pending) {
      if (m.action === 'StartTransaction' && this.csmsIds.has(m.transactionId)) journal.remove(m.id, 'answered');
      else pending.push(m);
    }
    return pending;
  }

  /** Puts the Central System's transactionId into a queued message, now that it is known. */
  private withCsmsTransactionId(message: QueuedMessage): object {
    if (message.action !== 'MeterValues' && message.action !== 'StopTransaction') return message.payload;
    const known = this.csmsIds.get(message.transactionId);
    // Errata 3.18 (4.8): a transaction whose StartTransaction was never answered (discarded after
    // its attempts) still has its values and its stop reported, with transactionId -1.
    if (known === undefined) this.options.log.warning(`${message.action} of transaction ${message.transactionId} sent with transactionId -1: the Central System never gave one`);
    return { ...message.payload, transactionId: known ?? -1 };
  }

  private onAnswer(message: QueuedMessage, answer: unknown): void {
    if (message.action === 'StartTransaction') {
      const response = answer as StartTransactionResponse;
      this.csmsIds.set(message.transactionId, response.transactionId);
      this.saveTransactionIds();
      const payload = message.payload as { idTag: string };
      this.options.localAuthorizer?.recordIdTokenInfo(idTokenOf(payload.idTag), authorizationFromIdTagInfo(response.idTagInfo));
      if (response.idTagInfo.status !== 'Accepted') {
        this.options.log.warning(`the Central System reports the id tag of transaction ${response.transactionId} ${response.idTagInfo.status}`);
        this.options.station.tokenRejected(message.transactionId);
      }
      return;
    }
    if (message.action === 'StopTransaction') {
      const response = answer as { idTagInfo?: { status: string } };
      const request = message.payload as StopTransactionRequest;
      if (request.idTag && response.idTagInfo) {
        this.options.localAuthorizer?.recordIdTokenInfo(idTokenOf(request.idTag), authorizationFromIdTagInfo(response.idTagInfo as never));
      }
      this.forgetIfEnded(message);
    }
  }

  /** A transaction's last message is out: its id mapping is no longer needed. */
  private forgetIfEnded(message: QueuedMessage): void {
    if (message.action !== 'StopTransaction') return;
    if (this.csmsIds.delete(message.transactionId)) this.saveTransactionIds();
    // Its connector, Finishing while the stop was on its way, may show Available now.
    if (this.stopsUndelivered.delete(message.transactionId)) {
      this.saveStopsUndelivered();
      this.queueStatusCheck();
    }
  }

  private saveStopsUndelivered(): void {
    try {
      this.options.store.write(STOPS_UNDELIVERED, Object.fromEntries(this.stopsUndelivered));
    } catch (err) {
      this.options.log.error(`cannot keep which connectors wait for their StopTransaction: ${(err as Error).message}`);
    }
  }

  private saveTransactionIds(): void {
    try {
      this.options.store.write(TRANSACTION_IDS, Object.fromEntries(this.csmsIds));
    } catch (err) {
      this.options.log.error(`cannot keep the Central System's transaction ids: ${(err as Error).message}`);
    }
  }

  // ---- meter values outside transactions ----


  private async sendAligned(timestamp: string): Promise<void> {
    for (const { n, evseId } of this.numbering.all) {
      const reading = this.options.latestReading(evseId);
      if (!reading) continue;
      const values = this.sample(reading, 'MeterValuesAlignedData', 'Sample.Clock', timestamp);
      const tx = [...this.transactions.entries()].find(([, rt]) => rt.connectorId16 === n);
      if (tx) {
        const [txId, rt] = tx;
        if (values.length > 0) this.enqueue(txId, rt, 'MeterValues', meterValuesRequest(n, values, 0), 'meter');
        rt.stopSamples.push(...this.sample(reading, 'StopTxnAlignedData', 'Sample.Clock', timestamp));
        continue;
      }
      if (values.length === 0) continue;
      // One meter per EVSE: its values go once, with the EVSE's first connector.
      if (this.numbering.all.find((c) => c.evseId === evseId)?.n !== n) continue;
      try {
        await this.registration.send('MeterValues', meterValuesRequest(n, values));
      } catch (err) {
        this.options.log.debug(`aligned MeterValues for connector ${n} not sent: ${(err as Error).message}`);
      }
    }
  }

  /** A triggered MeterValues: the sampled measurands now, per connector. */
  private async sendMeterValues(connectorId?: number): Promise<void> {
    for (const { n, evseId } of this.numbering.all) {
      if (connectorId !== undefined && n !== connectorId) continue;
      const reading = this.options.latestReading(evseId);
      if (!reading) continue;
      const values = this.sample(reading, 'MeterValuesSampledData', 'Trigger', this.clock.iso(reading.timestamp));
      if (values.length === 0) continue;
      const tx = [...this.transactions.entries()].find(([, rt]) => rt.connectorId16 === n);
      const csmsId = tx ? this.csmsIds.get(tx[0]) : undefined;
      await this.registration.send('MeterValues', meterValuesRequest(n, values, csmsId), true);
    }
  }
}
