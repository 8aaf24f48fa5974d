import type { SecurityEventNotificationRequest } from 'ocpp-messages/v2.0/SecurityEventNotificationRequest.js';
import type { EncodedSecurityEvent, RecordedSecurityEvent, SecurityEventType } from '../../../services/security-events/index.js';

/** A04: a critical security event as the 2.0.1 message; the events themselves are the security-events service's. */

/** The schema's limit on techInfo. */
const TECH_INFO_MAX = 255;

export function securityEventNotificationRequest(type: SecurityEventType, timestamp: string, techInfo?: string): SecurityEventNotificationRequest {
  const request: SecurityEventNotificationRequest = { type, timestamp };
  if (techInfo) request.techInfo = techInfo.slice(0, TECH_INFO_MAX);
  return request;
}

/** The SecurityEventsOptions.encode of a 2.0.1 station. */
export function encodeSecurityEvent(event: RecordedSecurityEvent): EncodedSecurityEvent {
  return { action: 'SecurityEventNotification', payload: securityEventNotificationRequest(event.type, event.timestamp, event.techInfo) };
}
