import type { SetVariableMonitoringRequest, SetVariableMonitoringResponse } from 'ocpp-messages/v2.0/index.js';
import type { SetMonitoringDataType } from 'ocpp-messages/v2.0/SetVariableMonitoringRequest.js';
import type { SetMonitoringResultType } from 'ocpp-messages/v2.0/SetVariableMonitoringResponse.js';
import type { VariableMonitoring } from '../../../services/monitoring/index.js';
import { RpcError } from '../../rpc/rpc-errors.js';
import type { DeviceModel } from '../device-model/device-model.js';
import { echoComponent, echoVariable, statusInfo } from '../device-model/variable-catalogue.js';
import { MONITORING_ITEMS_PER_MESSAGE } from '../device-model/monitoring-variables.js';
import { targetOf } from './monitor-events.js';

const NUMERIC = new Set(['integer', 'decimal']);

/** One SetMonitoringData: the device model says what the variable is, the service keeps the monitor. */
function setOne(deviceModel: DeviceModel, monitoring: VariableMonitoring, item: SetMonitoringDataType): SetMonitoringResultType {
  const base = { type: item.type, severity: item.severity, component: echoComponent(item.component), variable: echoVariable(item.variable) }; // N04.FR.02
  const withId = (result: SetMonitoringResultType): SetMonitoringResultType => (item.id === undefined || result.id !== undefined ? result : { ...result, id: item.id });
  const known = deviceModel.monitorable(item.component, item.variable);
  if ('unknown' in known) return withId({ ...base, status: known.unknown }); // N04.FR.03, N04.FR.04
  const threshold = item.type === 'UpperThreshold' || item.type === 'LowerThreshold';
  // A threshold compares numbers: on any other variable it is no monitor this station can run (N04.FR.05).
  if (threshold && !NUMERIC.has(known.dataType)) return withId({ ...base, status: 'UnsupportedMonitorType', statusInfo: statusInfo('UnsupportedParam', `${known.dataType} is no number`) });
  if (threshold && ((known.minLimit !== undefined && item.value < known.minLimit) || (known.maxLimit !== undefined && item.value > known.maxLimit))) {
    return withId({ ...base, status: 'Rejected', statusInfo: statusInfo('ValueOutOfRange', `outside ${known.minLimit ?? ''}..${known.maxLimit ?? ''}`) }); // N04.FR.06
  }
  const request = { target: targetOf(item.component, item.variable), type: item.type, value: item.value, severity: item.severity, transaction: item.transaction ?? false };
  const outcome = monitoring.set(item.id === undefined ? request : { ...request, id: item.id });
  if (outcome.status === 'Accepted') return { ...base, status: 'Accepted', id: outcome.id }; // N04.FR.08, N04.FR.11
  const result: SetMonitoringResultType = { ...base, status: outcome.status, statusInfo: statusInfo(outcome.status === 'Duplicate' ? 'Duplicate' : 'InvalidValue', outcome.reason) };
  return withId(outcome.id === undefined ? result : { ...result, id: outcome.id });
}

/** N04 SetVariableMonitoring: one result per item, in order (N04.FR.01). */
export const setVariableMonitoring = (deviceModel: DeviceModel, monitoring: VariableMonitoring) => (payload: unknown): SetVariableMonitoringResponse => {
  const request = payload as SetVariableMonitoringRequest;
  // N04.FR.09 binds the CSMS; answered as B06.FR.16 answers too many GetVariables items.
  if (request.setMonitoringData.length > MONITORING_ITEMS_PER_MESSAGE) {
    throw new RpcError('OccurrenceConstraintViolation', `more than ItemsPerMessage[SetVariableMonitoring] = ${MONITORING_ITEMS_PER_MESSAGE}`);
  }
  const [first, ...rest] = request.setMonitoringData.map((item) => setOne(deviceModel, monitoring, item));
  return { setMonitoringResult: [first!, ...rest] };
};
