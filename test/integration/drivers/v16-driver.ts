import type { MeterValuesRequest, ReserveNowResponse, StartTransactionRequest, StartTransactionResponse, StatusNotificationRequest, StopTransactionRequest } from 'ocpp-messages/v1.6/index.js';
import { callRecords, ID, until } from '../harness.js';
import { answerTo, inSeconds, meterValues16, sampled, setKey, startRig16, statuses16, stopTransactions, TAG, tag, waitForAccepted16 } from '../v16/rig.js';
import { RigDriver } from './rig-driver.js';
import {
  definedOnly,
  folded,
  type CommandStatus,
  type EndedTransaction,
  type ReserveRequest,
  type ServiceStatus,
  type StartedTransaction,
  type StationDriver,
  type StationOptions,
} from './station-driver.js';

/**
 * The OCPP 1.6J driver: an EVSE is addressed by its connector's number (connectors numbered
 * across the station, 0 the whole charge point); commands become RemoteStartTransaction,
 * ReserveNow, ChangeAvailability, Reset Hard; transactions are read from StartTransaction (with
 * the integer id of its answer) and StopTransaction; 1.6's finer statuses (Preparing, Charging,
 * SuspendedEV, SuspendedEVSE, Finishing) read as Occupied. 1.6 has no message for the end of a
 * reservation.
 */

const OCCUPIED_16 = new Set(['Preparing', 'Charging', 'SuspendedEV', 'SuspendedEVSE', 'Finishing']);

/** A 1.6 StatusNotification status in core terms. */
export function serviceStatus16(status: string): ServiceStatus {
  return (OCCUPIED_16.has(status) ? 'Occupied' : status) as ServiceStatus;
}

export class V16Driver extends RigDriver implements StationDriver {
  readonly version = '1.6' as const;
  protected readonly defaultToken = TAG;
  protected readonly words = { started: 'StartTransaction, answered', ended: 'StopTransaction' };
  protected waitForBootAccepted = waitForAccepted16;

  static async start(options: StationOptions = {}): Promise<V16Driver> {
    return new V16Driver(await startRig16(options));
  }

  /** The 1.6 connectorId of an EVSE's first connector (connectors are numbered across the station). */
  connectorOf(evseId: number): number {
    let n = 0;
    for (const evse of this.agent.config.evses) {
      if (evse.id === evseId) return n + 1;
      n += evse.connectors.length;
    }
    // An EVSE the station does not have: a connector number past its last, for the CSMS to ask about.
    return n + evseId;
  }
  private evseOf(connectorId: number): number {
    let n = 0;
    for (const evse of this.agent.config.evses) {
      if (connectorId <= n + evse.connectors.length) return evse.id;
      n += evse.connectors.length;
    }
    throw new Error(`no connector ${connectorId}`);
  }

  present(token: string, evseId = 1) {
    return this.agent.station.presentIdToken(evseId, tag(token));
  }
  /** Answered with transactionIds from 77 on (ids the tests can recognise) and the status; other tags Accepted. */
  answerTransactionStartWith(status: 'Invalid' | 'Blocked', token?: string): void {
    let transactionId = 77;
    this.csms.answer('StartTransaction', (payload) => ({
      transactionId: transactionId++,
      idTagInfo: { status: token === undefined || (payload as StartTransactionRequest).idTag === token ? status : 'Accepted' },
    }));
  }
  async setStopOnInvalidId(on: boolean): Promise<void> {
    await setKey(this.csms, 'StopTransactionOnInvalidId', String(on));
  }
  async setMaxEnergyOnInvalidId(wh: number): Promise<void> {
    await setKey(this.csms, 'MaxEnergyOnInvalidId', String(wh));
  }
  answerAuthorizeWithGroup(members: string | readonly string[], group: string): void {
    const inGroup = new Set(typeof members === 'string' ? [members] : members);
    this.csms.answer('Authorize', (payload) => {
      const idTag = (payload as { idTag: string }).idTag;
      return { idTagInfo: definedOnly({ status: 'Accepted', parentIdTag: inGroup.has(idTag) ? group : undefined }) };
    });
  }
  async setAuthorizeRemoteStart(on: boolean): Promise<void> {
    await setKey(this.csms, 'AuthorizeRemoteTxRequests', String(on));
  }
  async remoteStart(options: { token: string; evseId?: number }): Promise<CommandStatus> {
    const connectorId = options.evseId === undefined ? undefined : this.connectorOf(options.evseId);
    return (await this.csms.remoteStartTransaction(ID, definedOnly({ idTag: options.token, connectorId }))).status;
  }
  async remoteStop(transaction: StartedTransaction): Promise<CommandStatus> {
    return (await this.csms.remoteStopTransaction(ID, Number(transaction.csmsId))).status;
  }
  async reserve(r: ReserveRequest): Promise<CommandStatus> {
    const payload = definedOnly({
      connectorId: r.evseId === undefined ? 0 : this.connectorOf(r.evseId),
      expiryDate: inSeconds(r.expiresInS),
      idTag: r.token,
      reservationId: r.reservationId,
      parentIdTag: r.groupToken,
    });
    return ((await this.csms.call(ID, 'ReserveNow', payload)) as ReserveNowResponse).status;
  }
  async cancelReservation(reservationId: number): Promise<CommandStatus> {
    return ((await this.csms.call(ID, 'CancelReservation', { reservationId })) as { status: string }).status;
  }
  async changeAvailability(options: { evseId?: number; operative: boolean }): Promise<CommandStatus> {
    const connectorId = options.evseId === undefined ? 0 : this.connectorOf(options.evseId);
    return ((await this.csms.changeAvailability(ID, { connectorId, operative: options.operative })).response as { status: string }).status;
  }
  async resetNow(): Promise<CommandStatus> {
    return ((await this.csms.resetStation(ID, { type: 'Hard' })).response as { status: string }).status;
  }

