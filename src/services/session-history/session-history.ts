import type { Observable, Subscription } from 'rxjs';
import type { StationEvent, TransactionEvent } from '../../station/events.js';
import type { StateStore } from '../../station/ports.js';
import type { IdToken } from '../../station/types.js';
import { authorizedByOf, completeRecord, copyRecord, isRecord, readRecord, storedRecord, type SessionInput, type SessionOcmf, type SessionRecord } from './session-record.js';
import { SessionTracker } from './session-tracker.js';

/**
 * The station's own record of the sessions that ended (issue 14): what a CustomerInformation
 * report (2.0.1 N09) tells the CSMS and what GET /api/sessions shows. Bounded (the newest
 * `maxEntries` are kept), kept across restarts in storage.dir as one small JSON document written
 * whole (StateStore: temporary file, sync, rename), which happens once per ended session.
 */

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
  /** The station's identity (config station.identity), written into each record. */
  stationId?: string;
}

interface StoredHistory {
  format: 1;
  /** Oldest first. */
  sessions: Array<Record<string, unknown>>;
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
export function sessionOfEnd(e: TransactionEvent & { type: 'TransactionEnded' }, stationId = ''): SessionRecord {
  const tx = e.transaction;
  return {
    transactionId: tx.id,
    stationId,
    evseId: tx.evseId,
    ...(tx.connectorId !== undefined ? { connectorId: tx.connectorId } : {}),
    ...(tx.idToken ? { idToken: { ...tx.idToken } } : {}),
    ...(tx.groupIdToken ? { groupIdToken: { ...tx.groupIdToken } } : {}),
    authorizedBy: authorizedByOf(e) ?? 'Unknown',
    startedAt: new Date(tx.startedAt),
    stoppedAt: new Date(tx.endedAt ?? e.timestamp),
    meterStartWh: tx.meterStartWh,
    ...(tx.meterStopWh !== undefined ? { meterStopWh: tx.meterStopWh } : {}),
    energyWh: tx.energyWh,
    stopReason: e.stoppedReason,
    chargingPeriods: [],
    limits: [],
  };
}

/** GET /api/sessions' filters (issue 17): a token's sessions, those that ended in [since, until), a page. */
export interface SessionQuery {
  /** An id token value (any type, without regard to case). */
  token?: string;
  since?: Date;
  until?: Date;
  limit?: number;
  offset?: number;
}

/** A limit change as the charging control reports it (smart charging, local limits). */
export interface SessionLimitChange {
  evseId: number;
  limit: { valueA: number; source: string } | undefined;
}

export interface FollowOptions {
  /** The charging control's limit changes, recorded in the running sessions. */
  limits$?: Observable<SessionLimitChange>;
  /** The time of a limit change (the station's clock). */
  now?: () => Date;
  /** Issue 17: the OCMF documents of the session's start and end readings (the signed meter values sent), if any. */
  ocmf?: (e: TransactionEvent & { type: 'TransactionEnded' }) => SessionOcmf | undefined;
}

function hasToken(s: SessionRecord, token: string): boolean {
  return s.idToken?.idToken.toLowerCase() === token.toLowerCase();
}

export class SessionHistory {
  static readonly STORE_NAME = 'session-history';
  readonly maxEntries: number;
  /** Oldest first. */
  #sessions: SessionRecord[] = [];
  readonly #onWarning: (message: string) => void;
  readonly #stationId: string;
  readonly #tracker: SessionTracker;

