import type { Counter, Histogram, Registry } from 'prom-client';
import { promClient } from './prom-client.js';
import { OcppSchemas } from '../ocpp/rpc/ocpp-schemas.js';
import { neutralErrorCode } from '../ocpp/rpc/rpc-errors.js';
import type { OcppVersion } from '../config/station-config.js';

/** OCPP-J message types (Part 4 §4.1): [2, id, action, payload], [3, id, payload], [4, id, code, description, details]. */
const CALL = 2;
const CALLRESULT = 3;
const CALLERROR = 4;

/** A CALL's answer is expected long before this; past it the entry is dropped (no leak for unanswered calls). */
const FORGET_AFTER_MS = 10 * 60_000;
/** Bounds the calls remembered per direction, whatever the peer sends. */
const MAX_OPEN_CALLS = 1000;

type Direction = 'in' | 'out';
type MessageType = 'call' | 'callresult' | 'callerror';

interface OpenCall {
  action: string;
  sentMs: number;
}

/**
 * Counts the OCPP-J traffic from the frames themselves, as the client's frame observer sees them:
 * messages sent and received by action and type, CALLERRORs by code in each direction, and the
 * round trip of our CALLs. Reading frames keeps the OCPP layer free of any metrics library.
 * Label values come from the version's own vocabulary only (its actions, its error codes; anything
 * else is "unknown" / "other"), so a peer cannot grow the series without bound.
 */
export class OcppTraffic {
  private readonly messages: Counter<'direction' | 'type' | 'action'>;
  private readonly callErrors: Counter<'direction' | 'code' | 'action'>;
  private readonly roundTrip: Histogram<'action'>;
  /** Our CALLs waiting for their answer, and the CSMS's we have to answer: by message id. */
  private readonly open: Record<Direction, Map<string, OpenCall>> = { out: new Map(), in: new Map() };

  private readonly actions: ReadonlySet<string>;

  constructor(
    registry: Registry,
    private readonly version: OcppVersion,
    private readonly nowMs: () => number,
  ) {
    this.actions = OcppSchemas.for(version).actions;
    const { Counter, Histogram } = promClient();
    const registers = [registry];
    this.messages = new Counter({
      name: 'evse_ocpp_messages_total',
      help: 'OCPP-J messages by direction (sent/received), type (call/callresult/callerror) and action (of the CALL answered, for answers)',
      labelNames: ['direction', 'type', 'action'],
      registers,
    });
    this.callErrors = new Counter({
      name: 'evse_ocpp_callerrors_total',
      help: 'CALLERRORs by direction (sent/received), error code and the action of the CALL they answer',
      labelNames: ['direction', 'code', 'action'],
      registers,
    });
    this.roundTrip = new Histogram({
      name: 'evse_ocpp_call_duration_seconds',
      help: 'Round trip of the CALLs the station sent, until their CALLRESULT or CALLERROR arrived, by action',
      labelNames: ['action'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
  }

  /** The frame observer: `direction` 'out' for frames sent, 'in' for frames received; `atMs` when it was (a frame counted later). */
  readonly frame = (direction: Direction, text: string, atMs: number = this.nowMs()): void => {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return; // not JSON: the RPC layer answers it; nothing to count by action
    }
    if (!Array.isArray(message) || typeof message[1] !== 'string') return;
    const [type, id] = message as [unknown, string];
    const peer: Direction = direction === 'out' ? 'in' : 'out';
    if (type === CALL && typeof message[2] === 'string') {
      const action = this.actions.has(message[2]) ? message[2] : 'unknown';
      this.count(direction, 'call', action);
      this.remember(direction, id, action, atMs);
    } else if (type === CALLRESULT || type === CALLERROR) {
      // An answer closes the call the other side made.
      const call = this.open[peer].get(id);
      this.open[peer].delete(id);
      const action = call?.action ?? 'unknown';
      this.count(direction, type === CALLRESULT ? 'callresult' : 'callerror', action);
      if (type === CALLERROR) {
        const wire = message[2];
        const code = typeof wire === 'string' && neutralErrorCode(this.version, wire) !== undefined ? wire : 'other';
        this.callErrors.inc({ direction: direction === 'out' ? 'sent' : 'received', code, action });
      }
      if (call && direction === 'in') this.roundTrip.observe({ action }, Math.max(0, atMs - call.sentMs) / 1000);
    }
  };

  private count(direction: Direction, type: MessageType, action: string): void {
    this.messages.inc({ direction: direction === 'out' ? 'sent' : 'received', type, action });
  }

  private remember(direction: Direction, id: string, action: string, now: number): void {
    const open = this.open[direction];
    if (open.size >= MAX_OPEN_CALLS) {
      for (const [key, call] of open) if (now - call.sentMs > FORGET_AFTER_MS || open.size >= MAX_OPEN_CALLS) open.delete(key);
    }
    open.set(id, { action, sentMs: now });
  }
}
