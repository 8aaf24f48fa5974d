import type { MeterValueType, TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import type { TransactionEventResponse } from 'ocpp-messages/v2.0/TransactionEventResponse.js';
import type { Logger } from '../../process/logger.js';
import type { LocalAuthorizer } from '../../services/authorization/index.js';
import type { CsmsClock } from '../../services/registration/csms-clock.js';
import type { Registration } from '../../services/registration/registration.js';
import type { SignedReadings } from '../../services/transactions/signed-readings.js';
import { Transactions, type RunningTransaction } from '../../services/transactions/transactions.js';
import type { MeterReading } from '../../station/meter-reading.js';
import type { TransactionEvent } from '../../station/events.js';
import type { Station } from '../../station/station.js';
import type { TransactionJournal } from '../../store/transaction-journal.js';
import { idTokenInfoFrom } from './actions/authorize.js';
import { meterValue, meterValuesRequest } from './actions/meter-values.js';
import { meterValueUpdate, transactionEventRequest, type TransactionMessageState } from './actions/transaction-event.js';
import type { DeviceModel } from './device-model/device-model.js';
import { keepEndedSample, reviveEndedSamples, TransactionSamplers } from './transaction-samplers.js';
import { signContext, signingSettings, withSignature } from './transaction-signing.js';

export interface TransactionMessagesOptions {
  clock: CsmsClock;
  log: Logger;
  station: Station;
  deviceModel: DeviceModel;
  registration: Registration;
  latestReading(evseId: number): MeterReading | undefined;
  journal?: TransactionJournal;
  maxQueuedMessages?: number;
  localAuthorizer?: LocalAuthorizer;
  /** Issue 17: the OCMF documents of start, end and (SignUpdatedReadings) updated readings; none: nothing signed. */
  signedReadings?: SignedReadings;
}

type Tx = RunningTransaction<TransactionMessageState>;

/**
 * The transactions and metering services in 2.0.1's words: TransactionEvent with its seqNo
 * (E01.FR.07) and the samples kept for Ended, MeterValues outside transactions (J01), and the
 * CSMS' answers taken in (C10.FR.05, E06.FR.04).
 */
export class TransactionMessages201 {
  readonly transactions: Transactions<TransactionMessageState>;
  /** J01, J02 and the samples for the Ended message (E06.FR.11, AlignedDataCtrlr.TxEndedInterval). */
  readonly samplers: TransactionSamplers;

  constructor(private readonly options: TransactionMessagesOptions) {
    const { deviceModel, registration } = options;
    this.transactions = new Transactions<TransactionMessageState>({
      clock: options.clock.local,
      log: options.log,
      journal: options.journal,
      maxQueuedMessages: options.maxQueuedMessages,
      send: (action, payload) => registration.sendNow(action, payload),
      ready$: registration.ready$,
      attempts: () => deviceModel.getInt('OCPPCommCtrlr', 'MessageAttempts', { instance: 'TransactionEvent' }),
      retryIntervalS: () => deviceModel.getInt('OCPPCommCtrlr', 'MessageAttemptInterval', { instance: 'TransactionEvent' }),
      // A transaction running when the agent stopped: its seqNo goes on (E01.FR.07), with the samples kept for Ended so far.
      revive: (stored) => ({
        seqNo: Number(stored.adapter['seqNo'] ?? 0),
        endedSamples: reviveEndedSamples(stored.adapter['endedSamples']),
        publicKeySent: stored.adapter['publicKeySent'] === true,
      }),
      persist: (state) => ({ seqNo: state.seqNo, endedSamples: state.endedSamples, publicKeySent: state.publicKeySent }),
      onAnswer: (message, answer) => this.onAnswer(message.transactionId, answer as TransactionEventResponse, message.payload as TransactionEventRequest),
    });
    this.samplers = new TransactionSamplers({
      clock: options.clock,
      deviceModel: () => deviceModel,
      latestReading: (evseId) => options.latestReading(evseId),
      running: () => this.transactions.all,
      onUpdated: (txId, value) => {
        const tx = this.transactions.get(txId);
        if (tx) this.transactions.enqueue(tx, 'TransactionEvent', meterValueUpdate(txId, 'MeterValuePeriodic', this.signedUpdate(tx, value), tx.state, { offline: this.offline, timestamp: options.clock.iso() }), 'meter');
      },
      onEndedSample: (txId, value) => {
        const tx = this.transactions.get(txId);
        if (!tx) return;
        tx.state.endedSamples = keepEndedSample(tx.state.endedSamples, value);
        this.transactions.record(tx);
      },
      onAligned: (boundary) => void this.sendAligned(boundary),
    });
  }

  /** Plans the aligned samples, and goes on sampling the transactions found running at start. */
  start(): void {
    this.samplers.schedule();
    this.restartSamplers();
  }

  /** SampledDataCtrlr changed: every running transaction samples at the new intervals. */
  restartSamplers(): void {
    for (const [id, tx] of this.transactions.all) this.samplers.start(id, tx);
  }

  stop(): void {
    this.samplers.stopAll();
    this.transactions.stop();
  }

  /** The running transaction of an EVSE (for fault events). */
  runningOn(evseId: number): string | undefined {
    return this.transactions.find((tx) => tx.evseId === evseId)?.id;
  }

  private get offline(): boolean {
    return !this.options.registration.online;
  }

  private measurands(variable: string, component = 'SampledDataCtrlr'): string[] {
    return this.options.deviceModel.getList(component, variable);
  }

  /**
   * E01-E07: the core's transaction event as a TransactionEvent, queued. An Ended waits for the
   * meter's signed documents still being made (issue 17), at most SignedReadings' bound.
   */
  onTransactionEvent(e: TransactionEvent): void {
    const signing = e.type === 'TransactionEnded' ? this.options.signedReadings?.whenSigned(e) : undefined;
    if (!signing) return this.queueTransactionEvent(e);
    this.samplers.stop(e.transaction.id);
    void signing.then(() => this.queueTransactionEvent(e));
  }

  private queueTransactionEvent(e: TransactionEvent): void {
    const tx = this.transactions.track(e.transaction, e.evseId, () => ({ seqNo: 0, endedSamples: [] }));
    const request = transactionEventRequest(e, tx.state, {
      offline: this.offline,
      timestamp: (d) => this.options.clock.iso(d),
      measurands: { txStarted: this.measurands('TxStartedMeasurands'), txEnded: this.measurands('TxEndedMeasurands') },
    });
    this.sign(e, request, tx);
    this.transactions.enqueue(tx, 'TransactionEvent', request, e.type === 'TransactionStarted' ? 'start' : e.type === 'TransactionEnded' ? 'end' : 'update');
    if (e.type === 'TransactionStarted') this.samplers.start(tx.id, tx);
    if (e.type === 'TransactionEnded') {
      this.samplers.stop(tx.id);
      this.transactions.ended(tx.id);
    }
  }

  /**
   * Issue 17 (app note 4.1, table 20): the start's signed value in Started with
   * SignStartedReadings, the start's and the end's in Ended with SignReadings. The start is signed
   * as it is taken even when only Ended will carry it: its document must be of that moment.
   */
  private sign(e: TransactionEvent, request: TransactionEventRequest, tx: Tx): void {
    const signed = this.options.signedReadings;
    if (!signed || e.type === 'TransactionUpdated') return;
    const settings = signingSettings(this.options.deviceModel);
    if (!settings.signReadings) return;
    const reading = signed.ofEvent(e);
    const at = (d: Date): string => this.options.clock.iso(d);
    if (e.type === 'TransactionStarted') {
      if (reading && settings.signStarted) signContext(request, 'Transaction.Begin', reading, at(e.reading?.timestamp ?? e.timestamp), settings.publicKey, tx.state);
      return;
    }
    const start = signed.start(tx.id);
    if (start) signContext(request, 'Transaction.Begin', start, at(e.transaction.startedAt), settings.publicKey, tx.state);
    if (reading) signContext(request, 'Transaction.End', reading, at(e.reading?.timestamp ?? e.timestamp), settings.publicKey, tx.state);
  }

  /** A TxUpdatedInterval value, signed with SignUpdatedReadings (app note 4.3.7). */
  private signedUpdate(tx: Tx, value: MeterValueType): MeterValueType {
    const signed = this.options.signedReadings;
    if (!signed) return value;
    const settings = signingSettings(this.options.deviceModel);
    const snapshot = this.options.station.transactions().find((t) => t.id === tx.id);
    const reading = this.options.latestReading(tx.evseId);
    if (!settings.signUpdated || !snapshot || !reading) return value;
    const document = signed.intermediate(snapshot, tx.evseId, reading);
    return document ? withSignature(value, document, settings.publicKey, tx.state) : value;
  }

  private onAnswer(transactionId: string, answer: TransactionEventResponse, request: TransactionEventRequest): void {
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
  async triggered(evseId?: number): Promise<boolean> {
    const running = this.options.station.transactions().filter((t) => evseId === undefined || evseId === 0 || t.evseId === evseId);
    for (const snapshot of running) {
      const tx = this.transactions.get(snapshot.id);
      const reading = this.options.latestReading(snapshot.evseId);
      const value = reading && meterValue(reading, this.measurands('TxUpdatedMeasurands'), 'Trigger', this.options.clock.iso(reading.timestamp));
      if (!tx || !value) continue;
      const request = meterValueUpdate(snapshot.id, 'Trigger', value, tx.state, { offline: this.offline, timestamp: this.options.clock.iso() });
      request.transactionInfo.chargingState = snapshot.chargingState;
      this.transactions.enqueue(tx, 'TransactionEvent', request, 'update');
    }
    return running.length > 0;
  }

  /** J01: at every AlignedDataCtrlr.Interval boundary, counted from midnight, the aligned measurands. */
  private async sendAligned(boundary: Date): Promise<void> {
    const sendDuringIdle = this.options.deviceModel.getBool('AlignedDataCtrlr', 'SendDuringIdle');
    const measurands = this.measurands('Measurands', 'AlignedDataCtrlr');
    const timestamp = boundary.toISOString(); // exactly on the boundary, on the CSMS' clock
    for (const evse of this.options.station.evses) {
      const reading = this.options.latestReading(evse.id);
      const value = reading && meterValue(reading, measurands, 'Sample.Clock', timestamp);
      if (!value) continue;
      const snapshot = evse.transaction;
      const tx: Tx | undefined = snapshot && this.transactions.get(snapshot.id);
      if (snapshot && tx) {
        // J01.FR.19: SendDuringIdle keeps aligned values out of transactions; else J01.FR.22.
        if (!sendDuringIdle) this.transactions.enqueue(tx, 'TransactionEvent', meterValueUpdate(snapshot.id, 'MeterValueClock', value, tx.state, { offline: this.offline, timestamp }), 'meter');
        continue;
      }
      try {
        await this.options.registration.send('MeterValues', meterValuesRequest(evse.id, value));
      } catch (err) {
        this.options.log.debug(`aligned MeterValues for EVSE ${evse.id} not sent: ${(err as Error).message}`);
      }
    }
  }

  /** F06.FR.06: the latest aligned measurands of the EVSE(s), now. */
  async sendMeterValues(evseId: number | undefined): Promise<boolean> {
    const measurands = this.measurands('Measurands', 'AlignedDataCtrlr');
    let sent = false;
    for (const evse of this.options.station.evses) {
      if (evseId !== undefined && evseId !== 0 && evse.id !== evseId) continue;
      const reading = this.options.latestReading(evse.id);
      const value = reading && meterValue(reading, measurands, 'Trigger', this.options.clock.iso(reading.timestamp));
      if (!value) continue;
      await this.options.registration.send('MeterValues', meterValuesRequest(evse.id, value), true);
      sent = true;
    }
    return sent;
  }
}
