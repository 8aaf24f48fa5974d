import type { OcppVersion } from '../../config/station-config.js';
import { jsonText } from '../../util/json-text.js';
import { MAX_ERROR_DESCRIPTION_LENGTH, truncateText, wireErrorCode, type RpcErrorCode } from './rpc-errors.js';

/**
 * OCPP-J framing (2.0.1 Part 4 §4, OCPP-J 1.6 §4): how a frame is read apart into its message
 * type and id, and how CALL, CALLRESULT and CALLERROR frames are written. No state, no socket.
 */

/** Message type numbers (Part 4 §4.1.3). */
export const CALL = 2;
export const CALLRESULT = 3;
export const CALLERROR = 4;

/** Message ids are string[36] (Part 4 §4.1.4 table 4; OCPP-J 1.6 §4.1.4 table 3). */
export const MAX_MESSAGE_ID_LENGTH = 36;
/** §4.2.3: the message id of a CALLERROR answering a message whose id cannot be read. */
export const UNREADABLE_MESSAGE_ID = '-1';
/** Frames longer than this are logged shortened. */
const MAX_LOGGED_FRAME_LENGTH = 4000;
/**
 * Frames naming these carry the CSMS password: 2.0.1 SetVariables of BasicAuthPassword (A01),
 * 1.6 ChangeConfiguration of AuthorizationKey (security whitepaper A01.FR.12); or a network
 * profile's APN or VPN password (B09 SetNetworkProfile). Never logged.
 */
const SECRET_BEARING = /BasicAuthPassword|AuthorizationKey|apnPassword|"vpn"\s*:/i;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isValidMessageId(id: unknown): id is string {
  // Characters are counted as code points, so an id of 36 non-ASCII characters is still valid.
  return typeof id === 'string' && (id.length <= MAX_MESSAGE_ID_LENGTH || Array.from(id).length <= MAX_MESSAGE_ID_LENGTH);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A frame read apart: a message with an integer type, or why it is not one (answered with the id given). */
export type ParsedFrame =
  | { ok: true; messageType: number; message: unknown[]; readableId: string }
  | { ok: false; answerId: string; description: string };

/** Reads a frame as far as its message type; never throws. */
export function parseFrame(frameText: string): ParsedFrame {
  let message: unknown;
  try {
    // V8 parses without recursion: a frame nested 1,000,000 levels deep parses (see util/json-text.ts).
    message = JSON.parse(frameText);
  } catch {
    return { ok: false, answerId: UNREADABLE_MESSAGE_ID, description: 'message is not valid JSON' };
  }
  if (!Array.isArray(message)) return { ok: false, answerId: UNREADABLE_MESSAGE_ID, description: 'message is not a JSON array' };
  if (message.length === 0) return { ok: false, answerId: UNREADABLE_MESSAGE_ID, description: 'message is an empty array' };
  const [messageType, messageId] = message as unknown[];
  const readableId = isValidMessageId(messageId) ? messageId : UNREADABLE_MESSAGE_ID;
  if (typeof messageType !== 'number' || !Number.isInteger(messageType)) {
    return { ok: false, answerId: readableId, description: 'first element must be a message type number' };
  }
  return { ok: true, messageType, message: message as unknown[], readableId };
}

export function callFrame(messageId: string, action: string, payloadText: string): string {
  return `[${CALL},${JSON.stringify(messageId)},${JSON.stringify(action)},${payloadText}]`;
}

export function callResultFrame(messageId: string, resultText: string): string {
  return `[${CALLRESULT},${JSON.stringify(messageId)},${resultText}]`;
}

/** A CALLERROR (§4.2.3): code spelled for the version, description of at most 255 characters, details an object. */
export function callErrorFrame(version: OcppVersion, messageId: string, code: RpcErrorCode, description: string, details: object = {}): string {
  const text = truncateText(description, MAX_ERROR_DESCRIPTION_LENGTH);
  let detailsText = '{}';
  try {
    if (isObject(details)) detailsText = jsonText(details);
  } catch {
    // Details the handler gave that cannot be serialised are dropped; the code still goes out.
  }
  const wireCode = wireErrorCode(version, code);
  return `[${CALLERROR},${JSON.stringify(messageId)},${JSON.stringify(wireCode)},${JSON.stringify(text)},${detailsText}]`;
}

/** The line a frame is logged as: shortened when long, hidden when it carries a password. */
export function frameLogLine(direction: '<-' | '->', frame: string): string {
  if (SECRET_BEARING.test(frame)) return `${direction} (frame of ${frame.length} characters with a password: not shown)`;
  const shown = frame.length > MAX_LOGGED_FRAME_LENGTH ? `${frame.slice(0, MAX_LOGGED_FRAME_LENGTH)}... (${frame.length} characters)` : frame;
  return `${direction} ${shown}`;
}