  started(): StartedTransaction[] {
    const localIds = this.rig.events.flatMap((e) => (e.type === 'TransactionStarted' ? [e.transaction.id] : []));
    return callRecords<StartTransactionRequest>(this.csms, 'StartTransaction').flatMap((record, i) => {
      const answer = answerTo<StartTransactionResponse>(this.csms, record);
      if (!answer) return [];
      const s = record.payload;
      return [
        {
          csmsId: answer.transactionId,
          localId: localIds[i] ?? '',
          evseId: this.evseOf(s.connectorId),
          connectorId: s.connectorId,
          token: s.idTag,
          meterStartWh: s.meterStart,
          reservationId: s.reservationId,
          timestamp: s.timestamp,
        },
      ];
    });
  }
  ended(): EndedTransaction[] {
    return stopTransactions(this.csms).map((s: StopTransactionRequest) => ({
      csmsId: s.transactionId,
      reason: s.reason ?? 'Local',
      token: s.idTag,
      meterStopWh: s.meterStop,
    }));
  }
  energyDuring(transaction: StartedTransaction): number[] {
    const values: MeterValuesRequest['meterValue'] = meterValues16(this.csms, Number(transaction.csmsId)).flatMap((m) => m.meterValue);
    return ['Sample.Periodic', 'Sample.Clock', 'Trigger'].flatMap((context) => sampled(values, context));
  }
  /** The status last reported for connector 0, the whole charge point. */
  chargePointStatus(): string | undefined {
    return statuses16(this.csms, 0).at(-1)?.status;
  }
  /** The 1.6 statuses as sent, of an EVSE's connector. */
  wireStatuses(evseId = 1): string[] {
    return statuses16(this.csms, this.connectorOf(evseId)).map((s) => s.status);
  }
  /** The last StatusNotification of an EVSE's connector, as sent (with errorCode and info). */
  lastStatusNotification(evseId = 1): StatusNotificationRequest | undefined {
    return statuses16(this.csms, this.connectorOf(evseId)).at(-1);
  }
  statusSequence(evseId = 1): ServiceStatus[] {
    return folded(this.wireStatuses(evseId).map(serviceStatus16));
  }
  async waitForStatus(status: ServiceStatus, evseId = 1, timeoutMs = 5000): Promise<void> {
    await until(() => this.lastStatus(evseId) === status, timeoutMs, `connector ${this.connectorOf(evseId)} ${status} (so far: ${this.wireStatuses(evseId).join(', ')})`);
  }
  /** Waits until the 1.6 status last sent for an EVSE's connector is `status` (Preparing, Charging, Finishing, ...). */
  async waitForWireStatus(status: string, evseId = 1, timeoutMs = 5000): Promise<void> {
    await until(() => this.wireStatuses(evseId).at(-1) === status, timeoutMs, `connector ${this.connectorOf(evseId)} ${status} (so far: ${this.wireStatuses(evseId).join(', ')})`);
  }
  reservationEndReported(): boolean {
    return false;
  }
}
