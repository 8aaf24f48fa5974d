import type { StartTransactionRequest } from 'ocpp-messages/v1.6/index.js';
import type { StopTransactionRequest, ReasonEnumType } from 'ocpp-messages/v1.6/StopTransaction.js';
import type { StopReason } from '../../../station/types.js';
import type { MeterValue16 } from './meter-values.js';

/** The core's stop reasons in 1.6's words (7.36); those 1.6 has no word for are Other. */
export function reason16(reason: StopReason, resetType?: 'Hard' | 'Soft'): ReasonEnumType {
  switch (reason) {
    case 'DeAuthorized':
    case 'EmergencyStop':
    case 'EVDisconnected':
    case 'Local':
    case 'PowerLoss':
    case 'Reboot':
    case 'Remote':
    case 'UnlockCommand': // 5.16: a transaction ended by UnlockConnector has its own reason in 1.6 (7.36), not Other.
      return reason;
    case 'ImmediateReset':
      return resetType === 'Soft' ? 'SoftReset' : 'HardReset';
    default:
      return 'Other';
  }
}

/** 5.x StartTransaction: the meter start in whole Wh, as 1.6 wants an integer. */
export function startTransactionRequest(
  connectorId: number,
  idTag: string,
  meterStartWh: number,
  timestamp: string,
  reservationId?: number,
): StartTransactionRequest {
  return { connectorId, idTag, meterStart: Math.round(meterStartWh), timestamp, reservationId };
}

/**
 * StopTransaction. The transactionId is the CSMS' and may not be known yet when queued: 0 stands
 * in, and the queue puts the real one in when it sends (see the adapter's prepare).
 */
export function stopTransactionRequest(
  meterStopWh: number,
  timestamp: string,
  reason: ReasonEnumType,
  idTag: string | undefined,
  transactionData: MeterValue16[],
): StopTransactionRequest {
  return {
    transactionId: 0,
    meterStop: Math.round(meterStopWh),
    timestamp,
    reason,
    idTag: idTag || undefined,
    transactionData: transactionData.length > 0 ? transactionData : undefined,
  };
}
