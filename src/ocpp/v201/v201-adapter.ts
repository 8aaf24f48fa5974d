import type { BootReasonEnumType } from 'ocpp-messages/v2.0/BootNotificationRequest.js';
import type { TransactionEventResponse } from 'ocpp-messages/v2.0/TransactionEventResponse.js';
import type { Subscription } from 'rxjs';
import type { StationConfig } from '../../config/station-config.js';
import type { MeterReading } from '../../station/meter-reading.js';
import type { Logger } from '../../process/logger.js';
import { reviveSnapshot, type FaultChanged, type StationEvent, type TransactionEvent, type TransactionSnapshot } from '../../station/events.js';
import type { MessageKind, StoredTransaction, TransactionJournal } from '../../store/transaction-journal.js';
import type { SecurityLog } from '../../store/security-log.js';
import type { DeviceStart } from '../../process/device-start.js';
import type { AuthorizationPort, ChargingSettings, StateStore } from '../../station/ports.js';
import type { Station } from '../../station/station.js';
import { AlignedSchedule } from '../../services/transactions/aligned-schedule.js';
import { deviceModelChargingSettings } from '../../services/device-configuration/v201-settings.js';
import { systemClock } from '../../station/clock.js';
import { CsmsClock } from '../../services/registration/csms-clock.js';
import { NotAccepted, Registration } from '../../services/registration/registration.js';
import { TransactionMessageQueue } from '../../services/transactions/transaction-queue.js';
import type { OcppClient } from '../ocpp-client.js';
import type { ProtocolAdapter } from '../protocol-adapter.js';
import type { CallHandler } from '../rpc/rpc-endpoint.js';
import { NotConnected, RpcError } from '../rpc/rpc-errors.js';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import type { LocalAuthorizer } from '../../services/authorization/index.js';
import { csmsAuthorizer, idTokenInfoFrom } from './actions/authorize.js';
import { clearCache } from './actions/clear-cache.js';
import { getLocalListVersion } from './actions/get-local-list-version.js';
import { sendLocalList } from './actions/send-local-list.js';
import { bootNotificationRequest } from './actions/boot-notification.js';
import { changeAvailability } from './actions/change-availability.js';
import { dataTransfer } from './actions/data-transfer.js';
import { reportHandlers } from './actions/get-base-report.js';
import { getTransactionStatus } from './actions/get-transaction-status.js';
import { getVariables } from './actions/get-variables.js';
import { meterValue, meterValuesRequest } from './actions/meter-values.js';
import { notifyEventForFault } from './actions/notify-event.js';
import { requestStartTransaction } from './actions/request-start-transaction.js';
import { requestStopTransaction } from './actions/request-stop-transaction.js';
import { encodeSecurityEvent } from './actions/security-event-notification.js';
import { ConnectionFailureStreak, FaultEvents, SecurityEvents, startSecurityEvent } from '../../services/security-events/index.js';
import { cancelReservation } from './actions/cancel-reservation.js';
import { MAX_PENDING_RESERVATION_UPDATES, reservationStatusUpdateRequest } from './actions/reservation-status-update.js';
import { OfflineOutbox } from '../common/offline-outbox.js';
import type { NotifyEventRequest } from 'ocpp-messages/v2.0/NotifyEventRequest.js';
import type { ReservationStatusUpdateRequest } from 'ocpp-messages/v2.0/index.js';
import { reserveNow } from './actions/reserve-now.js';
import { reset } from './actions/reset.js';
import { setVariables } from './actions/set-variables.js';
import { statusNotificationRequest } from './actions/status-notification.js';
import { meterValueUpdate, transactionEventRequest, type TransactionMessageState } from './actions/transaction-event.js';
import { keepEndedSample, reviveEndedSamples, TransactionSamplers } from './transaction-samplers.js';
import { triggerMessage, type TriggerTargets } from './actions/trigger-message.js';
import { unlockConnector } from './actions/unlock-connector.js';
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
  /** Whether the machine booted or only the agent restarted: with bootReason, this start's security event. Default power-up. */
  deviceStart?: () => DeviceStart;
  /** Where small state is kept (ReservationStatusUpdates waiting for the CSMS); without it, in memory only. */
  store?: StateStore;
}


