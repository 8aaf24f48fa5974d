import type { StateStore } from './ports.js';
import { NOT_TRIPPED, type TripLatch } from './trip-latch.js';

/**
 * The trip latches of every EVSE, kept in the store ('trip-latches') so that a restart (a crash, a
 * power cut) does not release them: a restart is no deliberate act either.
 */
export class TripLatchStore {
  private readonly latches: Record<string, TripLatch>;
  private writeQueued = false;

  constructor(
    private readonly store: StateStore,
    private readonly onStoreError?: (message: string) => void,
  ) {
    this.latches = store.read<Record<string, TripLatch>>('trip-latches') ?? {};
  }

  /** One EVSE's latch as it was stored, and how it saves a new one. */
  of(evseId: number): { initial: TripLatch; save(latch: TripLatch): void } {
    return {
      initial: this.latches[String(evseId)] ?? NOT_TRIPPED,
      save: (latch) => {
        this.latches[String(evseId)] = latch;
        this.queueWrite();
      },
    };
  }

  /**
   * Written once the fault has opened every relay it opens: a station-wide stop trips each EVSE in
   * turn, and the next one's relay must not wait for this one's write (fsyncs). One write for all.
   */
  private queueWrite(): void {
    if (this.writeQueued) return;
    this.writeQueued = true;
    queueMicrotask(() => {
      this.writeQueued = false;
      try {
        this.store.write('trip-latches', this.latches);
      } catch (err) {
        // A full or broken disk must not take the agent down: the latches still hold in memory.
        this.onStoreError?.(`cannot keep the trip latches on disk (they hold until the agent restarts): ${(err as Error).message}`);
      }
    });
  }
}
