import { datasync, datasyncBlocking, trackWrite } from './disk-sync.js';

/**
 * Group commit for an append-only file (issue 18): every write joins the next fdatasync, which runs
 * on libuv's thread pool, one at a time. A sync somebody waits for (a message that may only be sent
 * once its record is safe) begins at once; one nobody waits for (a removal of an answered message)
 * begins within COMMIT_DELAY_MS, so that a replay of thousands of messages costs tens of syncs a
 * second, not one per message. A power cut in that window loses no message: at worst an answered
 * one is sent again, as it could be before.
 */
export const COMMIT_DELAY_MS = 10;

interface Round {
  done: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
  urgent: boolean;
}

function newRound(): Round {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { done, resolve, reject, urgent: false };
}

export interface SyncTarget {
  /** The file's descriptor now (a compaction may replace it). */
  fd(): number;
  /** What must also be on disk before a sync counts (a compaction's rename until its folder is synced). */
  barrier(): Promise<void> | undefined;
  /** Called after each sync, when no sync uses a descriptor any longer. */
  afterSync(): void;
}

export class GroupCommit {
  /** Writes since the last sync began: the next sync's. */
  private pending: Round | undefined;
  private inFlight: Round | undefined;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The descriptor a sync is running on, if any: it must not be closed meanwhile. */
  syncingFd: number | undefined;

  constructor(
    private readonly file: string,
    private readonly target: SyncTarget,
    private readonly delayMs = COMMIT_DELAY_MS,
  ) {}

  /** Nothing written waits for a sync, and none runs. */
  get idle(): boolean {
    return !this.pending && !this.inFlight;
  }

  /** A write was made: the next sync takes it. */
  wrote(): void {
    if (!this.pending) {
      this.pending = newRound();
      // OCPP answers wait for what is tracked (durableUnder): once per round, not per write.
      trackWrite(this.file, this.pending.done);
    }
    this.schedule();
  }

  /**
   * Resolves when everything written so far is on disk; rejects when its sync failed. `urgent`:
   * somebody waits, the sync begins now rather than within the commit delay.
   */
  synced(urgent = true): Promise<void> {
    const round = this.pending ?? this.inFlight;
    if (!round) return Promise.resolve();
    if (urgent && round === this.pending) {
      round.urgent = true;
      this.schedule();
    }
    return round.done;
  }

  private schedule(): void {
    if (this.running || this.closed || !this.pending) return;
    if (this.pending.urgent) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.running = true;
      // Begun once the current turn is over, so that one sync takes all of the turn's writes.
      queueMicrotask(() => void this.syncPending());
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        if (this.running || this.closed || !this.pending) return;
        this.running = true;
        void this.syncPending();
      }, this.delayMs).unref();
    }
  }

  private async syncPending(): Promise<void> {
    const round = this.pending;
    if (!round || this.closed) {
      this.running = false;
      return;
    }
    this.pending = undefined;
    this.inFlight = round;
    const fd = (this.syncingFd = this.target.fd());
    try {
      await datasync(fd);
      await this.target.barrier();
      round.resolve();
    } catch (err) {
      round.reject(err as Error);
    } finally {
      this.inFlight = undefined;
      this.syncingFd = undefined;
      this.target.afterSync();
      this.running = false;
      this.schedule();
    }
  }

  /** Shutdown: what is not yet on disk is synced now, blocking, and no sync begins after. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    const rounds = [this.inFlight, this.pending].filter((r): r is Round => r !== undefined);
    this.pending = undefined;
    if (rounds.length === 0) return;
    try {
      datasyncBlocking(this.target.fd());
      for (const r of rounds) r.resolve();
    } catch (err) {
      for (const r of rounds) r.reject(err as Error);
    }
  }
}
