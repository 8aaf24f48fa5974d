import { pairwise, startWith, type Observable, type Subscription } from 'rxjs';
import type { JsonFileStore } from '../store/json-file-store.js';

/** The store's file name: <storage.dir>/contactor-wear.json. */
const WEAR_FILE = 'contactor-wear';

/** Closings by "<evseId>/<connectorId>", as kept on disk. */
type WearRecord = Record<string, number>;

export interface ContactorLine {
  evseId: number;
  connectorId: number;
  /** The coil as commanded: true while the contactor is to be closed. */
  closed$: Observable<boolean>;
}

/**
 * How often each contactor closed, over the station's life: a contactor's contacts wear with
 * every switching under load (a datasheet gives its rated operations), so the count is kept in
 * storage.dir and survives restarts and updates. One closing is one open -> closed change of the
 * coil; the write per closing is small and rare (a few per session).
 */
export class ContactorWear {
  private readonly counts: WearRecord;
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly store: JsonFileStore,
    private readonly onWarning: (message: string) => void = () => undefined,
  ) {
    const stored = store.read<unknown>(WEAR_FILE);
    this.counts = {};
    if (stored && typeof stored === 'object') {
      for (const [key, value] of Object.entries(stored)) if (typeof value === 'number' && Number.isFinite(value) && value >= 0) this.counts[key] = value;
    }
  }

  follow(lines: readonly ContactorLine[]): void {
    for (const line of lines) {
      const key = `${line.evseId}/${line.connectorId}`;
      this.counts[key] ??= 0;
      this.subscriptions.push(
        line.closed$.pipe(startWith(false), pairwise()).subscribe(([before, now]) => {
          if (before || !now) return;
          this.counts[key] = (this.counts[key] ?? 0) + 1;
          this.save();
        }),
      );
    }
  }

  /** Closings so far per contactor, this life and every one before. */
  closings(): Array<{ evseId: number; connectorId: number; count: number }> {
    return Object.entries(this.counts).map(([key, count]) => {
      const [evseId, connectorId] = key.split('/').map(Number) as [number, number];
      return { evseId, connectorId, count };
    });
  }

  private save(): void {
    try {
      this.store.write(WEAR_FILE, this.counts, 0o644);
    } catch (err) {
      // A full or read-only card: the count goes on in memory.
      this.onWarning(`cannot keep the contactor closings in ${this.store.dir}: ${(err as Error).message}`);
    }
  }

  stop(): void {
    for (const s of this.subscriptions) s.unsubscribe();
  }
}
