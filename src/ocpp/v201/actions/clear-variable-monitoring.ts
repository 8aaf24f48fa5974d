import type { ClearVariableMonitoringRequest, ClearVariableMonitoringResponse } from 'ocpp-messages/v2.0/index.js';
import type { VariableMonitoring } from '../../../services/monitoring/index.js';
import { RpcError } from '../../rpc/rpc-errors.js';
import { MONITORING_ITEMS_PER_MESSAGE } from '../device-model/monitoring-variables.js';

/** N06 ClearVariableMonitoring: a result for every id (N06.FR.05): Accepted, NotFound (N06.FR.02), or Rejected when it could not be stored. */
export const clearVariableMonitoring = (monitoring: VariableMonitoring) => (payload: unknown): ClearVariableMonitoringResponse => {
  const request = payload as ClearVariableMonitoringRequest;
  if (request.id.length > MONITORING_ITEMS_PER_MESSAGE) {
    throw new RpcError('OccurrenceConstraintViolation', `more than ItemsPerMessage[ClearVariableMonitoring] = ${MONITORING_ITEMS_PER_MESSAGE}`); // N06.FR.06
  }
  const [first, ...rest] = request.id.map((id) => ({ id, status: monitoring.clear(id) }));
  return { clearMonitoringResult: [first!, ...rest] };
};
