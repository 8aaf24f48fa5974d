import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ChangeAvailabilityResponse as ChangeAvailabilityResponse16 } from 'ocpp-messages/v1.6/ChangeAvailabilityResponse.js';
import type { ChangeConfigurationResponse } from 'ocpp-messages/v1.6/ChangeConfigurationResponse.js';
import type { GetConfigurationResponse } from 'ocpp-messages/v1.6/GetConfigurationResponse.js';
import type { RemoteStartTransactionRequest } from 'ocpp-messages/v1.6/RemoteStartTransaction.js';
import type { RemoteStartTransactionResponse } from 'ocpp-messages/v1.6/RemoteStartTransactionResponse.js';
import type { RemoteStopTransactionResponse } from 'ocpp-messages/v1.6/RemoteStopTransactionResponse.js';
import type { ResetResponse as ResetResponse16 } from 'ocpp-messages/v1.6/ResetResponse.js';
import type { TriggerMessageResponse as TriggerMessageResponse16 } from 'ocpp-messages/v1.6/TriggerMessageResponse.js';
import type { UnlockConnectorResponse as UnlockConnectorResponse16 } from 'ocpp-messages/v1.6/UnlockConnectorResponse.js';
import type { ChangeAvailabilityResponse as ChangeAvailabilityResponse201 } from 'ocpp-messages/v2.0/ChangeAvailabilityResponse.js';
import type { GetBaseReportRequest } from 'ocpp-messages/v2.0/GetBaseReportRequest.js';
import type { GetBaseReportResponse } from 'ocpp-messages/v2.0/GetBaseReportResponse.js';
import type { GetVariablesRequest } from 'ocpp-messages/v2.0/GetVariablesRequest.js';
import type { GetVariablesResponse } from 'ocpp-messages/v2.0/GetVariablesResponse.js';
import type { IdTokenEnumType, IdTokenType, RequestStartTransactionRequest } from 'ocpp-messages/v2.0/RequestStartTransactionRequest.js';
import type { RequestStartTransactionResponse } from 'ocpp-messages/v2.0/RequestStartTransactionResponse.js';
import type { RequestStopTransactionResponse } from 'ocpp-messages/v2.0/RequestStopTransactionResponse.js';
import type { ResetResponse as ResetResponse201 } from 'ocpp-messages/v2.0/ResetResponse.js';
import type { SetVariablesRequest } from 'ocpp-messages/v2.0/SetVariablesRequest.js';
import type { SetVariablesResponse } from 'ocpp-messages/v2.0/SetVariablesResponse.js';
import type { TriggerMessageResponse as TriggerMessageResponse201 } from 'ocpp-messages/v2.0/TriggerMessageResponse.js';
import type { UnlockConnectorResponse as UnlockConnectorResponse201 } from 'ocpp-messages/v2.0/UnlockConnectorResponse.js';
import { filter, firstValueFrom, Subject, throwError, timeout } from 'rxjs';
import WebSocket, { WebSocketServer } from 'ws';
import type { OcppVersion } from '../config/station-config.js';
import { OcppSchemas } from '../ocpp/rpc/ocpp-schemas.js';
import { RpcEndpoint, type CallOptions } from '../ocpp/rpc/rpc-endpoint.js';
import { CallTimeout, NotConnected, RpcError, type RpcErrorCode } from '../ocpp/rpc/rpc-errors.js';
import { frameByteLength, frameText, OCPP_SUBPROTOCOLS } from '../ocpp/transport/ocpp-websocket.js';
import { silentLogger, type Logger } from '../service/logger.js';
import { defaultAnswer, type AuthorizationStatus, type BootStatus, type DefaultAnswerContext } from './default-answers.js';
import { callErrorLine, callLine, resultLine, type Direction } from './message-lines.js';
import { StationModel, type StationState } from './station-state.js';

/**
 * The development CSMS: OCPP-J over WebSocket on loopback, for developers running the agent and
 * for the integration tests. Every connection gets an RpcEndpoint with schema validation on, so
 * what a station sends is checked against the official schemas and malformed messages get the
 * CALLERROR the spec asks for. It answers everything a station sends with valid, accepting
 * answers unless a test programs otherwise, records every message, keeps a state view per
 * station, and sends commands.
 */

export type { Direction } from './message-lines.js';
export type { BootInfo, ConnectorStatus, StationState, TransactionView } from './station-state.js';

export interface DevCsmsOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** The OCPP-J endpoint's path; stations connect to <path>/<identity>. Default /ocpp. */
  path?: string;
  /** The versions accepted, most preferred first. Default 2.0.1, then 1.6. */
  versions?: OcppVersion[];
  /** Gets one info line per message and connection; a printing logger shows the traffic. */
  log?: Logger;
  /** Passwords by identity: when set, HTTP Basic auth is required (security profile 1) and 401 answered otherwise. */
  basicAuth?: Readonly<Record<string, string>>;
  /** How long a command to a station waits for its answer. Default 30 s. */
  messageTimeoutMs?: number;
  /** The interval answered to BootNotification, in seconds. Default 300. */
  heartbeatIntervalS?: number;
  /** Id tokens (2.0.1) or idTags (1.6) answered Blocked, and Invalid. Everything else is Accepted. */
  blockedIdTokens?: readonly string[];
  invalidIdTokens?: readonly string[];
  /** Station identities whose BootNotification is answered Rejected, and Pending. Everyone else is Accepted. */
  rejectedBoots?: readonly string[];
  pendingBoots?: readonly string[];
  /** Messages kept per station; the oldest go first. Default 10000. */
  maxMessagesPerStation?: number;
}

export type MessageKind = 'call' | 'callResult' | 'callError' | 'unreadable';

export interface CallErrorInfo {
  code: string;
  description: string;
  details: unknown;
}

