import assert from 'node:assert/strict';
import type { ReserveNowResponse } from 'ocpp-messages/v2.0/ReserveNowResponse.js';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import { CARD, calls, ID, inSeconds, startRig, until, waitForAccepted } from '../harness.js';
import { statuses, txEvents } from '../v201/rig.js';
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
  type TokenType,
} from './station-driver.js';

/**
 * The OCPP 2.0.1 driver: commands become RequestStartTransaction, ReserveNow, ChangeAvailability
 * (by EVSE), Reset Immediate; transactions are read from TransactionEvent Started / Ended (the
 * energy register from their Transaction.Begin / .End values), statuses from StatusNotification
 * (connectorStatus is already in core terms), reservation ends from ReservationStatusUpdate.
 */

const ENERGY = 'Energy.Active.Import.Register';

/** The energy register (Wh) of a message's meter values of one context, NaN when it has none. */
function register(t: TransactionEventRequest, context?: string): number {
  const value = (t.meterValue ?? [])
    .flatMap((mv) => mv.sampledValue)
    .find((s) => (context === undefined || s.context === context) && (s.measurand ?? ENERGY) === ENERGY);
  return value === undefined ? NaN : value.value;
}

export class V201Driver extends RigDriver implements StationDriver {
  readonly version = '2.0.1' as const;
  protected readonly defaultToken = CARD.idToken;
  protected readonly words = { started: 'TransactionEvent Started', ended: 'TransactionEvent Ended' };
  protected waitForBootAccepted = waitForAccepted;

  static async start(options: StationOptions = {}): Promise<V201Driver> {
    return new V201Driver(await startRig(options));
  }

  present(token: string, evseId = 1, type: TokenType = 'ISO14443') {
    return this.agent.station.presentIdToken(evseId, { idToken: token, type });
  }
  answerTransactionStartWith(status: 'Invalid' | 'Blocked', token?: string): void {
    // The message that carries the idToken is the one whose answer judges it (E05).
    this.csms.answer('TransactionEvent', (payload) => {
      const idToken = (payload as TransactionEventRequest).idToken;
      return idToken && (token === undefined || idToken.idToken === token) ? { idTokenInfo: { status } } : {};
    });
  }
  async setStopOnInvalidId(on: boolean): Promise<void> {
    await this.setTxCtrlr('StopTxOnInvalidId', String(on));
  }
  async setMaxEnergyOnInvalidId(wh: number): Promise<void> {
    await this.setTxCtrlr('MaxEnergyOnInvalidId', String(wh));
  }
  private async setTxCtrlr(variable: string, value: string): Promise<void> {
    const set = await this.csms.setVariables(ID, [{ component: { name: 'TxCtrlr' }, variable: { name: variable }, attributeValue: value }]);
    assert.equal(set.setVariableResult[0]!.attributeStatus, 'Accepted', `TxCtrlr.${variable} = ${value}`);
  }
  answerAuthorizeWithGroup(members: string | readonly string[], group: string): void {
    const inGroup = new Set(typeof members === 'string' ? [members] : members);
    this.csms.answer('Authorize', (payload) => {
      const token = (payload as { idToken: { idToken: string } }).idToken.idToken;
      return { idTokenInfo: definedOnly({ status: 'Accepted', groupIdToken: inGroup.has(token) ? { idToken: group, type: 'Central' } : undefined }) };
    });
  }
  async remoteStart(options: { token: string; evseId?: number; tokenType?: TokenType; remoteStartId?: number }): Promise<CommandStatus> {
    const idToken = { idToken: options.token, type: options.tokenType ?? 'ISO14443' };
    return (await this.csms.requestStartTransaction(ID, definedOnly({ idToken, evseId: options.evseId, remoteStartId: options.remoteStartId }))).status;
  }
  async setAuthorizeRemoteStart(on: boolean): Promise<void> {
    const set = await this.csms.setVariables(ID, [{ component: { name: 'AuthCtrlr' }, variable: { name: 'AuthorizeRemoteStart' }, attributeValue: String(on) }]);
    assert.equal(set.setVariableResult[0]!.attributeStatus, 'Accepted');
  }
  async remoteStop(transaction: StartedTransaction): Promise<CommandStatus> {
    return (await this.csms.requestStopTransaction(ID, String(transaction.csmsId))).status;
  }
  async reserve(r: ReserveRequest): Promise<CommandStatus> {
    const payload = {
      id: r.reservationId,
      expiryDateTime: inSeconds(r.expiresInS),
      idToken: { idToken: r.token, type: 'ISO14443' },
      evseId: r.evseId,
      groupIdToken: r.groupToken === undefined ? undefined : { idToken: r.groupToken, type: 'Central' },
    };
    return ((await this.csms.call(ID, 'ReserveNow', definedOnly(payload))) as ReserveNowResponse).status;
  }
  async cancelReservation(reservationId: number): Promise<CommandStatus> {
    return ((await this.csms.call(ID, 'CancelReservation', { reservationId })) as { status: string }).status;
  }
  async changeAvailability(options: { evseId?: number; operative: boolean }): Promise<CommandStatus> {
    return ((await this.csms.changeAvailability(ID, options)).response as { status: string }).status;
  }
  async resetNow(): Promise<CommandStatus> {
    return ((await this.csms.resetStation(ID, { type: 'Immediate' })).response as { status: string }).status;
  }

