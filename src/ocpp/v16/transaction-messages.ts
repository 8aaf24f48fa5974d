import type { StartTransactionResponse, StopTransactionRequest } from 'ocpp-messages/v1.6/index.js';
import type { Logger } from '../../process/logger.js';
import type { LocalAuthorizer } from '../../services/authorization/index.js';
import type { CsmsClock } from '../../services/registration/csms-clock.js';
import type { Registration } from '../../services/registration/registration.js';
import { MeterSampling } from '../../services/transactions/meter-sampling.js';
import type { QueuedMessage } from '../../services/transactions/transaction-queue.js';
import type { SignedReadings } from '../../services/transactions/signed-readings.js';
import { Transactions, type RunningTransaction } from '../../services/transactions/transactions.js';
import type { TransactionEvent } from '../../station/events.js';
import type { MeterReading } from '../../station/meter-reading.js';
import type { StateStore } from '../../station/ports.js';
import type { Station } from '../../station/station.js';
import type { StoredMessage, TransactionJournal } from '../../store/transaction-journal.js';
import { authorizationFromIdTagInfo } from './actions/authorize.js';
import { meterValue16, meterValuesRequest, signedMeterValue16, type MeterValue16, type ReadingContext16 } from './actions/meter-values.js';
import { reason16, startTransactionRequest, stopTransactionRequest } from './actions/transactions.js';
import type { ConfigurationStore } from './configuration/configuration-store.js';
import { publicKeyWithSignedMeterValue } from './configuration/signed-meter-keys.js';
import type { ConnectorNumbering } from './connector-numbering.js';
import { idTokenOf } from './context.js';

/** What 1.6 keeps with a running transaction. */
export interface Transaction16 {
  /** Its connector in 1.6's numbering. */
  connectorId16: number;
  /** StopTxnSampledData / StopTxnAlignedData values for the StopTransaction's transactionData (not journaled). */
  stopSamples: MeterValue16[];
}

export interface TransactionMessages16Options {
  clock: CsmsClock;
  log: Logger;
  station: Station;
  configuration: ConfigurationStore;
  numbering: ConnectorNumbering;
  registration: Registration;
  /** Where the CSMS' transaction ids, and the stops it has not answered, are kept across restarts. */
  store: StateStore;
  latestReading(evseId: number): MeterReading | undefined;
  journal?: TransactionJournal;
  maxQueuedMessages?: number;
  localAuthorizer?: LocalAuthorizer;
  /** The type of the Reset that is restarting the station, if one is (its stop reason). */
  resetType(): 'Hard' | 'Soft' | undefined;
  /** A StopTransaction was answered or given up: its connector may no longer be Finishing. */
  onStopDelivered(): void;
  /** Issue 17: the OCMF documents of the start and end readings; none: nothing signed. */
  signedReadings?: SignedReadings;
}

const TRANSACTION_IDS = 'ocpp16-transaction-ids';
/** Transactions whose StopTransaction is not yet answered -> their connector, across restarts. */
const STOPS_UNDELIVERED = 'ocpp16-stops-undelivered';

/**
 * The transactions and metering services in 1.6's words: StartTransaction, MeterValues and
 * StopTransaction through the durable queue, the Central System's integer transaction ids mapped
 * to the core's, and the values 1.6 wants in the StopTransaction.
 */
export class TransactionMessages16 {
  readonly transactions: Transactions<Transaction16>;
  readonly sampling: MeterSampling;
  /** Local transaction id -> the Central System's. */
  private readonly csmsIds: Map<string, number>;
  /**
   * Transactions whose StopTransaction the Central System has not answered yet, with their
   * connector: Finishing until it has, so that it never sees a free connector with an open
   * transaction (4.9: Finishing after an EV-side disconnect, then Available).
   */
  private readonly stopsUndelivered = new Map<string, number>();

