import type { Observable, Subscription } from 'rxjs';
import type { StationEvent, TransactionEvent } from '../../station/events.js';
import type { StateStore } from '../../station/ports.js';
import type { IdToken, StopReason } from '../../station/types.js';

/**
 * The station's own record of the sessions that ended (issue 14): what a CustomerInformation
 * report (2.0.1 N09) tells the CSMS and what GET /api/sessions shows. Bounded (the newest
 * `maxEntries` are kept), kept across restarts in storage.dir as one small JSON document written
 * whole (StateStore: temporary file, sync, rename), which happens once per ended session.
 */

/** One ended session. */
export interface SessionRecord {
  transactionId: string;
  evseId: number;
  connectorId?: number;
  idToken?: IdToken;
  groupIdToken?: IdToken;
  startedAt: Date;
  stoppedAt: Date;
  meterStartWh: number;
  meterStopWh?: number;
  energyWh: number;
  stopReason: StopReason;
}

/**
 * Whose sessions: an id token (same type, value without regard to case, as IdTokenType says), or
 * a customer identifier. The station knows no customer accounts of its own; the closest it holds
 * is the group id token the CSMS gave a token, so an identifier matches a session whose id token
 * or group id token has that value (of any type).
 */
export type CustomerMatch = { idToken: IdToken } | { customerIdentifier: string };

export const SESSION_HISTORY_MAX_ENTRIES = 1000;

export interface SessionHistoryOptions {
  /** The most sessions kept; the oldest go first. Default SESSION_HISTORY_MAX_ENTRIES. */
  maxEntries?: number;
  onWarning?: (message: string) => void;
}

type StoredRecord = Omit<SessionRecord, 'startedAt' | 'stoppedAt'> & { startedAt: string; stoppedAt: string };

interface StoredHistory {
  format: 1;
  /** Oldest first. */
  sessions: StoredRecord[];
}

function sameToken(a: IdToken | undefined, b: IdToken): boolean {
  return a !== undefined && a.type === b.type && a.idToken.toLowerCase() === b.idToken.toLowerCase();
}

export function matchesCustomer(session: SessionRecord, match: CustomerMatch): boolean {
  if ('idToken' in match) return sameToken(session.idToken, match.idToken);
  const id = match.customerIdentifier.toLowerCase();
  return session.idToken?.idToken.toLowerCase() === id || session.groupIdToken?.idToken.toLowerCase() === id;
}

