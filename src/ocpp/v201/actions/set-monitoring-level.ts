import type { SetMonitoringLevelRequest, SetMonitoringLevelResponse } from 'ocpp-messages/v2.0/index.js';
import type { VariableMonitoring } from '../../../services/monitoring/index.js';

/** N05 SetMonitoringLevel: events of monitors with a greater severity number are no longer sent (N05.FR.03); out of 0..9 Rejected (N05.FR.02). */
export const setMonitoringLevel = (monitoring: VariableMonitoring) => (payload: unknown): SetMonitoringLevelResponse => {
  const { severity } = payload as SetMonitoringLevelRequest;
  if (monitoring.setLevel(severity)) return { status: 'Accepted' };
  const outOfRange = !Number.isInteger(severity) || severity < 0 || severity > 9;
  return { status: 'Rejected', statusInfo: outOfRange ? { reasonCode: 'ValueOutOfRange', additionalInfo: 'severity is 0..9' } : { reasonCode: 'InternalError', additionalInfo: 'the level could not be stored' } };
};