  constructor(private readonly options: TransactionMessages16Options) {
    const { configuration, registration, store } = options;
    this.csmsIds = new Map(Object.entries(store.read<Record<string, number>>(TRANSACTION_IDS) ?? {}));
    this.transactions = new Transactions<Transaction16>({
      clock: options.clock.local,
      log: options.log,
      journal: options.journal,
      maxQueuedMessages: options.maxQueuedMessages,
      send: (action, payload) => registration.sendNow(action, payload),
      ready$: registration.ready$,
      attempts: () => configuration.getInt('TransactionMessageAttempts'),
      retryIntervalS: () => configuration.getInt('TransactionMessageRetryInterval'),
      revive: (stored) => ({ connectorId16: Number(stored.adapter['connectorId16'] ?? 1), stopSamples: [] }),
      persist: (state) => ({ connectorId16: state.connectorId16 }),
      stillToSend: (pending, journal) => this.stillToSend(pending, journal),
      prepare: (message) => this.withCsmsTransactionId(message),
      onAnswer: (message, answer) => this.onAnswer(message, answer),
      onDiscarded: (message) => this.forgetIfEnded(message),
      // Only once the answered StopTransaction is off the journal: a kill before that sends it again,
      // and it must go with the Central System's transactionId, not -1.
      onRemoved: (message) => this.forgetIfEnded(message),
    });
    // A StopTransaction still on its way from before a restart keeps its connector Finishing.
    const stops = store.read<Record<string, number>>(STOPS_UNDELIVERED) ?? {};
    for (const m of this.transactions.queue.pending) {
      const n = stops[m.transactionId];
      if (m.action === 'StopTransaction' && typeof n === 'number') this.stopsUndelivered.set(m.transactionId, n);
    }
    this.sampling = new MeterSampling({
      clock: options.clock,
      latestReading: options.latestReading,
      // 9.1.20 MeterValueSampleInterval: MeterValues during the transaction, and samples for its StopTransaction.
      periodic: [{ intervalS: () => configuration.getInt('MeterValueSampleInterval'), from: 'sampling-start', onSample: (id, reading) => this.periodicSample(id, reading) }],
      // 9.1.5 ClockAlignedDataInterval: values at every interval boundary counted from midnight.
      aligned: [{ intervalS: () => configuration.getInt('ClockAlignedDataInterval'), onBoundary: (boundary) => void this.sendAligned(boundary.toISOString()) }],
    });
  }

  /** Plans the aligned values, and goes on sampling the transactions found running at start. */
  start(): void {
    this.restartSamplers();
    this.sampling.schedule();
  }

  /** MeterValueSampleInterval changed: every running transaction samples at the new interval. */
  restartSamplers(): void {
    for (const [id, tx] of this.transactions.all) this.sampling.start(id, tx);
  }

  stop(): void {
    this.sampling.stopAll();
    this.transactions.stop();
  }

  csmsTransactionId(transactionId: string): number | undefined {
    return this.csmsIds.get(transactionId);
  }

  /** The local transaction behind a transactionId the Central System assigned. */
  localTransactionId(csmsTransactionId: number): string | undefined {
    return [...this.csmsIds.entries()].find(([, v]) => v === csmsTransactionId)?.[0];
  }

  /** A transaction is ending or running on the connector (its final reading may still be on the way). */
  runsOn(connectorId16: number): boolean {
    return this.transactions.find((tx) => tx.state.connectorId16 === connectorId16) !== undefined;
  }

  /** The Central System has not yet answered the StopTransaction of a transaction of the connector. */
  stopUndeliveredOn(connectorId16: number): boolean {
    return [...this.stopsUndelivered.values()].includes(connectorId16);
  }