interface TxRuntime {
  state: TransactionMessageState;
  evseId: number;
  /** The core's latest view of it, journaled with every message for recovery. */
  snapshot: TransactionSnapshot;
}

/**
 * OCPP 2.0.1 for the charging core: maps the core's events to messages (boot, status,
 * transactions, meter values, heartbeat) and the CSMS' calls to core commands, one small file per
 * action under actions/. Nothing outside this folder knows that the station speaks 2.0.1.
 */
export class V201Adapter implements ProtocolAdapter {
  readonly clock = new CsmsClock();
  readonly registration: Registration;
  readonly queue: TransactionMessageQueue;
  readonly dataTransferHandlers = new Map<string, DataTransferHandler>();
  private readonly ctx: V201Context;
  private readonly subscriptions: Subscription[] = [];
  private readonly transactions = new Map<string, TxRuntime>();
  private readonly statuses = new Map<string, { evseId: number; connectorId: number; status: string; at: Date }>();
  private readonly reported = new Map<string, string>();
  /** Fault events (NotifyEvent) waiting for the CSMS, in order. */
  readonly faultEvents: FaultEvents;
  private readonly reservationUpdates: OfflineOutbox<ReservationStatusUpdateRequest>;
  readonly securityEvents: SecurityEvents;
  /** J01: at every AlignedDataCtrlr.Interval boundary, counted from midnight, the aligned measurands. */
  private readonly aligned = new AlignedSchedule(
    this.clock,
    () => this.options.deviceModel.getInt('AlignedDataCtrlr', 'Interval'),
    (boundary) => void this.sendAligned(boundary),
  );
  /** J02 and the samples for the Ended message (E06.FR.11, AlignedDataCtrlr.TxEndedInterval). */
  private readonly samplers = new TransactionSamplers({
    clock: this.clock,
    deviceModel: () => this.options.deviceModel,
    latestReading: (evseId) => this.options.latestReading(evseId),
    running: () => this.transactions,
    onUpdated: (txId, value) => {
      const rt = this.transactions.get(txId);
      if (rt) this.enqueue(txId, rt, meterValueUpdate(txId, 'MeterValuePeriodic', value, rt.state, { offline: this.offline, timestamp: this.clock.iso() }), 'meter');
    },
    onEndedSample: (txId, value) => {
      const rt = this.transactions.get(txId);
      if (!rt) return;
      rt.state.endedSamples = keepEndedSample(rt.state.endedSamples, value);
      this.journalTransaction(txId, rt);
    },
  });

