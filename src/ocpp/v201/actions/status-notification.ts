import type { ConnectorStatusEnumType, StatusNotificationRequest } from 'ocpp-messages/v2.0/StatusNotificationRequest.js';
import type { ConnectorStatus } from '../../../station/types.js';

/** G01: a connector's status; the core's statuses are 2.0.1's ConnectorStatusEnumType. */
export function statusNotificationRequest(evseId: number, connectorId: number, status: ConnectorStatus, timestamp: string): StatusNotificationRequest {
  return { timestamp, connectorStatus: status satisfies ConnectorStatusEnumType, evseId, connectorId };
}