  /** The core's transaction event as 1.6 messages; for an end, the connector it ended on. */
  onTransactionEvent(e: TransactionEvent): number | undefined {
    const snapshot = e.transaction;
    const fresh = (): Transaction16 => {
      const connectorId = snapshot.connectorId ?? this.options.station.evse(e.evseId)?.connectors[0]?.connectorId ?? 1;
      return { connectorId16: this.options.numbering.toOcpp16(e.evseId, connectorId), stopSamples: [] };
    };
    const tx = this.transactions.track(snapshot, e.evseId, fresh, e.type === 'TransactionStarted');
    const at = this.options.clock.iso(e.timestamp);
    switch (e.type) {
      case 'TransactionStarted':
        if (!snapshot.idToken) {
          this.options.log.error(`transaction ${snapshot.id} started without an id tag: 1.6 cannot report it`);
          return undefined;
        }
        if (e.reading) tx.state.stopSamples.push(...this.sample(e.reading, 'StopTxnSampledData', 'Transaction.Begin', at));
        // Signed as it is taken (kept in storage.dir), sent with the stop.
        this.options.signedReadings?.ofEvent(e);
        this.transactions.enqueue(tx, 'StartTransaction', startTransactionRequest(tx.state.connectorId16, snapshot.idToken.idToken, snapshot.meterStartWh, at, snapshot.reservationId), 'start');
        this.sampling.start(tx.id, tx);
        return undefined;
      case 'TransactionUpdated':
        // 1.6 has no message for the changes of a running transaction: its statuses say it.
        return undefined;
      case 'TransactionEnded': {
        this.sampling.stop(tx.id);
        if (e.reading) tx.state.stopSamples.push(...this.sample(e.reading, 'StopTxnSampledData', 'Transaction.End', at));
        tx.state.stopSamples.push(...this.signedStartAndEnd(e, at));
        const idTag = e.trigger === 'StopAuthorized' ? (e.idToken ?? snapshot.idToken)?.idToken : undefined;
        const reason = reason16(e.stoppedReason, this.options.resetType());
        const request = stopTransactionRequest(snapshot.meterStopWh ?? snapshot.meterStartWh, at, reason, idTag, tx.state.stopSamples);
        this.stopsUndelivered.set(tx.id, tx.state.connectorId16);
        this.saveStopsUndelivered();
        this.transactions.enqueue(tx, 'StopTransaction', request, 'end');
        this.transactions.ended(tx.id);
        return tx.state.connectorId16;
      }
    }
  }

  /**
   * App note 3.1.4: the start's and the end's signed values in the StopTransaction's
   * transactionData, Transaction.Begin and Transaction.End, each its own OCMF document, while
   * SampledDataSignReadings (3.3.3) is true; the public key with them as PublicKeyWithSignedMeterValue
   * (3.3.2) says: with each, with the first only, or never.
   */
  private signedStartAndEnd(e: TransactionEvent & { type: 'TransactionEnded' }, at: string): MeterValue16[] {
    const signed = this.options.signedReadings;
    const { configuration } = this.options;
    if (!signed || (configuration.has('SampledDataSignReadings') && !configuration.getBool('SampledDataSignReadings'))) return [];
    const withKey = configuration.has('PublicKeyWithSignedMeterValue') ? publicKeyWithSignedMeterValue(configuration.getString('PublicKeyWithSignedMeterValue')) : 'EveryMeterValue';
    const keyWith = (index: number): boolean => withKey === 'EveryMeterValue' || (withKey === 'OncePerTransaction' && index === 0);
    const values: MeterValue16[] = [];
    const start = signed.start(e.transaction.id);
    if (start) values.push(signedMeterValue16(start, 'Transaction.Begin', this.options.clock.iso(e.transaction.startedAt), keyWith(values.length)));
    const end = signed.ofEvent(e);
    if (end) values.push(signedMeterValue16(end, 'Transaction.End', at, keyWith(values.length)));
    return values;
  }

  private measurands(key: string): string[] {
    return this.options.configuration.has(key) ? this.options.configuration.getList(key) : [];
  }

  private sample(reading: MeterReading, key: string, context: ReadingContext16, timestamp: string): MeterValue16[] {
    const v = meterValue16(reading, this.measurands(key), context, timestamp);
    return v ? [v] : [];
  }

  private periodicSample(txId: string, reading: MeterReading): void {
    const tx = this.transactions.get(txId);
    if (!tx) return;
    const at = this.options.clock.iso(reading.timestamp);
    const values = this.sample(reading, 'MeterValuesSampledData', 'Sample.Periodic', at);
    if (values.length > 0) this.transactions.enqueue(tx, 'MeterValues', meterValuesRequest(tx.state.connectorId16, values, 0), 'meter');
    tx.state.stopSamples.push(...this.sample(reading, 'StopTxnSampledData', 'Sample.Periodic', at));
    // StopTxnSampledDataMaxLength-like bound: intermediate samples go first.
    const kept = tx.state.stopSamples;
    if (kept.length > 500) tx.state.stopSamples = kept.filter((_, i) => i % 2 === 0 || i === kept.length - 1);
  }