/** The record of a TransactionEnded event; the event's own stop reason wins over the snapshot's. */
export function sessionOfEnd(e: TransactionEvent & { type: 'TransactionEnded' }): SessionRecord {
  const tx = e.transaction;
  return {
    transactionId: tx.id,
    evseId: tx.evseId,
    ...(tx.connectorId !== undefined ? { connectorId: tx.connectorId } : {}),
    ...(tx.idToken ? { idToken: { ...tx.idToken } } : {}),
    ...(tx.groupIdToken ? { groupIdToken: { ...tx.groupIdToken } } : {}),
    startedAt: new Date(tx.startedAt),
    stoppedAt: new Date(tx.endedAt ?? e.timestamp),
    meterStartWh: tx.meterStartWh,
    ...(tx.meterStopWh !== undefined ? { meterStopWh: tx.meterStopWh } : {}),
    energyWh: tx.energyWh,
    stopReason: e.stoppedReason,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIdToken(v: unknown): v is IdToken {
  return isRecord(v) && typeof v['idToken'] === 'string' && typeof v['type'] === 'string';
}

/** A stored record as written by this version, or undefined (a hand-edited or damaged one). */
function readRecord(v: unknown): SessionRecord | undefined {
  if (!isRecord(v)) return undefined;
  const startedAt = typeof v['startedAt'] === 'string' ? new Date(v['startedAt']) : undefined;
  const stoppedAt = typeof v['stoppedAt'] === 'string' ? new Date(v['stoppedAt']) : undefined;
  const ok =
    typeof v['transactionId'] === 'string' &&
    typeof v['evseId'] === 'number' &&
    typeof v['meterStartWh'] === 'number' &&
    typeof v['energyWh'] === 'number' &&
    typeof v['stopReason'] === 'string' &&
    startedAt !== undefined &&
    !Number.isNaN(startedAt.getTime()) &&
    stoppedAt !== undefined &&
    !Number.isNaN(stoppedAt.getTime()) &&
    (v['idToken'] === undefined || isIdToken(v['idToken'])) &&
    (v['groupIdToken'] === undefined || isIdToken(v['groupIdToken']));
  return ok ? ({ ...(v as unknown as StoredRecord), startedAt, stoppedAt } as SessionRecord) : undefined;
}

function copy(s: SessionRecord): SessionRecord {
  return {
    ...s,
    ...(s.idToken ? { idToken: { ...s.idToken } } : {}),
    ...(s.groupIdToken ? { groupIdToken: { ...s.groupIdToken } } : {}),
    startedAt: new Date(s.startedAt),
    stoppedAt: new Date(s.stoppedAt),
  };
}

export class SessionHistory {
  static readonly STORE_NAME = 'session-history';
  readonly maxEntries: number;
  /** Oldest first. */
  #sessions: SessionRecord[] = [];
  readonly #onWarning: (message: string) => void;

  constructor(
    private readonly store: StateStore,
    options: SessionHistoryOptions = {},
  ) {
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries ?? SESSION_HISTORY_MAX_ENTRIES));
    this.#onWarning = options.onWarning ?? (() => undefined);
    this.#load();
  }

  get size(): number {
    return this.#sessions.length;
  }

  /** Records every session the core ends; the caller unsubscribes when the agent stops. */
  follow(events$: Observable<StationEvent>): Subscription {
    return events$.subscribe((e) => {
      if (e.type === 'TransactionEnded') this.record(sessionOfEnd(e));
    });
  }

  /** Adds an ended session (a transaction id already held is replaced, not doubled). */
  record(session: SessionRecord): void {
    this.#sessions = this.#sessions.filter((s) => s.transactionId !== session.transactionId);
    this.#sessions.push(copy(session));
    if (this.#sessions.length > this.maxEntries) this.#sessions.splice(0, this.#sessions.length - this.maxEntries);
    this.#save();
  }

  /** Newest first (by stop time; the order recorded for equal times), at most `limit`. */
  list(limit?: number): SessionRecord[] {
    const newestFirst = this.#newestFirst();
    return (limit === undefined ? newestFirst : newestFirst.slice(0, Math.max(0, limit))).map(copy);
  }

  /** A customer's sessions, newest first. */
  find(match: CustomerMatch): SessionRecord[] {
    return this.#newestFirst()
      .filter((s) => matchesCustomer(s, match))
      .map(copy);
  }

  /**
   * Removes a customer's sessions (N10.FR.03/06), returning them newest first. The emptied history
   * is stored before the call returns; when it cannot be, the sessions stay and this throws, so
   * the caller does not report data cleared that is still on disk.
   */
  clear(match: CustomerMatch): SessionRecord[] {
    const removed = this.find(match);
    if (removed.length === 0) return removed;
    const kept = this.#sessions.filter((s) => !matchesCustomer(s, match));
    this.store.write(SessionHistory.STORE_NAME, SessionHistory.#document(kept));
    this.#sessions = kept;
    return removed;
  }

  #newestFirst(): SessionRecord[] {
    return this.#sessions
      .map((s, i) => ({ s, i }))
      .sort((a, b) => b.s.stoppedAt.getTime() - a.s.stoppedAt.getTime() || b.i - a.i)
      .map(({ s }) => s);
  }

  static #document(sessions: readonly SessionRecord[]): StoredHistory {
    return { format: 1, sessions: sessions.map((s) => ({ ...s, startedAt: s.startedAt.toISOString(), stoppedAt: s.stoppedAt.toISOString() })) };
  }

  #load(): void {
    const doc = this.store.read<unknown>(SessionHistory.STORE_NAME);
    if (doc === undefined) return;
    const stored = isRecord(doc) && Array.isArray(doc['sessions']) ? doc['sessions'] : undefined;
    if (!stored) {
      this.#onWarning('the stored session history is not readable; starting empty');
      return;
    }
    const sessions = stored.map(readRecord);
    const dropped = sessions.filter((s) => s === undefined).length;
    this.#sessions = sessions.filter((s): s is SessionRecord => s !== undefined).slice(-this.maxEntries);
    if (dropped) this.#onWarning(`dropped ${dropped} unreadable session history entries`);
  }

  /** The history is a record, not a duty: a failed write is reported and the session stays in memory. */
  #save(): void {
    try {
      this.store.write(SessionHistory.STORE_NAME, SessionHistory.#document(this.#sessions));
    } catch (err) {
      this.#onWarning(`cannot store the session history: ${(err as Error).message}`);
    }
  }
}
