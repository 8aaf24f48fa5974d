import { randomUUID } from 'node:crypto';
import type { OcppVersion } from '../../config/station-config.js';
import { silentLogger, type Logger } from '../../process/logger.js';
import { jsonText } from '../../util/json-text.js';
import { OcppSchemas } from './ocpp-schemas.js';
import {
  CallErrorResponse,
  CallTimeout,
  InvalidRequest,
  InvalidResponse,
  MAX_ERROR_DESCRIPTION_LENGTH,
  NotConnected,
  NoAnswer,
  RpcError,
  truncateText,
  wireErrorCode,
  type RpcErrorCode,
} from './rpc-errors.js';

/**
 * The OCPP-J RPC framework for one WebSocket connection (2.0.1 Part 4 §4, OCPP-J 1.6 §4): frames
 * in, frames out, CALLs matched to their answers. It knows nothing of sockets: the transport hands
 * it each text frame and gives it a function to send one.
 */

/** Message type numbers (Part 4 §4.1.3). */
const CALL = 2;
const CALLRESULT = 3;
const CALLERROR = 4;

/** Message ids are string[36] (Part 4 §4.1.4 table 4; OCPP-J 1.6 §4.1.4 table 3). */
const MAX_MESSAGE_ID_LENGTH = 36;
/** §4.2.3: the message id of a CALLERROR answering a message whose id cannot be read. */
const UNREADABLE_MESSAGE_ID = '-1';
/** Frames longer than this are logged shortened. */
const MAX_LOGGED_FRAME_LENGTH = 4000;
/**
 * Frames naming these carry the CSMS password: 2.0.1 SetVariables of BasicAuthPassword (A01),
 * 1.6 ChangeConfiguration of AuthorizationKey (security whitepaper A01.FR.12). Never logged.
 */
const SECRET_BEARING = /BasicAuthPassword|AuthorizationKey/i;

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
}

/** What is in progress, for tests and diagnostics. */
export interface PendingState {
  /** Our CALL awaiting its answer. */
  inFlight: { messageId: string; action: string } | undefined;
  /** Actions of our CALLs waiting for the one in flight to be answered, oldest first. */
  queued: string[];
  /** Message ids of the peer's CALLs our handlers are working on. */
  handling: string[];
}

interface OutgoingCall {
  action: string;
  /** The payload already serialised, as validated when call() was made. */
  payloadText: string;
  timeoutMs: number | undefined;
  resolve(payload: unknown): void;
  reject(error: Error): void;
}

