import type { OcppVersion } from '../../config/station-config.js';
import { silentLogger, type Logger } from '../../process/logger.js';
import { systemClock } from '../../station/clock.js';
import { jsonText } from '../../util/json-text.js';
import { OcppSchemas } from './ocpp-schemas.js';
import { OutgoingCalls } from './outgoing-calls.js';
import type { CallContext, CallHandler, CallOptions, IncomingCallCheck, PendingState, RpcEndpointOptions } from './rpc-types.js';
import { CallErrorResponse, InvalidRequest, InvalidResponse, NotConnected, NoAnswer, RpcError, truncateText, type RpcErrorCode } from './rpc-errors.js';
import {
  CALL,
  CALLERROR,
  CALLRESULT,
  MAX_MESSAGE_ID_LENGTH,
  UNREADABLE_MESSAGE_ID,
  callErrorFrame,
  callResultFrame,
  errorText,
  frameLogLine,
  isObject,
  isValidMessageId,
  parseFrame,
} from './rpc-frames.js';

/**
 * The OCPP-J RPC framework for one WebSocket connection (2.0.1 Part 4 §4, OCPP-J 1.6 §4): frames
 * in, frames out, CALLs matched to their answers. It knows nothing of sockets: the transport hands
 * it each text frame and gives it a function to send one.
 */

