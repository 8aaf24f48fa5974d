import type { OcppVersion } from '../../config/station-config.js';
import type { Logger } from '../../process/logger.js';
import type { Clock } from '../../station/clock.js';
import type { RpcErrorCode } from './rpc-errors.js';

/** The RPC endpoint's types (rpc-endpoint.ts): what a handler gets and gives, the endpoint's options, what it reports. */

export interface CallContext {
  action: string;
  messageId: string;
  /**
   * The size of the CALL as received, in bytes: the whole frame, for limits on a message's size
   * (2.0.1 BytesPerMessage, B06.FR.17). Measured on the wire, never by serialising the payload again.
   */
  frameBytes: number;
}

/** Answers one incoming CALL with its response payload; throw RpcError to answer with a CALLERROR. */
export type CallHandler = (payload: unknown, ctx: CallContext) => Promise<object> | object;

export interface CallOptions {
  /** Overrides the endpoint's callTimeoutMs for this call. */
  timeoutMs?: number;
}

export interface RpcEndpointOptions {
  version: OcppVersion;
  /** Sends one text frame; throws when the connection cannot take it. */
  send(text: string): void;
  /** How long to wait for the answer to a CALL, read when the CALL is sent. */
  callTimeoutMs: () => number;
  log?: Logger;
  /** Validate payloads in and out against the version's schemas. Default true. */
  validate?: boolean;
  /**
   * Answer first, then act: while a handler works on the peer's CALL, our own CALLs wait, so that
   * whatever it set off (a TransactionEvent after RequestStartTransaction, a StatusNotification
   * after ChangeAvailability) goes out after its answer. For at most this many ms per handler,
   * read when the CALL arrives: a handler that awaited a CALL of its own would otherwise wait for
   * ever. Undefined or 0: CALLs are not held.
   */
  holdCallsWhileAnsweringMs?: () => number;
  /** Time for the call timeouts and holds; the system clock by default. */
  clock?: Clock;
  /** Told of each frame from the peer that is not a valid CALL, and of each valid one (the InvalidMessages security event). */
  onIncomingCall?: (check: IncomingCallCheck) => void;
  /**
   * Waited for before each answer goes out: what the handler wrote is on disk first, so that no
   * answer acknowledges what a power cut could still undo (issue 18, group commit).
   */
  beforeAnswer?: () => Promise<void>;
}

/**
 * What the endpoint made of an incoming frame, for the InvalidMessages security event: a valid
 * CALL (an OCPP action, its payload valid), or a frame that is not a valid OCPP message (not a
 * frame, an unknown message type, a malformed CALL, an unknown action, a payload its schema refuses).
 */
export type IncomingCallCheck = { valid: true; action: string } | { valid: false; messageId: string; action?: string; code: RpcErrorCode; description: string };

/** What is in progress, for tests and diagnostics. */
export interface PendingState {
  /** Our CALL awaiting its answer. */
  inFlight: { messageId: string; action: string } | undefined;
  /** Actions of our CALLs waiting for the one in flight to be answered, oldest first. */
  queued: string[];
  /** Message ids of the peer's CALLs our handlers are working on. */
  handling: string[];
}