  constructor(private readonly options: V201AdapterOptions) {
    const { client, log, deviceModel } = options;
    const adapter = this;
    this.registration = new Registration({
      client,
      clock: this.clock,
      log,
      // B01.FR.09: a boot the CSMS triggered says so; the retries at its interval keep the boot's own reason.
      bootRequest: (triggered) => bootNotificationRequest(options.config, options.firmwareVersion, triggered ? 'Triggered' : options.bootReason()),
      heartbeatIntervalS: () => deviceModel.getInt('OCPPCommCtrlr', 'HeartbeatInterval'),
      setHeartbeatIntervalS: async (s) => void (await deviceModel.set('OCPPCommCtrlr', 'HeartbeatInterval', String(s))), // B01.FR.04
      csmsIsTimeSource: () => deviceModel.getList('ClockCtrlr', 'TimeSource').includes('Heartbeat'), // B01.FR.06
      onAccepted: async () => {
        await this.reportStatuses({}); // B01.FR.05
        await this.faultEvents.flush();
        await this.reservationUpdates.flush();
      },
      // B04: statuses as they are now, the changed ones after a short outage, all after a long one.
      onReconnected: (offlineS) => {
        void this.reportStatuses({ onlyChanged: offlineS <= deviceModel.getInt('OCPPCommCtrlr', 'OfflineThreshold') }).then(() => this.faultEvents.flush()).then(() => this.reservationUpdates.flush());
      },
      onClockChanged: () => {
        this.aligned.schedule();
        this.samplers.schedule();
      },
    });
    // Fault events wait for the CSMS while offline (N07.FR.04 asks the same of monitor events).
    this.faultEvents = new FaultEvents({
      send: (event) => this.registration.send('NotifyEvent', notifyEventForFault(event)),
      clock: systemClock,
      timestamp: (at) => this.clock.iso(at),
      log,
    });
    // A reservation that expired during an outage must not stay reserved at the CSMS for ever.
    this.reservationUpdates = new OfflineOutbox({
      name: 'ReservationStatusUpdate',
      maxPending: MAX_PENDING_RESERVATION_UPDATES,
      send: (r) => this.registration.send('ReservationStatusUpdate', r),
      describe: (r) => `${r.reservationId} ${r.reservationUpdateStatus}`,
      log,
      // H04.FR.01: an expiry during an outage must reach the CSMS even if the agent restarts before.
      ...(options.store ? { keep: { store: options.store, key: 'reservation-status-updates' } } : {}),
    });
    this.securityEvents = new SecurityEvents({
      send: (action, payload) => this.registration.sendNow(action, payload),
      encode: encodeSecurityEvent,
      ready$: this.registration.ready$,
      store: options.securityJournal,
      securityLog: options.securityLog,
      clock: systemClock,
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
      get dataTransferHandlers() {
        return adapter.dataTransferHandlers;
      },
    };
    // Transactions that were running when the agent last stopped: their seqNo goes on (E01.FR.07).
    for (const stored of options.journal?.running ?? []) {
      const snapshot = reviveSnapshot(stored.snapshot);
      const seqNo = Number(stored.adapter['seqNo'] ?? 0);
      // The samples kept for its Ended message so far, which may be built now, after the restart.
      const endedSamples = reviveEndedSamples(stored.adapter['endedSamples']);
      this.transactions.set(stored.id, { state: { seqNo, endedSamples }, evseId: snapshot.evseId, snapshot });
    }
    this.queue = new TransactionMessageQueue({
      send: (action, payload) => this.registration.sendNow(action, payload),
      ...(options.journal ? { store: options.journal, initial: options.journal.pending } : {}),
      ...(options.maxQueuedMessages !== undefined ? { maxMessages: () => options.maxQueuedMessages! } : {}),
      ready$: this.registration.ready$,
      attempts: () => options.deviceModel.getInt('OCPPCommCtrlr', 'MessageAttempts', { instance: 'TransactionEvent' }),
      retryIntervalS: () => options.deviceModel.getInt('OCPPCommCtrlr', 'MessageAttemptInterval', { instance: 'TransactionEvent' }),
      onAnswer: (message, answer) => this.onTransactionAnswer(message.transactionId, answer as TransactionEventResponse, message.payload as TransactionEventRequest),
      log,
    });
    this.registerHandlers();
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
    const handlers: Record<string, CallHandler> = {
      GetVariables: getVariables(ctx),
      SetVariables: setVariables(ctx),
      ...reportHandlers(ctx),
      Reset: reset(ctx),
      RequestStartTransaction: requestStartTransaction(ctx),
      RequestStopTransaction: requestStopTransaction(ctx),
      UnlockConnector: unlockConnector(ctx),
      TriggerMessage: triggerMessage(ctx, this.triggerTargets()),
      ChangeAvailability: changeAvailability(ctx),
      ReserveNow: reserveNow(ctx),
      CancelReservation: cancelReservation(ctx),
      DataTransfer: dataTransfer(ctx),
      GetTransactionStatus: getTransactionStatus(ctx, (id) => this.queue.pending.filter((m) => id === undefined || m.transactionId === id).length),
    };
    const local = this.options.localAuthorizer;
    if (local) {
      handlers['SendLocalList'] = sendLocalList(ctx, local.list);
      handlers['GetLocalListVersion'] = getLocalListVersion(ctx, local.list);
      handlers['ClearCache'] = clearCache(ctx, local.cache);
    }
    for (const [action, handler] of Object.entries(handlers)) {
      this.options.client.handle(action, (payload, callCtx) => {
        // B03.FR.08: a rejected station answers the CSMS with nothing but SecurityError.
        if (this.registration.state === 'Rejected') throw new RpcError('SecurityError', 'the CSMS rejected this station at boot');
        return handler(payload, callCtx);
      });
    }
  }

  private triggerTargets(): TriggerTargets {
    return {
      bootNotification: async () => this.registration.boot(true),
      heartbeat: async () => this.registration.heartbeat(true),
      statusNotification: async (evseId, connectorId) => this.reportStatuses({ evseId, connectorId, triggered: true }),
      meterValues: async (evseId) => this.sendMeterValues(evseId, 'Trigger'),
      transactionEvent: async (evseId) => this.triggeredTransactionEvents(evseId),
      logStatusNotification: async () => {
        await this.registration.send('LogStatusNotification', { status: 'Idle' }, true);
      },
      firmwareStatusNotification: async () => {
        await this.registration.send('FirmwareStatusNotification', { status: 'Idle' }, true);
      },
    };
  }

  // ---- lifecycle ----

  start(): void {
    const { client, station, deviceModel } = this.options;
    this.subscriptions.push(station.events$.subscribe((e) => this.onStationEvent(e)));
    this.registration.start();
    this.subscriptions.push(
      deviceModel.changes$.subscribe((change) => {
        if (change.component === 'OCPPCommCtrlr' && change.variable === 'HeartbeatInterval') this.registration.scheduleHeartbeat();
        if (change.component === 'AlignedDataCtrlr') {
          this.aligned.schedule();
          this.samplers.schedule();
        }
        if (change.component === 'SampledDataCtrlr') for (const [id, rt] of this.transactions) this.samplers.start(id, rt);
        if (change.component === 'SecurityCtrlr' && change.variable === 'BasicAuthPassword' && change.secret) {
          // A new password takes effect on a new connection, made at once: once the
          // SetVariables answer (still being sent) is out, so the CSMS hears Accepted.
          const password = change.secret;
          setImmediate(() => client.reconnect({ password }));
        }
      }),
    );
    this.aligned.schedule();
    this.samplers.schedule();
    // Transactions found running at start go on collecting their samples.
    for (const [id, rt] of this.transactions) this.samplers.start(id, rt);
    // A04: StartupOfTheDevice or ResetOrReboot, sent once the boot is accepted.
    this.securityEvents.raise(startSecurityEvent(this.options.bootReason(), this.options.deviceStart?.() ?? 'power-up'));
    // A00.FR.310/.413, .316/.419: what a failed connection tells, once per streak of failures.
    const streak = new ConnectionFailureStreak((event, at) => this.securityEvents.raise(event, at));
    this.subscriptions.push(
      client.connectionFailures$.subscribe((failure) => streak.failed(failure)),
      client.connected$.subscribe((connected) => connected && streak.connected()),
    );
  }

  /** Waits (at most timeoutMs) for queued transaction messages to be answered, before a restart or stop. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.options.client.isConnected) await this.queue.idle(timeoutMs);
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    this.aligned.stop();
    this.samplers.stopAll();
    this.queue.stop();
    this.securityEvents.stop();
    this.registration.stop();
  }

  // ---- statuses ----

  private onStationEvent(e: StationEvent): void {
    switch (e.type) {
      case 'ConnectorStatusChanged': {
        const key = `${e.evseId}.${e.connectorId}`;
        this.statuses.set(key, { evseId: e.evseId, connectorId: e.connectorId, status: e.status, at: e.timestamp });
        // Status is state, not history: only the latest is sent, now or after the next (re)connection.
        if (this.registration.online) void this.reportStatuses({ evseId: e.evseId, connectorId: e.connectorId, onlyChanged: true });
        return;
      }
      case 'FaultChanged':
        this.reportFault(e);
        return;
      case 'ReservationEnded':
        const update = reservationStatusUpdateRequest(e);
        if (update) this.reservationUpdates.add(update);
        return;
      default:
        this.onTransactionEvent(e);
    }
  }

  /** A hardware fault raised or cleared: NotifyEvent on the failing device's component (see notify-event.ts). */
  private reportFault(e: FaultChanged): void {
    const running = e.evseId === undefined ? undefined : [...this.transactions.entries()].find(([, rt]) => rt.evseId === e.evseId)?.[0];
    this.faultEvents.report(e, running);
  }

  /** Sends StatusNotifications for the selected connectors; false when none matched. */
  private async reportStatuses(options: { evseId?: number | undefined; connectorId?: number | undefined; onlyChanged?: boolean; triggered?: boolean }): Promise<boolean> {
    const selected = [...this.statuses.entries()].filter(
      ([, s]) => (options.evseId === undefined || options.evseId === 0 || s.evseId === options.evseId) && (options.connectorId === undefined || s.connectorId === options.connectorId),
    );
    for (const [key, s] of selected) {
      if (options.onlyChanged && (this.reported.get(key) === s.status || this.onlyBlockedBySibling(s.evseId, s.connectorId, s.status))) continue;
      // What the CSMS is being told, from the moment it is sent: a change that comes while the answer
      // is on its way (Reserved, then Available at once) compares with it, not with the status before.
      const before = this.reported.get(key);
      this.reported.set(key, s.status);
      try {
        // A triggered message gives current information (F06.FR.09): the time is now.
        const at = options.triggered ? new Date() : s.at;
        await this.registration.send('StatusNotification', statusNotificationRequest(s.evseId, s.connectorId, s.status as never, this.clock.iso(at)), options.triggered ?? false);
      } catch (err) {
        if (this.reported.get(key) === s.status) {
          if (before === undefined) this.reported.delete(key);
          else this.reported.set(key, before);
        }
        if (!(err instanceof NotConnected || err instanceof NotAccepted)) this.options.log.warning(`StatusNotification failed: ${(err as Error).message}`);
        return selected.length > 0;
      }
    }
    return selected.length > 0;
  }

  /** G01.FR.08: a connector unusable only because another connector of its EVSE is in use; its change is not reported. */
  private onlyBlockedBySibling(evseId: number, connectorId: number, status: string): boolean {
    const inputs = this.options.station.evse(evseId)?.connectors.find((c) => c.connectorId === connectorId)?.inputs;
    return status === 'Unavailable' && inputs !== undefined && inputs.siblingInUse && inputs.operative;
  }

  // ---- transactions ----

  private get offline(): boolean {
    return !this.registration.online;
  }

  private measurands(variable: string, component = 'SampledDataCtrlr'): string[] {
    return this.options.deviceModel.getList(component, variable);
  }

  private onTransactionEvent(e: TransactionEvent): void {
    const txId = e.transaction.id;
    let rt = this.transactions.get(txId);
    if (!rt) {
      rt = { state: { seqNo: 0, endedSamples: [] }, evseId: e.evseId, snapshot: e.transaction };
      this.transactions.set(txId, rt);
    }
    rt.snapshot = e.transaction;
    const request = transactionEventRequest(e, rt.state, {
      offline: this.offline,
      timestamp: (d) => this.clock.iso(d),
      measurands: { txStarted: this.measurands('TxStartedMeasurands'), txEnded: this.measurands('TxEndedMeasurands') },
    });
    this.enqueue(txId, rt, request, e.type === 'TransactionStarted' ? 'start' : e.type === 'TransactionEnded' ? 'end' : 'update');
    if (e.type === 'TransactionStarted') this.samplers.start(txId, rt);
    if (e.type === 'TransactionEnded') {
      this.samplers.stop(txId);
      this.transactions.delete(txId);
    }
  }

  /** Queues a TransactionEvent, journaled with the transaction's state after it (its next seqNo, the samples kept). */
  private enqueue(txId: string, rt: TxRuntime, request: object, kind: MessageKind): void {
    this.queue.enqueue('TransactionEvent', request, txId, kind, this.storedTransaction(txId, rt));
  }

  private storedTransaction(txId: string, rt: TxRuntime): StoredTransaction {
    return {
      id: txId,
      snapshot: rt.snapshot as unknown as Record<string, unknown>,
      adapter: { seqNo: rt.state.seqNo, endedSamples: rt.state.endedSamples },
    };
  }

  /** Journals a transaction's state that changed without a message (a sample kept for its Ended message). */
  private journalTransaction(txId: string, rt: TxRuntime): void {
    try {
      this.options.journal?.recordTransaction(this.storedTransaction(txId, rt));
    } catch (err) {
      this.options.log.warning(`transaction ${txId}: its samples for the Ended message are kept in memory only (${(err as Error).message})`);
    }
  }

  private onTransactionAnswer(transactionId: string, answer: TransactionEventResponse, request: TransactionEventRequest): void {
    // C10.FR.05, C12.FR.06: the idTokenInfo is the CSMS' word on the token this message carried.
    const token = request.idToken;
    if (token && answer.idTokenInfo) {
      this.options.localAuthorizer?.recordIdTokenInfo({ idToken: token.idToken, type: token.type }, idTokenInfoFrom(answer.idTokenInfo));
    }
    const status = answer.idTokenInfo?.status;
    // E06.FR.04 / C15: the CSMS may reject the token afterwards.
    if (status !== undefined && status !== 'Accepted') {
      this.options.log.warning(`the CSMS reports the id token of transaction ${transactionId} ${status}`);
      this.options.station.tokenRejected(transactionId);
    }
  }

  /** F06.FR.07: a TransactionEvent (Updated, Trigger) with the charging state and the latest meter values. */
  private async triggeredTransactionEvents(evseId?: number): Promise<boolean> {
    const running = this.options.station.transactions().filter((t) => evseId === undefined || evseId === 0 || t.evseId === evseId);
    for (const tx of running) {
      const rt = this.transactions.get(tx.id);
      const reading = this.options.latestReading(tx.evseId);
      const value = reading && meterValue(reading, this.measurands('TxUpdatedMeasurands'), 'Trigger', this.clock.iso(reading.timestamp));
      if (!rt || !value) continue;
      const request = meterValueUpdate(tx.id, 'Trigger', value, rt.state, { offline: this.offline, timestamp: this.clock.iso() });
      request.transactionInfo.chargingState = tx.chargingState;
      this.enqueue(tx.id, rt, request, 'update');
    }
    return running.length > 0;
  }

  // ---- clock-aligned meter values ----


  private async sendAligned(boundary: Date): Promise<void> {
    const sendDuringIdle = this.options.deviceModel.getBool('AlignedDataCtrlr', 'SendDuringIdle');
    const measurands = this.measurands('Measurands', 'AlignedDataCtrlr');
    const timestamp = boundary.toISOString(); // exactly on the boundary, on the CSMS' clock
    for (const evse of this.options.station.evses) {
      const reading = this.options.latestReading(evse.id);
      const value = reading && meterValue(reading, measurands, 'Sample.Clock', timestamp);
      if (!value) continue;
      const tx = evse.transaction;
      const rt = tx && this.transactions.get(tx.id);
      if (tx && rt) {
        // J01.FR.19: SendDuringIdle keeps aligned values out of transactions; else J01.FR.22.
        if (!sendDuringIdle) this.enqueue(tx.id, rt, meterValueUpdate(tx.id, 'MeterValueClock', value, rt.state, { offline: this.offline, timestamp }), 'meter');
        continue;
      }
      try {
        await this.registration.send('MeterValues', meterValuesRequest(evse.id, value));
      } catch (err) {
        this.options.log.debug(`aligned MeterValues for EVSE ${evse.id} not sent: ${(err as Error).message}`);
      }
    }
  }

  /** F06.FR.06: the latest aligned measurands of the EVSE(s), now. */
  private async sendMeterValues(evseId: number | undefined, context: 'Trigger'): Promise<boolean> {
    const measurands = this.measurands('Measurands', 'AlignedDataCtrlr');
    let sent = false;
    for (const evse of this.options.station.evses) {
      if (evseId !== undefined && evseId !== 0 && evse.id !== evseId) continue;
      const reading = this.options.latestReading(evse.id);
      const value = reading && meterValue(reading, measurands, context, this.clock.iso(reading.timestamp));
      if (!value) continue;
      await this.registration.send('MeterValues', meterValuesRequest(evse.id, value), true);
      sent = true;
    }
    return sent;
  }
}
