import type { OcppVersion } from '../../config/station-config.js';

/**
 * The RPC framework's error codes, version neutral: 2.0.1 Part 4 §4.3 (table 8) names them.
 * OCPP-J 1.6 §4.2.3 (table 7) has most of them, some spelled differently and two missing;
 * wireErrorCode() says what goes on the wire for each version.
 */
export type RpcErrorCode =
  | 'FormatViolation'
  | 'GenericError'
  | 'InternalError'
  | 'MessageTypeNotSupported'
  | 'NotImplemented'
  | 'NotSupported'
  | 'OccurrenceConstraintViolation'
  | 'PropertyConstraintViolation'
  | 'ProtocolError'
  | 'RpcFrameworkError'
  | 'SecurityError'
  | 'TypeConstraintViolation';

/**
 * OCPP-J 1.6 spellings. The errata sheet (§5.1, §5.2) keeps `OccurenceConstraintViolation` and
 * `FormationViolation` as published ("do not fix"), so those are the 1.6 wire values.
 *
 * 1.6 has no RpcFrameworkError: a frame that is not a valid RPC message (unreadable or too long
 * message id, wrong element count, action not a string, an id already being handled) is answered
 * with FormationViolation, which 1.6 defines as "not conform the PDU structure".
 * 1.6 has no MessageTypeNotSupported either: a 1.6 receiver ignores unknown message types
 * (OCPP-J 1.6 §4.1.3), so the endpoint never sends it; should anything map it anyway, it becomes
 * GenericError ("any other error").
 */
const WIRE_CODES_1_6: Readonly<Record<RpcErrorCode, string>> = {
  FormatViolation: 'FormationViolation',
  GenericError: 'GenericError',
  InternalError: 'InternalError',
  MessageTypeNotSupported: 'GenericError',
  NotImplemented: 'NotImplemented',
  NotSupported: 'NotSupported',
  OccurrenceConstraintViolation: 'OccurenceConstraintViolation',
  PropertyConstraintViolation: 'PropertyConstraintViolation',
  ProtocolError: 'ProtocolError',
  RpcFrameworkError: 'FormationViolation',
  SecurityError: 'SecurityError',
  TypeConstraintViolation: 'TypeConstraintViolation',
};

/** The errorCode string a CALLERROR carries for `code` in `version`. */
export function wireErrorCode(version: OcppVersion, code: RpcErrorCode): string {
  return version === '1.6' ? WIRE_CODES_1_6[code] : code;
}

const NEUTRAL_CODES_2_0_1: ReadonlySet<string> = new Set<RpcErrorCode>(Object.keys(WIRE_CODES_1_6) as RpcErrorCode[]);
const NEUTRAL_BY_WIRE_1_6: ReadonlyMap<string, RpcErrorCode> = new Map([
  ['FormationViolation', 'FormatViolation'],
  ['GenericError', 'GenericError'],
  ['InternalError', 'InternalError'],
  ['NotImplemented', 'NotImplemented'],
  ['NotSupported', 'NotSupported'],
  ['OccurenceConstraintViolation', 'OccurrenceConstraintViolation'],
  ['PropertyConstraintViolation', 'PropertyConstraintViolation'],
  ['ProtocolError', 'ProtocolError'],
  ['SecurityError', 'SecurityError'],
  ['TypeConstraintViolation', 'TypeConstraintViolation'],
]);

/** A received errorCode read back as a neutral code; undefined when it is not one of the version's codes. */
export function neutralErrorCode(version: OcppVersion, wire: string): RpcErrorCode | undefined {
  if (version === '1.6') return NEUTRAL_BY_WIRE_1_6.get(wire);
  return NEUTRAL_CODES_2_0_1.has(wire) ? (wire as RpcErrorCode) : undefined;
}

/** CALLERROR errorDescription is string[255] (2.0.1 Part 4 §4.2.3, table 7). */
export const MAX_ERROR_DESCRIPTION_LENGTH = 255;

/** Shortens text to at most `max` characters (code points), never splitting a surrogate pair. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const codePoints = Array.from(text);
  if (codePoints.length <= max) return text;
  return `${codePoints.slice(0, Math.max(0, max - 3)).join('')}...`;
}

/**
 * Thrown by a CALL handler to answer with a CALLERROR of that code instead of a CALLRESULT.
 * The description goes to the peer (shortened to 255 characters), so it must not carry secrets.
 */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  readonly code: RpcErrorCode;
  readonly description: string;
  readonly details: object;

  constructor(code: RpcErrorCode, description = '', details: object = {}) {
    super(description ? `${code}: ${description}` : code);
    this.code = code;
    this.description = description;
    this.details = details;
  }
}

/**
 * Thrown by a CALL handler to leave the CALL unanswered, where the protocol forbids any answer
 * (OCPP 1.6 4.2: a rejected Charge Point does not respond to the Central System).
 */
export class NoAnswer extends Error {
  override readonly name = 'NoAnswer';
}

/** The peer answered our CALL with a CALLERROR. */
export class CallErrorResponse extends Error {
  override readonly name = 'CallErrorResponse';
  constructor(
    readonly action: string,
    /** As on the wire, in the connection's version's spelling (see neutralErrorCode). */
    readonly errorCode: string,
    readonly description: string,
    readonly details: object,
  ) {
    super(`${action} answered with CALLERROR ${errorCode}${description ? `: ${description}` : ''}`);
  }
}

/** No CALLRESULT or CALLERROR arrived in time (Part 4 §4.1.1); a late answer is ignored. */
export class CallTimeout extends Error {
  override readonly name = 'CallTimeout';
  constructor(
    readonly action: string,
    readonly timeoutMs: number,
  ) {
    super(`${action}: no answer within ${timeoutMs} ms`);
  }
}

/** There is no connection to send the CALL on, or it was lost before the answer came. */
export class NotConnected extends Error {
  override readonly name = 'NotConnected';
  constructor(readonly action: string) {
    super(`${action}: not connected to the CSMS`);
  }
}

/** The peer's answer to our CALL is malformed or fails the action's response schema. */
export class InvalidResponse extends Error {
  override readonly name = 'InvalidResponse';
  constructor(
    readonly action: string,
    readonly code: RpcErrorCode,
    readonly description: string,
  ) {
    super(`${action}: invalid response (${code}): ${description}`);
  }
}

/**
 * Our own CALL was not sent: its action is not one of the version's, or its payload fails the
 * request schema or cannot be serialised. A bug on our side, never the peer's.
 */
export class InvalidRequest extends Error {
  override readonly name = 'InvalidRequest';
  constructor(
    readonly action: string,
    readonly code: RpcErrorCode,
    readonly description: string,
  ) {
    super(`${action}: not sent, invalid request (${code}): ${description}`);
  }
}
