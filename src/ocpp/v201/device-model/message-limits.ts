import type { RpcErrorAnswer } from './variable-catalogue.js';

/** The station's own message limits (DeviceDataCtrlr ItemsPerMessage / BytesPerMessage), as a model reads them. */
export interface MessageLimits {
  limit(kind: 'ItemsPerMessage' | 'BytesPerMessage', message: 'GetReport' | 'GetVariables' | 'SetVariables'): number | undefined;
}

/**
 * B06.FR.16/17, B08.FR.17/18: a request over the station's limits is answered with a CALLERROR:
 * too many items OccurrenceConstraintViolation, too many bytes FormatViolation.
 */
export function overMessageLimits(model: MessageLimits, message: 'GetReport' | 'GetVariables' | 'SetVariables', items: number, bytes: number): RpcErrorAnswer | undefined {
  const maxItems = model.limit('ItemsPerMessage', message);
  if (maxItems !== undefined && items > maxItems) {
    return { rpcError: 'OccurrenceConstraintViolation', description: `${items} items, more than ItemsPerMessage[${message}] = ${maxItems}` };
  }
  const maxBytes = model.limit('BytesPerMessage', message);
  if (maxBytes !== undefined && bytes > maxBytes) {
    return { rpcError: 'FormatViolation', description: `${bytes} bytes, more than BytesPerMessage[${message}] = ${maxBytes}` };
  }
  return undefined;
}
