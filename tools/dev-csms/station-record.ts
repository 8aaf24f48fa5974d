import type { Subject } from 'rxjs';
import type WebSocket from 'ws';
import type { OcppVersion } from '../../src/config/station-config.js';
import type { RpcEndpoint } from '../../src/ocpp/rpc/rpc-endpoint.js';
import type { Logger } from '../../src/process/logger.js';
import { callErrorLine, callLine, resultLine, type Direction } from './message-lines.js';
import { StationModel, type StationState } from './station-state.js';

/**
 * What the development CSMS keeps of each station: every frame both ways, its connections and
 * its state view; and the bookkeeping that records a frame and prints its line.
 */

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

/** Action names of CALLs awaiting their answer, per connection; more means answers never came. */
const MAX_REMEMBERED_CALLS = 1000;

const CALL = 2;
const CALLRESULT = 3;
const CALLERROR = 4;

export interface Connection {
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

export class StationRecord implements DevCsmsStation {
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

/** The session energy a transaction message stands for, for its line; never throws. */
function sessionNote(station: StationRecord, action: string, payload: unknown): string | undefined {
  try {
    return station.model.sessionNote(station.version, action, payload);
  } catch {
    return undefined;
  }
}

/** Numbers and records the frames of every station, keeps the latest per station, and prints their lines. */
export class MessageRecorder {
  private seq = 0;

  constructor(
    private readonly messages$: Subject<MessageRecord>,
    private readonly maxMessages: number,
    private readonly log: Logger,
  ) {}

  /** Records one frame both ways and prints its line; never throws, whatever the frame holds. */
  record(station: StationRecord, connection: Connection, direction: Direction, text: string): void {
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
      this.log.info(callLine(identity, direction, third, fourth, direction === 'fromStation' ? sessionNote(station, third, fourth) : undefined));
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
}
