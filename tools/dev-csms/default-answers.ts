import type { OcppVersion } from '../../src/config/station-config.js';

/**
 * What the development CSMS answers when a test has not programmed otherwise: a valid, accepting
 * answer to every message a station sends, per version. Every answer here passes the official
 * response schema (the tests check each one).
 */

export type AuthorizationStatus = 'Accepted' | 'Blocked' | 'Invalid';
export type BootStatus = 'Accepted' | 'Pending' | 'Rejected';

/** How soon a station whose boot was Pending or Rejected is asked to try again, in seconds. */
export const BOOT_RETRY_INTERVAL_S = 10;

export interface DefaultAnswerContext {
  /** BootNotification interval, in seconds. */
  heartbeatIntervalS(): number;
  /** How the station's BootNotification is answered (default Accepted). */
  bootStatus?(): BootStatus;
  /** How an id token (2.0.1) or idTag (1.6) is judged. */
  authorize(idToken: string): AuthorizationStatus;
  /** The next 1.6 transaction id, taken when StartTransaction is answered. */
  nextTransactionId(): number;
  now(): Date;
}

/** 2.0.1 messages from a station whose answer carries nothing. */
const EMPTY_ANSWERS_2_0_1 = new Set([
  'StatusNotification',
  'MeterValues',
  'NotifyReport',
  'NotifyEvent',
  'NotifyMonitoringReport',
  'SecurityEventNotification',
  'FirmwareStatusNotification',
  'PublishFirmwareStatusNotification',
  'LogStatusNotification',
  'NotifyChargingLimit',
  'ClearedChargingLimit',
  'ReportChargingProfiles',
  'NotifyDisplayMessages',
  'NotifyCustomerInformation',
  'ReservationStatusUpdate',
]);

/** 1.6 messages from a charge point whose answer carries nothing. */
// The security whitepaper's notifications are answered empty too (its LogStatusNotification, SignedFirmwareStatusNotification, SecurityEventNotification).
const EMPTY_ANSWERS_1_6 = new Set(['StatusNotification', 'MeterValues', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification', 'LogStatusNotification', 'SignedFirmwareStatusNotification', 'SecurityEventNotification']);

function field(payload: unknown, ...keys: string[]): unknown {
  let current = payload;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Accepted with the heartbeat interval; Pending or Rejected with the interval to try again after. */
function bootAnswer(ctx: DefaultAnswerContext): object {
  const status = ctx.bootStatus?.() ?? 'Accepted';
  return { status, interval: status === 'Accepted' ? ctx.heartbeatIntervalS() : BOOT_RETRY_INTERVAL_S, currentTime: ctx.now().toISOString() };
}

function answer201(action: string, payload: unknown, ctx: DefaultAnswerContext): object | undefined {
  if (EMPTY_ANSWERS_2_0_1.has(action)) return {};
  switch (action) {
    case 'BootNotification':
      return bootAnswer(ctx);
    case 'Heartbeat':
      return { currentTime: ctx.now().toISOString() };
    case 'Authorize':
      return { idTokenInfo: { status: ctx.authorize(String(field(payload, 'idToken', 'idToken'))) } };
    case 'TransactionEvent': {
      // idTokenInfo answers an idToken (E01.FR.06) and only then.
      const idToken = field(payload, 'idToken', 'idToken');
      return typeof idToken === 'string' ? { idTokenInfo: { status: ctx.authorize(idToken) } } : {};
    }
    case 'DataTransfer':
      return { status: 'UnknownVendorId' };
    case 'NotifyEVChargingNeeds':
    case 'NotifyEVChargingSchedule':
      return { status: 'Accepted' };
    default:
      return undefined;
  }
}

function answer16(action: string, payload: unknown, ctx: DefaultAnswerContext): object | undefined {
  if (EMPTY_ANSWERS_1_6.has(action)) return {};
  switch (action) {
    case 'BootNotification':
      return bootAnswer(ctx);
    case 'Heartbeat':
      return { currentTime: ctx.now().toISOString() };
    case 'Authorize':
      return { idTagInfo: { status: ctx.authorize(String(field(payload, 'idTag'))) } };
    case 'StartTransaction':
      // A transaction id even for a refused idTag: the charge point then stops it (1.6 §4.8).
      return { transactionId: ctx.nextTransactionId(), idTagInfo: { status: ctx.authorize(String(field(payload, 'idTag'))) } };
    case 'StopTransaction': {
      const idTag = field(payload, 'idTag');
      return typeof idTag === 'string' ? { idTagInfo: { status: ctx.authorize(idTag) } } : {};
    }
    case 'DataTransfer':
      return { status: 'UnknownVendorId' };
    default:
      return undefined;
  }
}

/** The default answer to a station's request, or undefined when this CSMS does not take the action. */
export function defaultAnswer(version: OcppVersion, action: string, payload: unknown, ctx: DefaultAnswerContext): object | undefined {
  return version === '2.0.1' ? answer201(action, payload, ctx) : answer16(action, payload, ctx);
}
