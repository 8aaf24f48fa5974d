import type { StatusNotificationRequest } from 'ocpp-messages/v1.6/index.js';
import type { Status16Report } from '../connector-status.js';

/** 4.9 StatusNotification; connectorId 0 is the station itself. */
export function statusNotificationRequest16(connectorId: number, report: Status16Report, timestamp: string): StatusNotificationRequest {
  return {
    connectorId,
    status: report.status,
    errorCode: report.errorCode,
    info: report.info ? report.info.slice(0, 50) : undefined,
    timestamp,
  };
}