/** One frame on a station's connection. */
export interface MessageRecord<P = unknown> {
  /** Increasing over all stations: the order frames were seen in. */
  seq: number;
  identity: string;
  direction: Direction;
  kind: MessageKind;
  messageId: string | undefined;
  /** A CALL's action; for an answer, the action of the CALL it answers (undefined when that is unknown). */
  action: string | undefined;
  /** A CALL's or CALLRESULT's payload as received, a CALLERROR's CallErrorInfo, an unreadable frame's text. */
  payload: P;
  error?: CallErrorInfo;
  at: Date;
}

export interface ConnectionEvent {
  type: 'connected' | 'disconnected' | 'refused';
  /** Undefined when the path names none. */
  identity: string | undefined;
  at: Date;
  /** The agreed subprotocol (connected, disconnected). */
  subprotocol?: string;
  /** What the station offered. */
  offered: string[];
  /** Whether an Authorization header came: the password itself is never recorded. */
  authorization: boolean;
  /** refused: the HTTP status answered (or 101 when the handshake completed without a subprotocol). */
  status?: number;
  /** disconnected: the close code. */
  code?: number;
  reason?: string;
}

/** What tests and answers see of a station. */
export interface DevCsmsStation {
  readonly identity: string;
  /** The OCPP version of the current connection, else of the last one. */
  readonly version: OcppVersion;
  readonly connected: boolean;
  readonly subprotocol: string;
  /** Every frame both ways, oldest first. */
  readonly messages: readonly MessageRecord[];
  /** The CALLERRORs both ways. */
  readonly callErrors: readonly MessageRecord[];
  /** connected and disconnected events. */
  readonly connections: readonly ConnectionEvent[];
  state(): StationState;
}

/** Which recorded CALLs waitFor takes; the payload is as received, typed as the test expects. */
export type MessagePredicate<P> = (payload: P, record: MessageRecord<P>) => boolean;

/** Answers one request of a station with a response payload; throw RpcError to answer with a CALLERROR. */
export type AnswerFn = (payload: unknown, station: DevCsmsStation) => object | Promise<object>;

export interface CommandResult<R = unknown> {
  action: string;
  request: object;
  response: R;
}

export type DevCsmsErrorKind = 'unknownStation' | 'wrongVersion' | 'badRequest' | 'conflict';