interface InFlightCall extends OutgoingCall {
  messageId: string;
  timer: NodeJS.Timeout;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isValidMessageId(id: unknown): id is string {
  // Characters are counted as code points, so an id of 36 non-ASCII characters is still valid.
  return typeof id === 'string' && (id.length <= MAX_MESSAGE_ID_LENGTH || Array.from(id).length <= MAX_MESSAGE_ID_LENGTH);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Where the specs leave room, this endpoint decides:
 * - A frame that is not a CALL, CALLRESULT or CALLERROR at all (not JSON, not an array, empty,
 *   a first element that is not an integer) is answered with RpcFrameworkError, echoing the id
 *   only when element 1 is a valid id; an integer type other than 2, 3, 4 is MessageTypeNotSupported
 *   in 2.0.1 (§4.4) and ignored in 1.6 (§4.1.3).
 * - CALLRESULTs and CALLERRORs are never answered, malformed or not: the peer has nothing to match
 *   an answer to, and two endpoints answering each other's errors would never stop. A malformed
 *   one for the pending id fails that call with InvalidResponse; any other is logged and dropped.
 * - A null payload counts as {} (§4.1.5 allows it, while recommending {}).
 */
export class RpcEndpoint {
  readonly version: OcppVersion;
  private readonly sendFrame: (text: string) => void;
  private readonly callTimeoutMs: () => number;
  private readonly log: Logger;
  private readonly validating: boolean;
  private readonly schemas: OcppSchemas;
  private readonly handlers = new Map<string, CallHandler>();
  private readonly queue: OutgoingCall[] = [];
  private inFlight: InFlightCall | undefined;
  private readonly handling = new Set<string>();
  /** Peer CALLs whose answers our CALLs wait for, each with the timer that stops the wait. */
  private readonly holding = new Map<string, NodeJS.Timeout>();
  private readonly holdLimitMs: () => number;
  private closed = false;

  constructor(options: RpcEndpointOptions) {
    this.version = options.version;
    this.sendFrame = options.send;
    this.callTimeoutMs = options.callTimeoutMs;
    this.log = options.log ?? silentLogger;
    this.validating = options.validate ?? true;
    this.schemas = OcppSchemas.for(options.version);
    this.holdLimitMs = options.holdCallsWhileAnsweringMs ?? (() => 0);
  }

  /** Registers the handler of the peer's CALLs of `action`, replacing any earlier one. */
  handle(action: string, handler: CallHandler): void {
    if (this.validating && !this.schemas.actions.has(action)) {
      throw new Error(`${action} is not an OCPP ${this.version} action`);
    }
    this.handlers.set(action, handler);
  }

  /**
   * Sends a CALL and resolves with the peer's CALLRESULT payload, checked against the response
   * schema. Only one CALL is in flight at a time (§4.1.1); later ones wait their turn, in order.
   * Rejects with InvalidRequest (not sent), CallErrorResponse, CallTimeout, InvalidResponse or
   * NotConnected.
   */
  call(action: string, payload: object, options: CallOptions = {}): Promise<unknown> {
    if (this.closed) return Promise.reject(new NotConnected(action));
    if (this.validating) {
      const result = this.schemas.validate(action, 'request', payload);
      if (!result.ok) {
        this.log.error(`not sending ${action}: ${result.code}: ${result.description}`);
        return Promise.reject(new InvalidRequest(action, result.code, result.description));
      }
    }
    let payloadText: string;
    try {
      payloadText = jsonText(payload);
    } catch (err) {
      return Promise.reject(new InvalidRequest(action, 'FormatViolation', `payload cannot be serialised: ${errorText(err)}`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ action, payloadText, timeoutMs: options.timeoutMs, resolve, reject });
      this.sendNextCall();
    });
  }

  /**
   * Takes one text frame from the peer, `receivedBytes` long on the wire (default: its UTF-8
   * length). Never throws, whatever the frame holds.
   */
  receive(frameText: string, receivedBytes = Buffer.byteLength(frameText, 'utf8')): void {
    try {
      this.logFrame('<-', frameText);
      if (this.closed) {
        this.log.debug('frame after the connection was lost: ignored');
        return;
      }
      this.dispatch(frameText, receivedBytes);
    } catch (err) {
      // Only a bug of ours gets here; the peer must not be able to take the agent down.
      this.log.error(`receiving a frame failed: ${errorText(err)}`);
    }
  }

  /** The connection is gone: the CALL in flight and the queued ones fail with NotConnected. */
  connectionLost(): void {
    if (this.closed) return;
    this.closed = true;
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    if (inFlight) {
      clearTimeout(inFlight.timer);
      inFlight.reject(new NotConnected(inFlight.action));
    }
    for (const queued of this.queue.splice(0)) queued.reject(new NotConnected(queued.action));
    for (const timer of this.holding.values()) clearTimeout(timer);
    this.holding.clear();
  }

  get pending(): PendingState {
    return {
      inFlight: this.inFlight && { messageId: this.inFlight.messageId, action: this.inFlight.action },
      queued: this.queue.map((c) => c.action),
      handling: [...this.handling],
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Incoming frames

  private dispatch(frameText: string, frameBytes: number): void {
    let message: unknown;
    try {
      // V8 parses without recursion: a frame nested 1,000,000 levels deep parses (see util/json-text.ts).
      message = JSON.parse(frameText);
    } catch {
      this.sendCallError(UNREADABLE_MESSAGE_ID, 'RpcFrameworkError', 'message is not valid JSON');
      return;
    }
    if (!Array.isArray(message)) {
      this.sendCallError(UNREADABLE_MESSAGE_ID, 'RpcFrameworkError', 'message is not a JSON array');
      return;
    }
    if (message.length === 0) {
      this.sendCallError(UNREADABLE_MESSAGE_ID, 'RpcFrameworkError', 'message is an empty array');
      return;
    }
    const [messageType, messageId] = message as unknown[];
    const readableId = isValidMessageId(messageId) ? messageId : UNREADABLE_MESSAGE_ID;
    if (typeof messageType !== 'number' || !Number.isInteger(messageType)) {
      this.sendCallError(readableId, 'RpcFrameworkError', 'first element must be a message type number');
      return;
    }
    switch (messageType) {
      case CALL:
        this.receiveCall(message as unknown[], frameBytes);
        return;
      case CALLRESULT:
        this.receiveCallResult(message as unknown[]);
        return;
      case CALLERROR:
        this.receiveCallError(message as unknown[]);
        return;
      default:
        if (this.version === '1.6') {
          // OCPP-J 1.6 §4.1.3: a message type not in the table is ignored.
          this.log.warning(`message type ${messageType} is unknown: ignored`);
        } else {
          // Part 4 §4.4: answer so the sender can fall back to CALL, CALLRESULT and CALLERROR.
          this.sendCallError(readableId, 'MessageTypeNotSupported', `message type ${messageType} is not supported`);
        }
    }
  }

  private receiveCall(message: unknown[], frameBytes: number): void {
    const [, messageId, action, rawPayload] = message;
    if (!isValidMessageId(messageId)) {
      // §4.2.3: an id that cannot be read is not echoed; the answer carries "-1".
      this.sendCallError(UNREADABLE_MESSAGE_ID, 'RpcFrameworkError', `message id must be a string of at most ${MAX_MESSAGE_ID_LENGTH} characters`);
      return;
    }
    if (message.length !== 4) {
      // §4.2.1: a CALL always has 4 elements; anything else is not processed.
      this.sendCallError(messageId, 'RpcFrameworkError', `a CALL has 4 elements, this one has ${message.length}`);
      return;
    }
    if (typeof action !== 'string') {
      this.sendCallError(messageId, 'RpcFrameworkError', 'action must be a string');
      return;
    }
    if (this.handling.has(messageId)) {
      // §4.2.3: "an existing call with the same unique identifier is being handled already".
      this.sendCallError(messageId, 'RpcFrameworkError', 'a CALL with this message id is already being handled');
      return;
    }
    const handler = this.handlers.get(action);
    const known = this.schemas.actions.has(action);
    if (!known && (this.validating || !handler)) {
      this.sendCallError(messageId, 'NotImplemented', `${truncateText(action, 60)} is not an OCPP ${this.version} action`);
      return;
    }
    if (!handler) {
      this.sendCallError(messageId, 'NotSupported', `${action} is not supported`);
      return;
    }
    // §4.1.5 (1.6 §4.2.1 table 4): null is an allowed, if discouraged, notation for no payload.
    const payload = rawPayload === null ? {} : rawPayload;
    if (this.validating) {
      const check = this.schemas.validate(action, 'request', payload);
      if (!check.ok) {
        this.log.warning(`${action} ${messageId} rejected: ${check.code}: ${check.description}`);
        this.sendCallError(messageId, check.code, check.description);
        return;
      }
    }
    this.handling.add(messageId);
    this.holdCalls(messageId, action);
    void this.runHandler(handler, { action, messageId, frameBytes }, payload);
  }

  /** Runs a handler and answers with its result; the message id is free again once answered. */
  private async runHandler(handler: CallHandler, call: CallContext, payload: unknown): Promise<void> {
    const { action, messageId } = call;
    let answer: string | undefined;
    try {
      answer = await this.answerFor(handler, call, payload);
    } catch (err) {
      this.log.error(`answering ${action} ${messageId} failed: ${errorText(err)}`);
      answer = this.callErrorFrame(messageId, 'InternalError', `${action} failed`);
    }
    this.handling.delete(messageId);
    if (answer === undefined) this.log.info(`${action} ${messageId} left unanswered, as the protocol requires`);
    else this.sendAnswer(answer);
    // The answer is written: what the handler set off may go now.
    this.releaseCalls(messageId);
  }

  /** Our CALLs wait until the answer to this peer CALL is written (holdCallsWhileAnsweringMs). */
  private holdCalls(messageId: string, action: string): void {
    const limitMs = Math.min(this.holdLimitMs(), 2 ** 31 - 1);
    if (!(limitMs > 0)) return;
    const timer = setTimeout(() => {
      this.log.warning(`${action} ${messageId} still unanswered after ${limitMs} ms: our CALLs no longer wait for it`);
      this.releaseCalls(messageId);
    }, limitMs);
    this.holding.set(messageId, timer);
  }

  private releaseCalls(messageId: string): void {
    const timer = this.holding.get(messageId);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.holding.delete(messageId);
    this.sendNextCall();
  }

  /** The answer frame, or undefined when the handler must not answer (NoAnswer). */
  private async answerFor(handler: CallHandler, call: CallContext, payload: unknown): Promise<string | undefined> {
    const { action, messageId } = call;
    let result: object;
    try {
      result = await handler(payload, call);
    } catch (err) {
      if (err instanceof NoAnswer) return undefined;
      if (err instanceof RpcError) return this.callErrorFrame(messageId, err.code, err.description, err.details);
      this.log.error(`handler of ${action} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return this.callErrorFrame(messageId, 'InternalError', `${action} failed: ${errorText(err)}`);
    }
    if (this.validating) {
      const check = this.schemas.validate(action, 'response', result);
      if (!check.ok) {
        this.log.error(`handler of ${action} returned an invalid response: ${check.code}: ${check.description}`);
        return this.callErrorFrame(messageId, 'InternalError', `${action} produced an invalid response`);
      }
    }
    let resultText: string;
    try {
      // An answer may carry what the peer sent (a DataTransfer handler's echo), nested at any depth.
      resultText = jsonText(result);
    } catch (err) {
      this.log.error(`response of ${action} cannot be serialised: ${errorText(err)}`);
      return this.callErrorFrame(messageId, 'InternalError', `${action} produced an invalid response`);
    }
    return `[${CALLRESULT},${JSON.stringify(messageId)},${resultText}]`;
  }

  /** The pending CALL a CALLRESULT or CALLERROR answers, or undefined when it answers none. */
  private answeredCall(message: unknown[], kind: string): InFlightCall | undefined {
    const messageId = message[1];
    if (typeof messageId !== 'string') {
      this.log.warning(`${kind} without a readable message id: ignored`);
      return undefined;
    }
    if (this.inFlight?.messageId !== messageId) {
      // Never answered: a response to an unknown or timed-out CALL has nothing to match.
      this.log.warning(`${kind} for ${truncateText(messageId, 40)}, which is not a pending CALL (never sent or timed out): ignored`);
      return undefined;
    }
    return this.inFlight;
  }

  private receiveCallResult(message: unknown[]): void {
    const call = this.answeredCall(message, 'CALLRESULT');
    if (!call) return;
    if (message.length !== 3) {
      this.settle(call, new InvalidResponse(call.action, 'RpcFrameworkError', `a CALLRESULT has 3 elements, this one has ${message.length}`));
      return;
    }
    const payload = message[2] === null ? {} : message[2];
    if (this.validating) {
      const check = this.schemas.validate(call.action, 'response', payload);
      if (!check.ok) {
        this.log.warning(`${call.action} response rejected: ${check.code}: ${check.description}`);
        this.settle(call, new InvalidResponse(call.action, check.code, check.description));
        return;
      }
    } else if (!isObject(payload)) {
      this.settle(call, new InvalidResponse(call.action, 'FormatViolation', 'payload must be a JSON object'));
      return;
    }
    this.settle(call, undefined, payload);
  }

  private receiveCallError(message: unknown[]): void {
    const call = this.answeredCall(message, 'CALLERROR');
    if (!call) return;
    const [, , errorCode, description, details] = message;
    if (message.length !== 5 || typeof errorCode !== 'string') {
      this.settle(call, new InvalidResponse(call.action, 'RpcFrameworkError', 'malformed CALLERROR'));
      return;
    }
    // The code is what matters; a description or details of the wrong type are dropped, not fatal.
    const text = typeof description === 'string' ? description : '';
    this.settle(call, new CallErrorResponse(call.action, errorCode, text, isObject(details) ? details : {}));
  }

  // ---------------------------------------------------------------------------------------------
  // Outgoing frames

  private sendNextCall(): void {
    if (this.inFlight || this.closed || this.holding.size > 0) return;
    const next = this.queue.shift();
    if (!next) return;
    const messageId = randomUUID();
    // setTimeout takes at most 2^31-1 ms; anything larger would fire at once.
    const timeoutMs = Math.min(Math.max(next.timeoutMs ?? this.callTimeoutMs(), 1), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      if (this.inFlight?.messageId !== messageId) return;
      this.log.warning(`${next.action} ${messageId}: no answer within ${timeoutMs} ms`);
      this.settle(this.inFlight, new CallTimeout(next.action, timeoutMs));
    }, timeoutMs);
    const call: InFlightCall = { ...next, messageId, timer };
    this.inFlight = call;
    const frame = `[${CALL},${JSON.stringify(messageId)},${JSON.stringify(next.action)},${next.payloadText}]`;
    try {
      this.logFrame('->', frame);
      this.sendFrame(frame);
    } catch (err) {
      this.log.warning(`sending ${next.action} failed: ${errorText(err)}`);
      this.settle(call, new NotConnected(next.action));
    }
  }

  /** Ends the CALL in flight and lets the next queued one go. */
  private settle(call: InFlightCall, error: Error | undefined, payload?: unknown): void {
    if (this.inFlight !== call) return;
    clearTimeout(call.timer);
    this.inFlight = undefined;
    if (error) call.reject(error);
    else call.resolve(payload);
    this.sendNextCall();
  }

  private sendCallError(messageId: string, code: RpcErrorCode, description: string, details: object = {}): void {
    this.sendAnswer(this.callErrorFrame(messageId, code, description, details));
  }

  /** A CALLERROR (§4.2.3): code spelled for the version, description of at most 255 characters, details an object. */
  private callErrorFrame(messageId: string, code: RpcErrorCode, description: string, details: object = {}): string {
    const text = truncateText(description, MAX_ERROR_DESCRIPTION_LENGTH);
    let detailsText = '{}';
    try {
      if (isObject(details)) detailsText = jsonText(details);
    } catch {
      // Details the handler gave that cannot be serialised are dropped; the code still goes out.
    }
    const wireCode = wireErrorCode(this.version, code);
    return `[${CALLERROR},${JSON.stringify(messageId)},${JSON.stringify(wireCode)},${JSON.stringify(text)},${detailsText}]`;
  }

  private sendAnswer(frame: string): void {
    if (this.closed) {
      this.log.debug('answer dropped: the connection was lost');
      return;
    }
    this.logFrame('->', frame);
    try {
      this.sendFrame(frame);
    } catch (err) {
      this.log.warning(`sending an answer failed: ${errorText(err)}`);
    }
  }

  private logFrame(direction: '<-' | '->', frame: string): void {
    if (SECRET_BEARING.test(frame)) {
      this.log.debug(`${direction} (frame of ${frame.length} characters with a password: not shown)`);
      return;
    }
    const shown = frame.length > MAX_LOGGED_FRAME_LENGTH ? `${frame.slice(0, MAX_LOGGED_FRAME_LENGTH)}... (${frame.length} characters)` : frame;
    this.log.debug(`${direction} ${shown}`);
  }
}