  constructor(
    private readonly store: StateStore,
    options: SessionHistoryOptions = {},
  ) {
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries ?? SESSION_HISTORY_MAX_ENTRIES));
    this.#onWarning = options.onWarning ?? (() => undefined);
    this.#stationId = options.stationId ?? '';
    this.#tracker = new SessionTracker(store, this.#onWarning);
    this.#load();
  }

  get size(): number {
    return this.#sessions.length;
  }

  /**
   * Records every session the core ends, with the charging periods and limits seen while it ran;
   * the caller unsubscribes when the agent stops.
   */
  follow(events$: Observable<StationEvent>, options: FollowOptions = {}): Subscription {
    const now = options.now ?? (() => new Date());
    const sub = events$.subscribe((e) => {
      if (e.type !== 'TransactionStarted' && e.type !== 'TransactionUpdated' && e.type !== 'TransactionEnded') return;
      this.#tracker.onEvent(e);
      if (e.type !== 'TransactionEnded') return;
      const closed = this.#tracker.close(sessionOfEnd(e, this.#stationId));
      const ocmf = options.ocmf?.(e);
      if (ocmf && (ocmf.start !== undefined || ocmf.end !== undefined)) closed.ocmf = ocmf;
      // Written durably (StateStore: temporary file, sync, rename) before the open record goes.
      if (this.record(closed)) this.#tracker.forget(closed.transactionId);
    });
    if (options.limits$) {
      sub.add(options.limits$.subscribe((c) => this.#tracker.onLimit(c.evseId, c.limit ? { valueA: c.limit.valueA, source: c.limit.source } : { valueA: null, source: 'None' }, now())));
    }
    return sub;
  }

  /** Adds an ended session (a transaction id already held is replaced, not doubled); false when it could not be stored. */
  record(input: SessionInput): boolean {
    const session = completeRecord({ stationId: this.#stationId, ...input });
    this.#sessions = this.#sessions.filter((s) => s.transactionId !== session.transactionId);
    this.#sessions.push(copyRecord(session));
    if (this.#sessions.length > this.maxEntries) this.#sessions.splice(0, this.#sessions.length - this.maxEntries);
    return this.#save();
  }

  /**
   * Newest first (by stop time; the order recorded for equal times). A number is a limit (issue 14's
   * form); a query filters by token and stop time and pages (issue 17).
   */
  list(query: number | SessionQuery = {}): SessionRecord[] {
    const q: SessionQuery = typeof query === 'number' ? { limit: query } : query;
    const matching = this.#newestFirst().filter(
      (s) =>
        (q.token === undefined || hasToken(s, q.token)) &&
        (q.since === undefined || s.stoppedAt.getTime() >= q.since.getTime()) &&
        (q.until === undefined || s.stoppedAt.getTime() < q.until.getTime()),
    );
    const offset = Math.max(0, Math.floor(q.offset ?? 0));
    const end = q.limit === undefined ? undefined : offset + Math.max(0, Math.floor(q.limit));
    return matching.slice(offset, end).map(copyRecord);
  }

  /** How many sessions a query finds before paging. */
  count(query: Omit<SessionQuery, 'limit' | 'offset'> = {}): number {
    return this.list({ ...query, limit: undefined, offset: 0 }).length;
  }

  /** The local `sessions remove --token` (issue 17): a token's sessions (any type), stored gone before it returns. */
  removeByToken(token: string): SessionRecord[] {
    const removed = this.#newestFirst().filter((s) => hasToken(s, token));
    if (removed.length === 0) return [];
    const kept = this.#sessions.filter((s) => !hasToken(s, token));
    this.store.write(SessionHistory.STORE_NAME, SessionHistory.#document(kept));
    this.#sessions = kept;
    return removed.map(copyRecord);
  }

  /** A customer's sessions, newest first. */
  find(match: CustomerMatch): SessionRecord[] {
    return this.#newestFirst()
      .filter((s) => matchesCustomer(s, match))
      .map(copyRecord);
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
    return { format: 1, sessions: sessions.map(storedRecord) };
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
  #save(): boolean {
    try {
      this.store.write(SessionHistory.STORE_NAME, SessionHistory.#document(this.#sessions));
      return true;
    } catch (err) {
      this.#onWarning(`cannot store the session history: ${(err as Error).message}`);
      return false;
    }
  }
}