  /**
   * The journal's messages still to send. A StartTransaction whose transaction already has the
   * Central System's id was answered just before the agent stopped: 1.6 has no seqNo by which a
   * Central System could recognise it again, so it is not sent twice (it would open a second
   * transaction there).
   */
  private stillToSend(pending: readonly StoredMessage[], journal: TransactionJournal): StoredMessage[] {
    const still: StoredMessage[] = [];
    for (const m of pending) {
      if (m.action === 'StartTransaction' && this.csmsIds.has(m.transactionId)) journal.remove(m.id, 'answered');
      else still.push(m);
    }
    return still;
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

  private onAnswer(message: QueuedMessage, answer: unknown): void | Promise<void> {
    const { localAuthorizer, log } = this.options;
    if (message.action === 'StartTransaction') {
      const response = answer as StartTransactionResponse;
      this.csmsIds.set(message.transactionId, response.transactionId);
      this.saveTransactionIds();
      // 4.8: the id is on disk before the StartTransaction leaves the journal, or a power cut between
      // the two would leave a StopTransaction with no id to carry.
      const idKept = this.options.store.written?.();
      const payload = message.payload as { idTag: string };
      localAuthorizer?.recordIdTokenInfo(idTokenOf(payload.idTag), authorizationFromIdTagInfo(response.idTagInfo));
      if (response.idTagInfo.status !== 'Accepted') {
        log.warning(`the Central System reports the id tag of transaction ${response.transactionId} ${response.idTagInfo.status}`);
        this.options.station.tokenRejected(message.transactionId);
      }
      return idKept;
    }
    if (message.action === 'StopTransaction') {
      const response = answer as { idTagInfo?: StartTransactionResponse['idTagInfo'] };
      const request = message.payload as StopTransactionRequest;
      if (request.idTag && response.idTagInfo) localAuthorizer?.recordIdTokenInfo(idTokenOf(request.idTag), authorizationFromIdTagInfo(response.idTagInfo));
    }
  }

  /** A transaction's last message is out: its id mapping is no longer needed. */
  private forgetIfEnded(message: QueuedMessage): void {
    if (message.action !== 'StopTransaction') return;
    if (this.csmsIds.delete(message.transactionId)) this.saveTransactionIds();
    // Its connector, Finishing while the stop was on its way, may show Available now.
    if (this.stopsUndelivered.delete(message.transactionId)) {
      this.saveStopsUndelivered();
      this.options.onStopDelivered();
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

  /** 9.1.5: the aligned values of each connector; inside a transaction, queued with it and kept for its stop. */
  private async sendAligned(timestamp: string): Promise<void> {
    const { numbering, registration } = this.options;
    for (const { n, evseId } of numbering.all) {
      const reading = this.options.latestReading(evseId);
      if (!reading) continue;
      const values = this.sample(reading, 'MeterValuesAlignedData', 'Sample.Clock', timestamp);
      const tx: RunningTransaction<Transaction16> | undefined = this.transactions.find((t) => t.state.connectorId16 === n);
      if (tx) {
        if (values.length > 0) this.transactions.enqueue(tx, 'MeterValues', meterValuesRequest(n, values, 0), 'meter');
        tx.state.stopSamples.push(...this.sample(reading, 'StopTxnAlignedData', 'Sample.Clock', timestamp));
        continue;
      }
      if (values.length === 0) continue;
      // One meter per EVSE: its values go once, with the EVSE's first connector.
      if (numbering.all.find((c) => c.evseId === evseId)?.n !== n) continue;
      try {
        await registration.send('MeterValues', meterValuesRequest(n, values));
      } catch (err) {
        this.options.log.debug(`aligned MeterValues for connector ${n} not sent: ${(err as Error).message}`);
      }
    }
  }

  /** A triggered MeterValues: the sampled measurands now, per connector. */
  async sendMeterValues(connectorId?: number): Promise<void> {
    for (const { n, evseId } of this.options.numbering.all) {
      if (connectorId !== undefined && n !== connectorId) continue;
      const reading = this.options.latestReading(evseId);
      if (!reading) continue;
      const values = this.sample(reading, 'MeterValuesSampledData', 'Trigger', this.options.clock.iso(reading.timestamp));
      if (values.length === 0) continue;
      const tx = this.transactions.find((t) => t.state.connectorId16 === n);
      const csmsId = tx ? this.csmsIds.get(tx.id) : undefined;
      await this.options.registration.send('MeterValues', meterValuesRequest(n, values, csmsId), true);
    }
  }
}