export type { CallContext, CallHandler, CallOptions, IncomingCallCheck, PendingState, RpcEndpointOptions } from './rpc-types.js';

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
  private readonly calls: OutgoingCalls;
  /** Message ids of the peer's CALLs our handlers are working on. */
  private readonly handling = new Set<string>();
  /** The answers being worked on or written (see answersOut). */
  private readonly answering = new Set<Promise<void>>();
  private readonly holdLimitMs: () => number;
  private readonly onIncomingCall: (check: IncomingCallCheck) => void;
  private readonly beforeAnswer: (() => Promise<void>) | undefined;
  private closed = false;

  constructor(options: RpcEndpointOptions) {
    this.version = options.version;
    this.sendFrame = options.send;
    this.callTimeoutMs = options.callTimeoutMs;
    this.log = options.log ?? silentLogger;
    this.validating = options.validate ?? true;
    this.schemas = OcppSchemas.for(options.version);
    this.holdLimitMs = options.holdCallsWhileAnsweringMs ?? (() => 0);
    this.onIncomingCall = options.onIncomingCall ?? (() => undefined);
    this.beforeAnswer = options.beforeAnswer;
    this.calls = new OutgoingCalls({
      sendFrame: (frame) => {
        this.logFrame('->', frame);
        this.sendFrame(frame);
      },
      callTimeoutMs: options.callTimeoutMs,
      log: this.log,
      clock: options.clock ?? systemClock,
    });
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
      this.calls.enqueue({ action, payloadText, timeoutMs: options.timeoutMs, resolve, reject });
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
    this.calls.close();
  }

  get pending(): PendingState {
    const inFlight = this.calls.inFlight;
    return {
      inFlight: inFlight && { messageId: inFlight.messageId, action: inFlight.action },
      queued: this.calls.queuedActions,
      handling: [...this.handling],
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Incoming frames

  private dispatch(frameText: string, frameBytes: number): void {
    const frame = parseFrame(frameText);
    if (!frame.ok) {
      this.invalid(frame.answerId, undefined, 'RpcFrameworkError', frame.description);
      this.sendCallError(frame.answerId, 'RpcFrameworkError', frame.description);
      return;
    }
    const { messageType, message, readableId } = frame;
    switch (messageType) {
      case CALL:
        this.receiveCall(message, frameBytes);
        return;
      case CALLRESULT:
        this.receiveCallResult(message);
        return;
      case CALLERROR:
        this.receiveCallError(message);
        return;
      default:
        this.invalid(readableId, undefined, 'MessageTypeNotSupported', `message type ${messageType} is not supported`);
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
      this.refuseCall(UNREADABLE_MESSAGE_ID, undefined, 'RpcFrameworkError', `message id must be a string of at most ${MAX_MESSAGE_ID_LENGTH} characters`);
      return;
    }
    if (message.length !== 4) {
      // §4.2.1: a CALL always has 4 elements; anything else is not processed.
      this.refuseCall(messageId, typeof action === 'string' ? action : undefined, 'RpcFrameworkError', `a CALL has 4 elements, this one has ${message.length}`);
      return;
    }
    if (typeof action !== 'string') {
      this.refuseCall(messageId, undefined, 'RpcFrameworkError', 'action must be a string');
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
      this.refuseCall(messageId, truncateText(action, 60), 'NotImplemented', `${truncateText(action, 60)} is not an OCPP ${this.version} action`);
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
        this.refuseCall(messageId, action, check.code, check.description);
        return;
      }
    }
    this.onIncomingCall({ valid: true, action });
    this.handling.add(messageId);
    this.calls.hold(messageId, action, this.holdLimitMs());
    const answered = this.runHandler(handler, { action, messageId, frameBytes }, payload).finally(() => this.answering.delete(answered));
    this.answering.add(answered);
  }

  /**
   * Resolves once every CALL of the peer's taken so far is answered (the answer may wait for the
   * disk: beforeAnswer); undefined when none is. A reconnection waits for it, or would cut an answer off.
   */
  answersOut(): Promise<void> | undefined {
    return this.answering.size === 0 ? undefined : Promise.all(this.answering).then(() => undefined);
  }

  /** Runs a handler and answers with its result; the message id is free again once answered. */
  private async runHandler(handler: CallHandler, call: CallContext, payload: unknown): Promise<void> {
    const { action, messageId } = call;
    let answer: string | undefined;
    try {
      answer = await this.answerFor(handler, call, payload);
      await this.beforeAnswer?.();
    } catch (err) {
      this.log.error(`answering ${action} ${messageId} failed: ${errorText(err)}`);
      answer = this.callErrorFrame(messageId, 'InternalError', `${action} failed`);
    }
    this.handling.delete(messageId);
    if (answer === undefined) this.log.info(`${action} ${messageId} left unanswered, as the protocol requires`);
    else this.sendAnswer(answer);
    // The answer is written: what the handler set off may go now.
    this.calls.release(messageId);
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
    return callResultFrame(messageId, resultText);
  }

  private receiveCallResult(message: unknown[]): void {
    const call = this.calls.answeredBy(message, 'CALLRESULT');
    if (!call) return;
    if (message.length !== 3) {
      this.calls.settle(call, new InvalidResponse(call.action, 'RpcFrameworkError', `a CALLRESULT has 3 elements, this one has ${message.length}`));
      return;
    }
    const payload = message[2] === null ? {} : message[2];
    if (this.validating) {
      const check = this.schemas.validate(call.action, 'response', payload);
      if (!check.ok) {
        this.log.warning(`${call.action} response rejected: ${check.code}: ${check.description}`);
        this.calls.settle(call, new InvalidResponse(call.action, check.code, check.description));
        return;
      }
    } else if (!isObject(payload)) {
      this.calls.settle(call, new InvalidResponse(call.action, 'FormatViolation', 'payload must be a JSON object'));
      return;
    }
    this.calls.settle(call, undefined, payload);
  }

  private receiveCallError(message: unknown[]): void {
    const call = this.calls.answeredBy(message, 'CALLERROR');
    if (!call) return;
    const [, , errorCode, description, details] = message;
    if (message.length !== 5 || typeof errorCode !== 'string') {
      this.calls.settle(call, new InvalidResponse(call.action, 'RpcFrameworkError', 'malformed CALLERROR'));
      return;
    }
    // The code is what matters; a description or details of the wrong type are dropped, not fatal.
    const text = typeof description === 'string' ? description : '';
    this.calls.settle(call, new CallErrorResponse(call.action, errorCode, text, isObject(details) ? details : {}));
  }

  // ---------------------------------------------------------------------------------------------
  // Outgoing frames

  /** A frame that is not a valid OCPP message: told to onIncomingCall. */
  private invalid(messageId: string, action: string | undefined, code: RpcErrorCode, description: string): void {
    const check: IncomingCallCheck = { valid: false, messageId, code, description };
    if (action !== undefined) check.action = action;
    try {
      this.onIncomingCall(check);
    } catch (err) {
      this.log.error(`onIncomingCall failed: ${errorText(err)}`);
    }
  }

  /** A CALL that is not a valid OCPP message: told, and answered with its CALLERROR. */
  private refuseCall(messageId: string, action: string | undefined, code: RpcErrorCode, description: string): void {
    this.invalid(messageId, action, code, description);
    this.sendCallError(messageId, code, description);
  }

  private sendCallError(messageId: string, code: RpcErrorCode, description: string, details: object = {}): void {
    this.sendAnswer(this.callErrorFrame(messageId, code, description, details));
  }

  private callErrorFrame(messageId: string, code: RpcErrorCode, description: string, details: object = {}): string {
    return callErrorFrame(this.version, messageId, code, description, details);
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
    if (this.log.wants?.('debug') === false) return;
    this.log.debug(frameLogLine(direction, frame));
  }
}
