import type { MeterValueType, TransactionEventEnumType, TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import type { TransactionEvent } from '../../../station/events.js';
import { meterValue } from './meter-values.js';

/** Per transaction, what its messages have said so far. */
export interface TransactionMessageState {
  /** The next seqNo: 0 at start, one more per message (E01.FR.07, 1.3.2.1). */
  seqNo: number;
  /** Samples kept for the Ended message every TxEndedInterval (E06.FR.11). */
  endedSamples: MeterValueType[];
  /** The public key went with a signed value (PublicKeyWithSignedMeterValue OncePerTransaction). */
  publicKeySent?: boolean;
}

export interface MeasurandSettings {
  txStarted: readonly string[];
  txEnded: readonly string[];
}

const EVENT_TYPE: Record<TransactionEvent['type'], TransactionEventEnumType> = {
  TransactionStarted: 'Started',
  TransactionUpdated: 'Updated',
  TransactionEnded: 'Ended',
};

/**
 * E01-E07: a TransactionEventRequest from the core's event. Optional fields appear once, where
 * the spec puts them (Part 2 E 1.5): evse once the connector is known (E01.FR.16), idToken when
 * authorized or deauthorized (E03.FR.01), remoteStartId after a remote start (F02.FR.01),
 * chargingState when it changed (E02.FR.13), meter values at start and end (E01.FR.09, E06.FR.11).
 */
export function transactionEventRequest(
  e: TransactionEvent,
  state: TransactionMessageState,
  options: { offline: boolean; timestamp: (d: Date) => string; measurands: MeasurandSettings },
): TransactionEventRequest {
  const timestamp = options.timestamp(e.timestamp);
  const tx = e.transaction;
  const meterValues: MeterValueType[] = [];
  if (e.type === 'TransactionStarted' && e.reading) {
    const at = options.timestamp(e.reading.timestamp);
    const v = meterValue(e.reading, options.measurands.txStarted, 'Transaction.Begin', at);
    if (v) meterValues.push(v);
    // E06.FR.11 (Part 2 E06 remark): Ended carries TxEndedMeasurands taken at the start too, then
    // every TxEndedInterval, then at the end. Kept with the transaction's journaled state.
    const begin = meterValue(e.reading, options.measurands.txEnded, 'Transaction.Begin', at);
    if (begin) state.endedSamples = [begin, ...state.endedSamples];
  }
  if (e.type === 'TransactionEnded') {
    meterValues.push(...state.endedSamples);
    if (e.reading) {
      const v = meterValue(e.reading, options.measurands.txEnded, 'Transaction.End', options.timestamp(e.reading.timestamp));
      if (v) meterValues.push(v);
    }
  }
  const showEvse = e.type === 'TransactionStarted' || e.connectorId !== undefined;
  const chargingState = e.type === 'TransactionStarted' ? (e.chargingState ?? tx.chargingState) : e.chargingState;
  const request: TransactionEventRequest = {
    eventType: EVENT_TYPE[e.type],
    timestamp,
    triggerReason: e.trigger,
    seqNo: state.seqNo,
    offline: options.offline ? true : undefined,
    transactionInfo: {
      transactionId: tx.id,
      chargingState,
      // 2.0.1 has no UnlockCommand reason (only the trigger): Other.
      stoppedReason: e.type === 'TransactionEnded' ? (e.stoppedReason === 'UnlockCommand' ? 'Other' : e.stoppedReason) : undefined,
      remoteStartId: e.remoteStartId,
    },
    idToken: e.idToken ? { idToken: e.idToken.idToken, type: e.idToken.type } : undefined,
    // E01.FR.13 / H01.FR.15: the reservation the transaction used.
    reservationId: e.reservationId,
    evse: showEvse ? { id: e.evseId, connectorId: e.connectorId ?? tx.connectorId } : undefined,
    meterValue: meterValues[0] ? [meterValues[0], ...meterValues.slice(1)] : undefined,
  };
  state.seqNo++;
  return request;
}

/** An Updated message carrying meter values only: periodic (J02.FR.11), clock-aligned (J01.FR.22) or triggered (F06). */
export function meterValueUpdate(
  transactionId: string,
  trigger: 'MeterValuePeriodic' | 'MeterValueClock' | 'Trigger',
  value: MeterValueType,
  state: TransactionMessageState,
  options: { offline: boolean; timestamp: string; evseId?: number },
): TransactionEventRequest {
  const request: TransactionEventRequest = {
    eventType: 'Updated',
    timestamp: options.timestamp,
    triggerReason: trigger,
    seqNo: state.seqNo,
    offline: options.offline ? true : undefined,
    transactionInfo: { transactionId },
    evse: options.evseId !== undefined ? { id: options.evseId } : undefined,
    meterValue: [value],
  };
  state.seqNo++;
  return request;
}