/** A command that cannot be sent as asked: no such station, the wrong version, or missing details. */
export class DevCsmsError extends Error {
  override readonly name = 'DevCsmsError';
  constructor(
    readonly kind: DevCsmsErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** The idToken (2.0.1, type Central) and idTag (1.6) of remote starts that name none. */
export const DEV_ID_TOKEN = 'DEV-CSMS';
export const DEFAULT_DEV_CSMS_PORT = 9220;
const DEFAULT_PATH = '/ocpp';
const DEFAULT_HEARTBEAT_INTERVAL_S = 300;
const DEFAULT_MESSAGE_TIMEOUT_MS = 30_000;
const DEFAULT_WAIT_MS = 5000;
const DEFAULT_MAX_MESSAGES = 10_000;
const MAX_CONNECTION_EVENTS = 1000;
/** Action names of CALLs awaiting their answer, per connection; more means answers never came. */
const MAX_REMEMBERED_CALLS = 1000;
const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
const CLOSE_TIMEOUT_MS = 1000;

const CALL = 2;
const CALLRESULT = 3;
const CALLERROR = 4;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Ready-made answers for `csms.answer(action, ...)`. */
export const answers = {
  /** BootNotification with this status and interval (Pending and Rejected: when to try again). */
  boot:
    (status: 'Accepted' | 'Pending' | 'Rejected', intervalS: number): AnswerFn =>
    () => ({ status, interval: intervalS, currentTime: new Date().toISOString() }),
  /** Authorize with this status, in the version's shape (2.0.1 idTokenInfo, 1.6 idTagInfo). */
  authorize:
    (status: string): AnswerFn =>
    (_payload, station) => (station.version === '2.0.1' ? { idTokenInfo: { status } } : { idTagInfo: { status } }),
  /** A CALLERROR, its code spelled for the connection's version. */
  callError:
    (code: RpcErrorCode, description = 'answer programmed by the test'): AnswerFn =>
    () => {
      throw new RpcError(code, description);
    },
  /** Never answers: for the station's timeouts. */
  never: (): AnswerFn => () => new Promise<never>(() => undefined),
  /** Answers after ms, with a fixed payload or another answer. */
  delayed:
    (ms: number, answer: AnswerFn | object): AnswerFn =>
    async (payload, station) => {
      await sleep(ms);
      return typeof answer === 'function' ? (answer as AnswerFn)(payload, station) : answer;
    },
};

interface Connection {
  socket: WebSocket;
  endpoint: RpcEndpoint;
  version: OcppVersion;
  subprotocol: string;
  offered: string[];
  authorization: boolean;
  /** Actions of CALLs by message id, to name their answers: the CSMS' own, the station's. */
  csmsCalls: Map<string, string>;
  stationCalls: Map<string, string>;
}

class StationRecord implements DevCsmsStation {
  readonly messages: MessageRecord[] = [];
  readonly connections: ConnectionEvent[] = [];
  readonly model = new StationModel();
  connection: Connection | undefined;
  connectedAt: Date | undefined;
  disconnectedAt: Date | undefined;

  constructor(
    readonly identity: string,
    public version: OcppVersion,
    public subprotocol: string,
  ) {}

  get connected(): boolean {
    return this.connection !== undefined;
  }

  get callErrors(): MessageRecord[] {
    return this.messages.filter((m) => m.kind === 'callError');
  }

  state(): StationState {
    return this.model.view(this.identity, this.version, {
      connected: this.connected,
      ...(this.connectedAt ? { connectedAt: this.connectedAt } : {}),
      ...(this.disconnectedAt ? { disconnectedAt: this.disconnectedAt } : {}),
    });
  }
}

function versionOfSubprotocol(subprotocol: string): OcppVersion | undefined {
  return (Object.keys(OCPP_SUBPROTOCOLS) as OcppVersion[]).find((v) => OCPP_SUBPROTOCOLS[v] === subprotocol);
}

function offeredSubprotocols(request: http.IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  return header ? header.split(',').map((p) => p.trim()).filter(Boolean) : [];
}

function remember(map: Map<string, string>, messageId: string, action: string): void {
  map.set(messageId, action);
  if (map.size > MAX_REMEMBERED_CALLS) map.delete(map.keys().next().value!);
}

function take(map: Map<string, string>, messageId: string | undefined): string | undefined {
  if (messageId === undefined) return undefined;
  const action = map.get(messageId);
  map.delete(messageId);
  return action;
}

/** Warnings of the endpoint (a rejected CALL, a timeout) repeat what the message lines say: kept for debug. */
function endpointLogger(log: Logger): Logger {
  return {
    debug: (m) => log.debug(m),
    info: (m) => log.info(m),
    notice: (m) => log.notice(m),
    warning: (m) => log.debug(m),
    error: (m) => log.error(m),
    child: (scope) => endpointLogger(log.child(scope)),
  };
}

/**
 * Why this Authorization header does not let `identity` in, or undefined when it does. The
 * username is the identity (A00.FR.204). A 1.6 AuthorizationKey travels as the octets of its
 * hexadecimal form (OCPP-J 1.6 §6.2.2) while 2.0.1 sends the text, so a hexadecimal password
 * matches either way.
 */
export function basicAuthProblem(passwords: Readonly<Record<string, string>>, identity: string, header: string | undefined): string | undefined {
  if (header === undefined) return 'no Authorization header';
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!match) return 'the Authorization header is not Basic credentials';
  const decoded = Buffer.from(match[1]!, 'base64');
  const colon = decoded.indexOf(0x3a);
  if (colon < 0) return 'the Basic credentials have no ":"';
  if (decoded.subarray(0, colon).toString('utf8') !== identity) return 'the username is not the station identity';
  const expected = Object.hasOwn(passwords, identity) ? passwords[identity] : undefined;
  if (expected === undefined) return 'no password is set for this station';
  const given = decoded.subarray(colon + 1);
  const forms = [Buffer.from(expected, 'utf8')];
  if (/^(?:[0-9a-fA-F]{2})+$/.test(expected)) forms.push(Buffer.from(expected, 'hex'));
  return forms.some((form) => form.length === given.length && timingSafeEqual(form, given)) ? undefined : 'wrong password';
}

/** An HTTP error answer to an upgrade request, on the raw socket. */
function refuseUpgrade(socket: Duplex, status: number, headers: Record<string, string> = {}): void {
  const text = http.STATUS_CODES[status] ?? '';
  const body = `${status} ${text}\n`;
  const lines = [
    `HTTP/1.1 ${status} ${text}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

function closeSocket(socket: WebSocket, code: number, reason: string): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.terminate(), CLOSE_TIMEOUT_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.close(code, reason);
  });
}

export class DevCsms {
  /** Every recorded frame, as it is seen. */
  readonly messages$ = new Subject<MessageRecord>();
  /** Connections made, lost and refused. */
  readonly connections$ = new Subject<ConnectionEvent>();
  /** The latest connection events of every kind, refusals included, oldest first. */
  readonly connectionEvents: ConnectionEvent[] = [];
  /** The default answers' settings; tests may change them, reset() restores them. */
  heartbeatIntervalS: number;
  readonly blockedIdTokens: Set<string>;
  readonly invalidIdTokens: Set<string>;
  /** Identities whose boot is answered Rejected, and Pending (Rejected wins when in both). */
  readonly rejectedBoots: Set<string>;
  readonly pendingBoots: Set<string>;

  private readonly options: DevCsmsOptions;
  private readonly host: string;
  private readonly path: string;
  private readonly versions: OcppVersion[];
  private readonly log: Logger;
  private readonly messageTimeoutMs: number;
  private readonly maxMessages: number;
  private readonly overrides = new Map<string, AnswerFn>();
  private readonly stationRecords = new Map<string, StationRecord>();
  private readonly answerContext: DefaultAnswerContext;
  private server: http.Server | undefined;
  private wss: WebSocketServer | undefined;
  private boundPort: number | undefined;
  private seq = 0;
  private nextTransactionId = 1;
  private nextRemoteStartId = 1;
  private nextRequestId = 1;

  constructor(options: DevCsmsOptions) {
    this.options = options;
    this.host = options.host ?? '127.0.0.1';
    const path = `/${(options.path ?? DEFAULT_PATH).replace(/^\/+|\/+$/g, '')}`;
    this.path = path;
    this.versions = options.versions && options.versions.length > 0 ? [...options.versions] : ['2.0.1', '1.6'];
    this.log = options.log ?? silentLogger;
    this.messageTimeoutMs = options.messageTimeoutMs ?? DEFAULT_MESSAGE_TIMEOUT_MS;
    this.maxMessages = options.maxMessagesPerStation ?? DEFAULT_MAX_MESSAGES;
    this.heartbeatIntervalS = options.heartbeatIntervalS ?? DEFAULT_HEARTBEAT_INTERVAL_S;
    this.blockedIdTokens = new Set(options.blockedIdTokens);
    this.invalidIdTokens = new Set(options.invalidIdTokens);
    this.rejectedBoots = new Set(options.rejectedBoots);
    this.pendingBoots = new Set(options.pendingBoots);
    this.answerContext = {
      heartbeatIntervalS: () => this.heartbeatIntervalS,
      authorize: (idToken) => this.authorizationOf(idToken),
      nextTransactionId: () => this.nextTransactionId++,
      now: () => new Date(),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /** Listens; resolves with the port (the one picked when the options said 0). */
  async start(): Promise<{ port: number }> {
    if (this.server) throw new Error('the development CSMS is already started');
    const server = http.createServer((_request, response) => {
      response.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket', Connection: 'Upgrade' });
      response.end(`OCPP-J endpoint: connect a WebSocket to ${this.path}/<identity>\n`);
    });
    const wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (offered) => this.pickSubprotocol(offered),
      maxPayload: MAX_PAYLOAD_BYTES,
      // Invalid UTF-8 is read as U+FFFD by frameText(), as the agent does, rather than dropping the connection.
      skipUTF8Validation: true,
    });
    server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(request, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error(`server error: ${err.message}`));
    this.server = server;
    this.wss = wss;
    this.boundPort = (server.address() as AddressInfo).port;
    return { port: this.boundPort };
  }

  /** Closes every connection (1001, going away) and stops listening. */
  async stop(): Promise<void> {
    const { server, wss } = this;
    if (!server || !wss) return;
    this.server = undefined;
    this.wss = undefined;
    await Promise.all([...wss.clients].map((socket) => closeSocket(socket, 1001, 'the CSMS is stopping')));
    wss.close();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  get port(): number {
    if (this.boundPort === undefined) throw new Error('the development CSMS is not started');
    return this.boundPort;
  }

  /** The OCPP-J endpoint URL to configure in a station (ocpp.url); the identity goes after it. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `ws://${host}:${this.port}${this.path === '/' ? '' : this.path}`;
  }

  // ---------------------------------------------------------------------------------------------
  // Programming the answers

  /**
   * Answers the stations' `action` with `answer` from now on, instead of the default: a function
   * of the request (throw RpcError for a CALLERROR, never resolve to stay silent), or a fixed
   * payload. See `answers` for ready-made ones. State views follow whatever is answered.
   */
  answer(action: string, answer: AnswerFn | object): void {
    if (!this.versions.some((v) => OcppSchemas.for(v).actions.has(action))) {
      throw new Error(`${action} is not an action of OCPP ${this.versions.join(' or ')}`);
    }
    this.overrides.set(action, typeof answer === 'function' ? (answer as AnswerFn) : () => answer);
  }

  /** Back to the default answers and settings. Recorded messages and station states stay. */
  reset(): void {
    this.overrides.clear();
    this.heartbeatIntervalS = this.options.heartbeatIntervalS ?? DEFAULT_HEARTBEAT_INTERVAL_S;
    this.blockedIdTokens.clear();
    this.invalidIdTokens.clear();
    for (const t of this.options.blockedIdTokens ?? []) this.blockedIdTokens.add(t);
    for (const t of this.options.invalidIdTokens ?? []) this.invalidIdTokens.add(t);
    this.rejectedBoots.clear();
    this.pendingBoots.clear();
    for (const t of this.options.rejectedBoots ?? []) this.rejectedBoots.add(t);
    for (const t of this.options.pendingBoots ?? []) this.pendingBoots.add(t);
  }

  /** Forgets the recorded messages of one station, or of all. */
  clearMessages(identity?: string): void {
    for (const station of this.stationRecords.values()) {
      if (identity === undefined || station.identity === identity) station.messages.length = 0;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // What happened

  station(identity: string): DevCsmsStation | undefined {
    return this.stationRecords.get(identity);
  }

  /** Every station that ever connected, in the order they first did. */
  stations(): DevCsmsStation[] {
    return [...this.stationRecords.values()];
  }

  /**
   * Resolves with the first CALL of `action` from the station that matches, including the ones
   * already recorded; rejects after timeoutMs. A predicate that throws does not match.
   */
  waitFor<P = unknown>(identity: string, action: string, predicate?: MessagePredicate<P>, timeoutMs = DEFAULT_WAIT_MS): Promise<MessageRecord<P>> {
    const matches = this.callMatcher(identity, action, predicate);
    const seen = this.stationRecords.get(identity)?.messages.find(matches);
    if (seen) return Promise.resolve(seen);
    return this.nextMessage(identity, action, matches, timeoutMs);
  }

  /** Like waitFor, but only for CALLs arriving from now on. */
  waitForNext<P = unknown>(identity: string, action: string, predicate?: MessagePredicate<P>, timeoutMs = DEFAULT_WAIT_MS): Promise<MessageRecord<P>> {
    return this.nextMessage(identity, action, this.callMatcher(identity, action, predicate), timeoutMs);
  }

  /** Resolves when the station is connected (at once if it is). */
  async waitForConnection(identity: string, timeoutMs = DEFAULT_WAIT_MS): Promise<DevCsmsStation> {
    const now = this.stationRecords.get(identity);
    if (now?.connected) return now;
    await firstValueFrom(
      this.connections$.pipe(
        filter((e) => e.type === 'connected' && e.identity === identity),
        timeout({ first: timeoutMs, with: () => throwError(() => new Error(`${identity} did not connect within ${timeoutMs} ms`)) }),
      ),
    );
    return this.stationRecords.get(identity)!;
  }

  // ---------------------------------------------------------------------------------------------
  // Commands

  /**
   * Sends a CALL to the station and resolves with its CALLRESULT payload, checked against the
   * response schema. One CALL is in flight per connection; others wait their turn. Rejects with
   * DevCsmsError (unknown station), NotConnected, InvalidRequest (payload fails the schema),
   * CallErrorResponse, CallTimeout or InvalidResponse.
   */
  async call(identity: string, action: string, payload: object, options?: CallOptions): Promise<unknown> {
    const station = this.requireStation(identity);
    const connection = station.connection;
    if (!connection) throw new NotConnected(action);
    try {
      return await connection.endpoint.call(action, payload, options);
    } catch (err) {
      if (err instanceof CallTimeout) this.log.info(`${identity} -> no answer to ${action} within ${err.timeoutMs} ms`);
      throw err;
    }
  }

  /**
   * Sends one text frame to the station exactly as given, past the RPC layer and its schema
   * checks: for testing how a station answers unknown actions, invalid payloads and frames that
   * are not OCPP-J at all. The frame is recorded like any other (a CALL's answer is then named by
   * its action); the station's answer is recorded but matches no pending call. Resolves once the
   * frame is written. Rejects with DevCsmsError (unknown station) or NotConnected.
   */
  async sendRaw(identity: string, text: string): Promise<void> {
    const station = this.requireStation(identity);
    const connection = station.connection;
    if (!connection || connection.socket.readyState !== WebSocket.OPEN) throw new NotConnected('(raw frame)');
    this.recordFrame(station, connection, 'toStation', text);
    await new Promise<void>((resolve, reject) => connection.socket.send(text, (err) => (err ? reject(err) : resolve())));
  }

  /** Starts charging the version's way: 2.0.1 RequestStartTransaction, 1.6 RemoteStartTransaction. */
  async remoteStart(
    identity: string,
    options: { evseId?: number; connectorId?: number; idToken?: string; idTokenType?: IdTokenEnumType } = {},
  ): Promise<CommandResult<RequestStartTransactionResponse | RemoteStartTransactionResponse>> {
    if (this.requireStation(identity).version === '2.0.1') {
      if (options.connectorId !== undefined && options.evseId === undefined) {
        throw new DevCsmsError('badRequest', 'OCPP 2.0.1 starts on an EVSE: give evseId, not connectorId');
      }
      const request = this.requestStartPayload({
        ...(options.evseId !== undefined ? { evseId: options.evseId } : {}),
        idToken: { idToken: options.idToken ?? DEV_ID_TOKEN, type: options.idTokenType ?? 'Central' },
      });
      return this.command(identity, 'RequestStartTransaction', request);
    }
    const connectorId = options.connectorId ?? options.evseId;
    const request = { idTag: options.idToken ?? DEV_ID_TOKEN, ...(connectorId !== undefined ? { connectorId } : {}) };
    return this.command(identity, 'RemoteStartTransaction', request);
  }

  /**
   * Stops a transaction the version's way: 2.0.1 RequestStopTransaction, 1.6
   * RemoteStopTransaction. Without a transactionId, the station's one running transaction.
   */
  async remoteStop(
    identity: string,
    options: { transactionId?: string | number } = {},
  ): Promise<CommandResult<RequestStopTransactionResponse | RemoteStopTransactionResponse>> {
    const station = this.requireStation(identity);
    let transactionId = options.transactionId;
    if (transactionId === undefined) {
      const running = station.model.running();
      if (running.length === 0) throw new DevCsmsError('conflict', `${identity} has no running transaction`);
      if (running.length > 1) {
        throw new DevCsmsError('badRequest', `${identity} has ${running.length} running transactions (${running.map((t) => t.transactionId).join(', ')}): give transactionId`);
      }
      transactionId = running[0]!.transactionId;
    }
    if (station.version === '2.0.1') return this.command(identity, 'RequestStopTransaction', { transactionId: this.knownTransactionId(station, String(transactionId)) });
    const id = typeof transactionId === 'number' ? transactionId : /^-?\d+$/.test(transactionId.trim()) ? Number(transactionId) : NaN;
    if (!Number.isSafeInteger(id)) {
      throw new DevCsmsError(
        'badRequest',
        `an OCPP 1.6 transactionId is an integer, the one this CSMS gave in StartTransaction (GET /stations/${identity}; the station's /api/status shows it as csmsTransactionId), got ${JSON.stringify(transactionId)}`,
      );
    }
    return this.command(identity, 'RemoteStopTransaction', { transactionId: id });
  }

  /** 2.0.1 ChangeAvailability of the station, an EVSE or a connector; 1.6 of a connector (0 or none: the charge point). */
  async changeAvailability(
    identity: string,
    options: { evseId?: number; connectorId?: number; operative: boolean },
  ): Promise<CommandResult<ChangeAvailabilityResponse201 | ChangeAvailabilityResponse16>> {
    const status = options.operative ? 'Operative' : 'Inoperative';
    if (this.requireStation(identity).version === '2.0.1') {
      return this.command(identity, 'ChangeAvailability', { operationalStatus: status, ...this.evse201(options) });
    }
    return this.command(identity, 'ChangeAvailability', { connectorId: options.connectorId ?? options.evseId ?? 0, type: status });
  }

  /** TriggerMessage of `message` (a MessageTriggerEnumType of the version), optionally for one EVSE or connector. */
  async triggerMessage(
    identity: string,
    options: { message: string; evseId?: number; connectorId?: number },
  ): Promise<CommandResult<TriggerMessageResponse201 | TriggerMessageResponse16>> {
    if (this.requireStation(identity).version === '2.0.1') {
      return this.command(identity, 'TriggerMessage', { requestedMessage: options.message, ...this.evse201(options) });
    }
    const connectorId = options.connectorId ?? options.evseId;
    return this.command(identity, 'TriggerMessage', { requestedMessage: options.message, ...(connectorId !== undefined ? { connectorId } : {}) });
  }

  /** Reset of the station: 2.0.1 Immediate or OnIdle (default Immediate), 1.6 Hard or Soft (default Soft). */
  async resetStation(identity: string, options: { type?: string; evseId?: number } = {}): Promise<CommandResult<ResetResponse201 | ResetResponse16>> {
    if (this.requireStation(identity).version === '2.0.1') {
      return this.command(identity, 'Reset', { type: options.type ?? 'Immediate', ...(options.evseId !== undefined ? { evseId: options.evseId } : {}) });
    }
    if (options.evseId !== undefined) throw new DevCsmsError('badRequest', 'an OCPP 1.6 Reset is of the whole charge point: no evseId');
    return this.command(identity, 'Reset', { type: options.type ?? 'Soft' });
  }

  /** UnlockConnector: 2.0.1 needs the EVSE (default 1), 1.6 the connector. */
  async unlockConnector(identity: string, options: { evseId?: number; connectorId: number }): Promise<CommandResult<UnlockConnectorResponse201 | UnlockConnectorResponse16>> {
    if (this.requireStation(identity).version === '2.0.1') {
      return this.command(identity, 'UnlockConnector', { evseId: options.evseId ?? 1, connectorId: options.connectorId });
    }
    return this.command(identity, 'UnlockConnector', { connectorId: options.connectorId });
  }

  // 2.0.1 only

  /** RequestStartTransaction; remoteStartId increases by itself unless given, idToken defaults to DEV-CSMS (Central). */
  async requestStartTransaction(
    identity: string,
    request: Omit<RequestStartTransactionRequest, 'idToken' | 'remoteStartId'> & { idToken?: IdTokenType | string; remoteStartId?: number } = {},
  ): Promise<RequestStartTransactionResponse> {
    this.requireVersion(identity, '2.0.1', 'RequestStartTransaction');
    const given = request.idToken ?? DEV_ID_TOKEN;
    const idToken: IdTokenType = typeof given === 'string' ? { idToken: given, type: 'Central' } : given;
    return (await this.call(identity, 'RequestStartTransaction', this.requestStartPayload({ ...request, idToken }))) as RequestStartTransactionResponse;
  }

  async requestStopTransaction(identity: string, transactionId: string): Promise<RequestStopTransactionResponse> {
    this.requireVersion(identity, '2.0.1', 'RequestStopTransaction');
    return (await this.call(identity, 'RequestStopTransaction', { transactionId })) as RequestStopTransactionResponse;
  }

  async getVariables(identity: string, getVariableData: GetVariablesRequest['getVariableData']): Promise<GetVariablesResponse> {
    this.requireVersion(identity, '2.0.1', 'GetVariables');
    return (await this.call(identity, 'GetVariables', { getVariableData })) as GetVariablesResponse;
  }

  async setVariables(identity: string, setVariableData: SetVariablesRequest['setVariableData']): Promise<SetVariablesResponse> {
    this.requireVersion(identity, '2.0.1', 'SetVariables');
    return (await this.call(identity, 'SetVariables', { setVariableData })) as SetVariablesResponse;
  }

  /** GetBaseReport; the report itself comes as NotifyReport messages with this requestId. */
  async getBaseReport(identity: string, reportBase: GetBaseReportRequest['reportBase'] = 'FullInventory', requestId = this.nextRequestId++): Promise<GetBaseReportResponse> {
    this.requireVersion(identity, '2.0.1', 'GetBaseReport');
    return (await this.call(identity, 'GetBaseReport', { requestId, reportBase })) as GetBaseReportResponse;
  }

  // 1.6 only

  async remoteStartTransaction(identity: string, request: Partial<RemoteStartTransactionRequest> = {}): Promise<RemoteStartTransactionResponse> {
    this.requireVersion(identity, '1.6', 'RemoteStartTransaction');
    return (await this.call(identity, 'RemoteStartTransaction', { ...request, idTag: request.idTag ?? DEV_ID_TOKEN })) as RemoteStartTransactionResponse;
  }

  async remoteStopTransaction(identity: string, transactionId: number): Promise<RemoteStopTransactionResponse> {
    this.requireVersion(identity, '1.6', 'RemoteStopTransaction');
    return (await this.call(identity, 'RemoteStopTransaction', { transactionId })) as RemoteStopTransactionResponse;
  }

  async getConfiguration(identity: string, keys?: string[]): Promise<GetConfigurationResponse> {
    this.requireVersion(identity, '1.6', 'GetConfiguration');
    return (await this.call(identity, 'GetConfiguration', keys ? { key: keys } : {})) as GetConfigurationResponse;
  }

  async changeConfiguration(identity: string, key: string, value: string): Promise<ChangeConfigurationResponse> {
    this.requireVersion(identity, '1.6', 'ChangeConfiguration');
    return (await this.call(identity, 'ChangeConfiguration', { key, value })) as ChangeConfigurationResponse;
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: commands

  private requireStation(identity: string): StationRecord {
    const station = this.stationRecords.get(identity);
    if (!station) throw new DevCsmsError('unknownStation', `no station ${JSON.stringify(identity)} has connected`);
    return station;
  }

  private requireVersion(identity: string, version: OcppVersion, action: string): void {
    const station = this.requireStation(identity);
    if (station.version !== version) {
      throw new DevCsmsError('wrongVersion', `${identity} speaks OCPP ${station.version}; ${action} is OCPP ${version}`);
    }
  }

  private async command<R>(identity: string, action: string, request: object): Promise<CommandResult<R>> {
    const response = (await this.call(identity, action, request)) as R;
    return { action, request, response };
  }

  /**
   * A 2.0.1 transaction id as a user may have copied it from the printout, where long ids are
   * shortened ("1a2b3c4d..."): the one known transaction it starts with; otherwise as given.
   */
  private knownTransactionId(station: StationRecord, given: string): string {
    const prefix = given.trim().replace(/\.{3}$/, '');
    const known = station.model.transactionIds();
    if (known.includes(prefix)) return prefix;
    const matches = prefix.length >= 4 ? known.filter((id) => id.startsWith(prefix)) : [];
    return matches.length === 1 ? matches[0]! : given;
  }

  private requestStartPayload(request: Omit<RequestStartTransactionRequest, 'remoteStartId'> & { remoteStartId?: number }): RequestStartTransactionRequest {
    return { ...request, remoteStartId: request.remoteStartId ?? this.nextRemoteStartId++ };
  }

  private evse201(options: { evseId?: number; connectorId?: number }): { evse?: { id: number; connectorId?: number } } {
    if (options.evseId === undefined) {
      if (options.connectorId !== undefined) throw new DevCsmsError('badRequest', 'in OCPP 2.0.1 a connector is named within its EVSE: give evseId too');
      return {};
    }
    return { evse: { id: options.evseId, ...(options.connectorId !== undefined ? { connectorId: options.connectorId } : {}) } };
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: connections

  /** §3.2: the most preferred version the station offers; false completes the handshake without one. */
  private pickSubprotocol(offered: Set<string>): string | false {
    for (const version of this.versions) {
      if (offered.has(OCPP_SUBPROTOCOLS[version])) return OCPP_SUBPROTOCOLS[version];
    }
    return false;
  }

  /** The identity named by a request path <path>/<identity>, percent-decoded; undefined for any other path. */
  private identityOf(requestUrl: string | undefined): string | undefined {
    let pathname: string;
    try {
      pathname = new URL(requestUrl ?? '/', 'http://localhost').pathname;
    } catch {
      return undefined;
    }
    const prefix = this.path === '/' ? '/' : `${this.path}/`;
    if (!pathname.startsWith(prefix)) return undefined;
    const encoded = pathname.slice(prefix.length);
    if (encoded === '' || encoded.includes('/')) return undefined;
    try {
      return decodeURIComponent(encoded);
    } catch {
      return undefined;
    }
  }

  private onUpgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => this.log.debug(`upgrade socket error: ${err.message}`));
    const wss = this.wss;
    if (!wss) {
      socket.destroy();
      return;
    }
    const offered = offeredSubprotocols(request);
    const authorization = request.headers.authorization !== undefined;
    const identity = this.identityOf(request.url);
    if (identity === undefined) {
      const reason = `not a station path: ${request.url ?? ''}`;
      this.connectionEvent(undefined, { type: 'refused', identity: undefined, at: new Date(), offered, authorization, status: 404, reason });
      refuseUpgrade(socket, 404);
      return;
    }
    if (this.options.basicAuth) {
      const problem = basicAuthProblem(this.options.basicAuth, identity, request.headers.authorization);
      if (problem) {
        this.connectionEvent(undefined, { type: 'refused', identity, at: new Date(), offered, authorization, status: 401, reason: problem });
        refuseUpgrade(socket, 401, { 'WWW-Authenticate': 'Basic realm="OCPP", charset="UTF-8"' });
        return;
      }
    }
    wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws, identity, offered, authorization));
  }

  private onConnection(socket: WebSocket, identity: string, offered: string[], authorization: boolean): void {
    const version = versionOfSubprotocol(socket.protocol);
    if (!version) {
      // §3.2: handshake completed without Sec-WebSocket-Protocol, then closed at once.
      this.connectionEvent(undefined, {
        type: 'refused',
        identity,
        at: new Date(),
        offered,
        authorization,
        status: 101,
        reason: `no supported subprotocol offered (supported: ${this.versions.map((v) => OCPP_SUBPROTOCOLS[v]).join(', ')})`,
      });
      socket.on('error', () => undefined);
      socket.close(1002, 'no supported OCPP subprotocol');
      return;
    }
    const subprotocol = socket.protocol;
    const station = this.stationRecords.get(identity) ?? new StationRecord(identity, version, subprotocol);
    this.stationRecords.set(identity, station);
    const previous = station.connection;
    if (previous) {
      // The station came back before its old connection was seen to drop: the new one is what it uses.
      this.log.info(`${identity} connected again: closing its previous connection`);
      this.disconnected(station, previous, 1000, 'replaced by a new connection');
      void closeSocket(previous.socket, 1000, 'replaced by a new connection');
    }
    const log = this.log.child(identity);
    const connection: Connection = {
      socket,
      version,
      subprotocol,
      offered,
      authorization,
      csmsCalls: new Map(),
      stationCalls: new Map(),
      endpoint: new RpcEndpoint({
        version,
        send: (text) => {
          if (socket.readyState !== WebSocket.OPEN) throw new Error('the connection is closing');
          this.recordFrame(station, connection, 'toStation', text);
          socket.send(text, (err) => {
            if (err) log.debug(`sending failed: ${err.message}`);
          });
        },
        callTimeoutMs: () => this.messageTimeoutMs,
        log: endpointLogger(log),
        validate: true,
      }),
    };
    for (const action of OcppSchemas.for(version).actions) {
      connection.endpoint.handle(action, (payload) => this.answerRequest(station, version, action, payload));
    }
    socket.on('message', (data) => {
      const text = frameText(data, log);
      this.recordFrame(station, connection, 'fromStation', text);
      connection.endpoint.receive(text, frameByteLength(data));
    });
    socket.on('close', (code, reason) => this.disconnected(station, connection, code, reason.toString('utf8')));
    socket.on('error', (err) => log.debug(`websocket error: ${err.message}`));
    station.connection = connection;
    station.version = version;
    station.subprotocol = subprotocol;
    station.connectedAt = new Date();
    this.connectionEvent(station, { type: 'connected', identity, at: station.connectedAt, subprotocol, offered, authorization });
  }

  private disconnected(station: StationRecord, connection: Connection, code: number, reason: string): void {
    connection.endpoint.connectionLost();
    if (station.connection !== connection) return;
    station.connection = undefined;
    station.disconnectedAt = new Date();
    this.connectionEvent(station, {
      type: 'disconnected',
      identity: station.identity,
      at: station.disconnectedAt,
      subprotocol: connection.subprotocol,
      offered: connection.offered,
      authorization: connection.authorization,
      code,
      ...(reason ? { reason } : {}),
    });
  }

  private connectionEvent(station: StationRecord | undefined, event: ConnectionEvent): void {
    station?.connections.push(event);
    this.connectionEvents.push(event);
    if (this.connectionEvents.length > MAX_CONNECTION_EVENTS) this.connectionEvents.shift();
    const who = event.identity ?? '(no identity)';
    switch (event.type) {
      case 'connected':
        this.log.info(`${who} connected (${event.subprotocol ?? '?'}, ${event.authorization ? 'Basic auth' : 'no Authorization header'})`);
        break;
      case 'disconnected':
        this.log.info(`${who} disconnected (${event.code ?? '?'}${event.reason ? ` ${event.reason}` : ''})`);
        break;
      case 'refused':
        this.log.info(`${who} refused: ${event.status === 101 ? 'handshake closed' : `HTTP ${event.status ?? '?'}`}, ${event.reason ?? ''}`);
        break;
    }
    this.connections$.next(event);
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: messages

  private bootStatusOf(identity: string): BootStatus {
    if (this.rejectedBoots.has(identity)) return 'Rejected';
    return this.pendingBoots.has(identity) ? 'Pending' : 'Accepted';
  }

  private authorizationOf(idToken: string): AuthorizationStatus {
    if (this.blockedIdTokens.has(idToken)) return 'Blocked';
    if (this.invalidIdTokens.has(idToken)) return 'Invalid';
    return 'Accepted';
  }

  /** A schema-valid request from the station: the programmed answer or the default one. */
  private async answerRequest(station: StationRecord, version: OcppVersion, action: string, payload: unknown): Promise<object> {
    const override = this.overrides.get(action);
    const context = { ...this.answerContext, bootStatus: () => this.bootStatusOf(station.identity) };
    const response = override ? await override(payload, station) : defaultAnswer(version, action, payload, context);
    if (response === undefined) throw new RpcError('NotSupported', `the development CSMS does not take ${action}`);
    // An invalid programmed answer goes out as InternalError (the endpoint checks): the state must not follow it.
    if (OcppSchemas.for(version).validate(action, 'response', response).ok) {
      try {
        station.model.apply(version, action, payload, response, new Date());
      } catch (err) {
        this.log.error(`${station.identity}: state not updated from ${action}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return response;
  }

  /** The session energy a transaction message stands for, for its line; never throws. */
  private sessionNote(station: StationRecord, action: string, payload: unknown): string | undefined {
    try {
      return station.model.sessionNote(station.version, action, payload);
    } catch {
      return undefined;
    }
  }

  /** Records one frame both ways and prints its line; never throws, whatever the frame holds. */
  private recordFrame(station: StationRecord, connection: Connection, direction: Direction, text: string): void {
    const identity = station.identity;
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      frame = undefined;
    }
    const [type, id, third, fourth, fifth] = Array.isArray(frame) ? (frame as unknown[]) : [];
    const messageId = typeof id === 'string' ? id : undefined;
    // CALLs the sender makes; CALLs the sender answers.
    const ownCalls = direction === 'fromStation' ? connection.stationCalls : connection.csmsCalls;
    const peerCalls = direction === 'fromStation' ? connection.csmsCalls : connection.stationCalls;
    let record: Omit<MessageRecord, 'seq' | 'identity' | 'direction' | 'at'>;
    if (type === CALL && typeof third === 'string') {
      if (messageId !== undefined) remember(ownCalls, messageId, third);
      record = { kind: 'call', messageId, action: third, payload: fourth };
      this.log.info(callLine(identity, direction, third, fourth, direction === 'fromStation' ? this.sessionNote(station, third, fourth) : undefined));
    } else if (type === CALLRESULT) {
      const action = take(peerCalls, messageId);
      record = { kind: 'callResult', messageId, action, payload: third };
      this.log.info(resultLine(identity, direction, action, third));
    } else if (type === CALLERROR) {
      const action = take(peerCalls, messageId);
      const error: CallErrorInfo = { code: String(third), description: typeof fourth === 'string' ? fourth : '', details: fifth };
      record = { kind: 'callError', messageId, action, payload: error, error };
      this.log.info(callErrorLine(identity, direction, action, error.code, error.description));
    } else {
      record = { kind: 'unreadable', messageId, action: undefined, payload: text };
      this.log.info(`${identity} ${direction === 'fromStation' ? '->' : '<-'} unreadable frame ${JSON.stringify(text.slice(0, 40))}${text.length > 40 ? '...' : ''}`);
    }
    const full: MessageRecord = { seq: ++this.seq, identity, direction, at: new Date(), ...record };
    station.messages.push(full);
    if (station.messages.length > this.maxMessages) station.messages.splice(0, station.messages.length - this.maxMessages);
    this.messages$.next(full);
  }

  private callMatcher<P>(identity: string, action: string, predicate: MessagePredicate<P> | undefined): (m: MessageRecord) => m is MessageRecord<P> {
    return (m): m is MessageRecord<P> => {
      if (m.identity !== identity || m.direction !== 'fromStation' || m.kind !== 'call' || m.action !== action) return false;
      if (!predicate) return true;
      try {
        return predicate(m.payload as P, m as MessageRecord<P>);
      } catch {
        return false;
      }
    };
  }

  private nextMessage<P>(identity: string, action: string, matches: (m: MessageRecord) => m is MessageRecord<P>, timeoutMs: number): Promise<MessageRecord<P>> {
    return firstValueFrom(
      this.messages$.pipe(
        filter(matches),
        timeout({ first: timeoutMs, with: () => throwError(() => new Error(this.noMessage(identity, action, timeoutMs))) }),
      ),
    );
  }

  /** Why waitFor gave up, with what the station did send. */
  private noMessage(identity: string, action: string, timeoutMs: number): string {
    const station = this.stationRecords.get(identity);
    if (!station) return `${identity} never connected (waited ${timeoutMs} ms for ${action})`;
    const recent = station.messages
      .filter((m) => m.direction === 'fromStation' && m.kind === 'call')
      .slice(-8)
      .map((m) => m.action ?? '?');
    return `${identity} sent no matching ${action} within ${timeoutMs} ms${station.connected ? '' : ' (not connected)'}; its last messages: ${recent.join(', ') || 'none'}`;
  }
}