  started(): StartedTransaction[] {
    const firstOfEach = new Map<string, TransactionEventRequest>();
    for (const t of txEvents(this.csms)) if (t.eventType === 'Started' && !firstOfEach.has(t.transactionInfo.transactionId)) firstOfEach.set(t.transactionInfo.transactionId, t);
    return [...firstOfEach.values()].map((t) => ({
      csmsId: t.transactionInfo.transactionId,
      // 2.0.1 sends the core's own transaction id.
      localId: t.transactionInfo.transactionId,
      evseId: t.evse!.id,
      connectorId: t.evse?.connectorId,
      token: t.idToken?.idToken,
      meterStartWh: register(t, 'Transaction.Begin'),
      reservationId: t.reservationId,
      timestamp: t.timestamp,
    }));
  }
  ended(): EndedTransaction[] {
    return txEvents(this.csms)
      .filter((t) => t.eventType === 'Ended')
      .map((t) => ({
        csmsId: t.transactionInfo.transactionId,
        reason: t.transactionInfo.stoppedReason ?? 'Local',
        token: t.idToken?.idToken,
        meterStopWh: register(t, 'Transaction.End'),
      }));
  }
  energyDuring(transaction: StartedTransaction): number[] {
    return txEvents(this.csms, String(transaction.csmsId))
      .filter((t) => t.eventType !== 'Ended')
      .flatMap((t) => (t.meterValue ?? []).flatMap((mv) => mv.sampledValue))
      .filter((s) => (s.measurand ?? ENERGY) === ENERGY)
      .map((s) => s.value);
  }
  wireStatuses(evseId = 1): string[] {
    return statuses(this.csms)
      .filter((s) => s.evseId === evseId && s.connectorId === 1)
      .map((s) => s.connectorStatus);
  }
  statusSequence(evseId = 1): ServiceStatus[] {
    return folded(this.wireStatuses(evseId) as ServiceStatus[]);
  }
  async waitForStatus(status: ServiceStatus, evseId = 1, timeoutMs = 5000): Promise<void> {
    await until(() => this.lastStatus(evseId) === status, timeoutMs, `EVSE ${evseId} ${status} (so far: ${this.statusSequence(evseId).join(', ')})`);
  }
  reservationEndReported(reservationId: number, reason: 'Expired' | 'Removed'): boolean {
    return calls<{ reservationId: number; reservationUpdateStatus: string }>(this.csms, 'ReservationStatusUpdate').some(
      (u) => u.reservationId === reservationId && u.reservationUpdateStatus === reason,
    );
  }
}
