import type { TransactionEvent } from '../../station/events.js';
import type { StateStore } from '../../station/ports.js';
import { authorizedByOf, periodState, readRecord, type AuthorizedBy, type ChargingPeriod, type PeriodState, type SessionLimit, type SessionRecord } from './session-record.js';

/**
 * The running sessions' charging periods and limits (issue 17), kept on disk at each change (a few
 * per session: charging state changes and limit changes, not meter readings) so that a transaction
 * the next start ends with PowerLoss after a crash or kill -9 (recovered from the transaction
 * journal by the core) still gets its whole record.
 */

interface OpenPeriod {
  startAt: Date;
  state: PeriodState;
  /** The transaction's energy when the period began, Wh. */
  startEnergyWh: number;
}

interface OpenSession {
  transactionId: string;
  evseId: number;
  authorizedBy?: AuthorizedBy;
  periods: OpenPeriod[];
  limits: SessionLimit[];
}

export interface LimitNow {
  valueA: number | null;
  source: string;
}

export class SessionTracker {
  static readonly STORE_NAME = 'session-history-open';
  readonly #open = new Map<string, OpenSession>();
  /** The latest limit each EVSE was given, for a session that starts under it. */
  readonly #limitOf = new Map<number, LimitNow>();

  constructor(
    private readonly store: StateStore,
    private readonly onWarning: (message: string) => void,
  ) {
    this.#load();
  }

  /** Started or updated: opens the session, starts a period when the charging state changed. */
  onEvent(e: TransactionEvent): void {
    const tx = e.transaction;
    let open = this.#open.get(tx.id);
    let changed = false;
    if (!open) {
      open = { transactionId: tx.id, evseId: tx.evseId, periods: [], limits: [] };
      const limit = this.#limitOf.get(tx.evseId);
      if (limit) open.limits.push({ at: new Date(tx.startedAt), ...limit });
      this.#open.set(tx.id, open);
      changed = true;
    }
    const by = authorizedByOf(e);
    if (by && open.authorizedBy !== by && (open.authorizedBy === undefined || by === 'Remote')) {
      open.authorizedBy = by;
      changed = true;
    }
    const state = periodState(e.chargingState ?? tx.chargingState);
    const last = open.periods.at(-1);
    if (e.type !== 'TransactionEnded' && (!last || last.state !== state)) {
      open.periods.push({ startAt: last ? new Date(e.timestamp) : new Date(tx.startedAt), state, startEnergyWh: last ? tx.energyWh : 0 });
      changed = true;
    }
    if (changed) this.#save();
  }

  /** A limit change of an EVSE (smart charging or local limits): recorded in its running session. */
  onLimit(evseId: number, limit: LimitNow, at: Date): void {
    this.#limitOf.set(evseId, limit);
    let changed = false;
    for (const open of this.#open.values()) {
      const last = open.limits.at(-1);
      if (open.evseId !== evseId || (last && last.valueA === limit.valueA && last.source === limit.source)) continue;
      open.limits.push({ at: new Date(at), ...limit });
      changed = true;
    }
    if (changed) this.#save();
  }

  /** The ended session's periods and limits, closed with its final energy; forgotten from then on. */
  close(record: SessionRecord): SessionRecord {
    const open = this.#open.get(record.transactionId);
    if (!open) {
      const state: PeriodState = record.energyWh > 0 ? 'Charging' : 'Idle';
      return { ...record, chargingPeriods: [{ startAt: new Date(record.startedAt), state, energyWh: record.energyWh }] };
    }
    // The record's energy is what the CSMS was told (after a kill -9, the last reading on the journal); a period
    // opened on a later, unjournaled reading starts no higher than it, so the periods add up to the record.
    const startOf = (i: number): number => Math.min(open.periods[i]?.startEnergyWh ?? record.energyWh, record.energyWh);
    const chargingPeriods: ChargingPeriod[] = open.periods.map((p, i) => ({
      startAt: new Date(p.startAt),
      state: p.state,
      energyWh: Math.max(0, startOf(i + 1) - startOf(i)),
    }));
    return { ...record, authorizedBy: open.authorizedBy ?? record.authorizedBy, chargingPeriods, limits: open.limits.map((l) => ({ ...l, at: new Date(l.at) })) };
  }

  /** After the ended record is stored: the open one goes. */
  forget(transactionId: string): void {
    if (this.#open.delete(transactionId)) this.#save();
  }

  #load(): void {
    const doc = this.store.read<{ open?: unknown }>(SessionTracker.STORE_NAME);
    if (!doc || !Array.isArray(doc.open)) return;
    for (const raw of doc.open as Array<Record<string, unknown>>) {
      // Read through the record reader: the same dates and arrays, with placeholders for the rest.
      const periods = Array.isArray(raw['periods']) ? (raw['periods'] as Array<Record<string, unknown>>) : [];
      const probe = readRecord({
        transactionId: raw['transactionId'],
        evseId: raw['evseId'],
        startedAt: new Date(0).toISOString(),
        stoppedAt: new Date(0).toISOString(),
        meterStartWh: 0,
        energyWh: 0,
        stopReason: 'Other',
        chargingPeriods: periods.map((p) => ({ startAt: p['startAt'], state: p['state'], energyWh: p['startEnergyWh'] })),
        limits: raw['limits'],
      });
      if (!probe) {
        this.onWarning('dropped an unreadable running session record');
        continue;
      }
      const by = typeof raw['authorizedBy'] === 'string' ? (raw['authorizedBy'] as AuthorizedBy) : undefined;
      this.#open.set(probe.transactionId, {
        transactionId: probe.transactionId,
        evseId: probe.evseId,
        ...(by ? { authorizedBy: by } : {}),
        periods: probe.chargingPeriods.map((p) => ({ startAt: p.startAt, state: p.state, startEnergyWh: p.energyWh })),
        limits: probe.limits,
      });
    }
  }

  #save(): void {
    const open = [...this.#open.values()].map((o) => ({
      ...o,
      periods: o.periods.map((p) => ({ ...p, startAt: p.startAt.toISOString() })),
      limits: o.limits.map((l) => ({ ...l, at: l.at.toISOString() })),
    }));
    try {
      this.store.write(SessionTracker.STORE_NAME, { format: 1, open });
    } catch (err) {
      this.onWarning(`cannot store the running sessions' records: ${(err as Error).message}`);
    }
  }
}
