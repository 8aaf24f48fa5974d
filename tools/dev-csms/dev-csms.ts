import { filter, firstValueFrom, Subject, throwError, timeout } from 'rxjs';
import WebSocket from 'ws';
import type { OcppVersion } from '../../src/config/station-config.js';
import type { CallOptions } from '../../src/ocpp/rpc/rpc-endpoint.js';
import { CallTimeout, NotConnected } from '../../src/ocpp/rpc/rpc-errors.js';
import { silentLogger, type Logger } from '../../src/process/logger.js';
import { callMatcher, DEFAULT_WAIT_MS, nextMessage, type MessagePredicate } from './message-waits.js';
import { OcppServer } from './ocpp-server.js';
import { ProgrammedAnswers, type AnswerFn } from './programmed-answers.js';
import { StationCommands } from './station-commands.js';
import { MessageRecorder, type ConnectionEvent, type DevCsmsStation, type MessageRecord, type StationRecord } from './station-record.js';

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
export type { MessagePredicate } from './message-waits.js';
export { basicAuthProblem } from './ocpp-server.js';
export { answers, type AnswerFn } from './programmed-answers.js';
export { DEV_ID_TOKEN, DevCsmsError, type CommandResult, type DevCsmsErrorKind } from './station-commands.js';
export type { CallErrorInfo, ConnectionEvent, DevCsmsStation, MessageKind, MessageRecord } from './station-record.js';

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

export const DEFAULT_DEV_CSMS_PORT = 9220;
const DEFAULT_HEARTBEAT_INTERVAL_S = 300;
const DEFAULT_MAX_MESSAGES = 10_000;

export class DevCsms extends StationCommands {
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
  private readonly versions: OcppVersion[];
  private readonly log: Logger;
  protected readonly stationRecords = new Map<string, StationRecord>();
  private readonly programmedAnswers: ProgrammedAnswers;
  private readonly recorder: MessageRecorder;
  private readonly server: OcppServer;

  constructor(options: DevCsmsOptions) {
    super();
    this.options = options;
    this.versions = options.versions && options.versions.length > 0 ? [...options.versions] : ['2.0.1', '1.6'];
    this.log = options.log ?? silentLogger;
    this.heartbeatIntervalS = options.heartbeatIntervalS ?? DEFAULT_HEARTBEAT_INTERVAL_S;
    this.blockedIdTokens = new Set(options.blockedIdTokens);
    this.invalidIdTokens = new Set(options.invalidIdTokens);
    this.rejectedBoots = new Set(options.rejectedBoots);
    this.pendingBoots = new Set(options.pendingBoots);
    this.programmedAnswers = new ProgrammedAnswers(this, this.versions, this.log);
    this.recorder = new MessageRecorder(this.messages$, options.maxMessagesPerStation ?? DEFAULT_MAX_MESSAGES, this.log);
    this.server = new OcppServer(options, this.versions, this.log, {
      stationRecords: this.stationRecords,
      connectionEvents: this.connectionEvents,
      connections$: this.connections$,
      recordFrame: (station, connection, direction, text) => this.recorder.record(station, connection, direction, text),
      answerRequest: (station, version, action, payload) => this.programmedAnswers.answerRequest(station, version, action, payload),
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /** Listens; resolves with the port (the one picked when the options said 0). */
  start(): Promise<{ port: number }> {
    return this.server.start();
  }

  /** Closes every connection (1001, going away) and stops listening. */
  stop(): Promise<void> {
    return this.server.stop();
  }

  get port(): number {
    return this.server.port;
  }

  /** The OCPP-J endpoint URL to configure in a station (ocpp.url); the identity goes after it. */
  get url(): string {
    return this.server.url;
  }

  // ---------------------------------------------------------------------------------------------
  // Programming the answers

  /**
   * Answers the stations' `action` with `answer` from now on, instead of the default: a function
   * of the request (throw RpcError for a CALLERROR, never resolve to stay silent), or a fixed
   * payload. See `answers` for ready-made ones. State views follow whatever is answered.
   */
  answer(action: string, answer: AnswerFn | object): void {
    this.programmedAnswers.program(action, answer);
  }

  /** Back to the default answers and settings. Recorded messages and station states stay. */
  reset(): void {
    this.programmedAnswers.clear();
    this.heartbeatIntervalS = this.options.heartbeatIntervalS ?? DEFAULT_HEARTBEAT_INTERVAL_S;
    const restore = (list: Set<string>, given: readonly string[] | undefined): void => {
      list.clear();
      for (const t of given ?? []) list.add(t);
    };
    restore(this.blockedIdTokens, this.options.blockedIdTokens);
    restore(this.invalidIdTokens, this.options.invalidIdTokens);
    restore(this.rejectedBoots, this.options.rejectedBoots);
    restore(this.pendingBoots, this.options.pendingBoots);
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
    const matches = callMatcher(identity, action, predicate);
    const seen = this.stationRecords.get(identity)?.messages.find(matches);
    if (seen) return Promise.resolve(seen);
    return nextMessage(this.messages$, this.stationRecords, identity, action, matches, timeoutMs);
  }

  /** Like waitFor, but only for CALLs arriving from now on. */
  waitForNext<P = unknown>(identity: string, action: string, predicate?: MessagePredicate<P>, timeoutMs = DEFAULT_WAIT_MS): Promise<MessageRecord<P>> {
    return nextMessage(this.messages$, this.stationRecords, identity, action, callMatcher(identity, action, predicate), timeoutMs);
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
  override async call(identity: string, action: string, payload: object, options?: CallOptions): Promise<unknown> {
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
    this.recorder.record(station, connection, 'toStation', text);
    await new Promise<void>((resolve, reject) => connection.socket.send(text, (err) => (err ? reject(err) : resolve())));
  }
}
