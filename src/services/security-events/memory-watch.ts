import { freemem, totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { Clock, TimerHandle } from '../../station/clock.js';
import type { SecurityEventPort } from './security-event-types.js';

/** The memory the agent and the machine have, in bytes. */
export interface MemorySample {
  heapUsed: number;
  /** The most the agent's heap can grow to (V8's heap_size_limit). */
  heapLimit: number;
  /** What the machine still has for programs (Linux: MemAvailable). */
  machineAvailable: number;
  machineTotal: number;
}

export function sampleMemory(): MemorySample {
  const heap = getHeapStatistics();
  return { heapUsed: heap.used_heap_size, heapLimit: heap.heap_size_limit, machineAvailable: freemem(), machineTotal: totalmem() };
}

export interface MemoryWatchOptions {
  events: SecurityEventPort;
  clock: Pick<Clock, 'setInterval'>;
  sample?: () => MemorySample;
  /** Between checks; default a minute (one V8 statistics call and one /proc/meminfo read). */
  intervalMs?: number;
  /** Full at this share of the heap limit or of the machine's memory in use; default 0.9. */
  fullAt?: number;
  /** No longer full under this share; default 0.8 (no event per check while it hovers at the limit). */
  clearAt?: number;
}

/**
 * MemoryExhaustion: "The Flash or RAM memory of the Charging Station is getting full". A cheap
 * periodic check of the agent's heap against its limit and of the machine's memory in use; raised
 * when either gets full, then not again until both have come down under `clearAt`. (Storage
 * space is not watched here.)
 */
export class MemoryWatch {
  private full = false;
  private timer: TimerHandle | undefined;
  private readonly sample: () => MemorySample;
  private readonly fullAt: number;
  private readonly clearAt: number;

  constructor(private readonly options: MemoryWatchOptions) {
    this.sample = options.sample ?? sampleMemory;
    this.fullAt = options.fullAt ?? 0.9;
    this.clearAt = options.clearAt ?? 0.8;
  }

  start(): void {
    this.timer ??= this.options.clock.setInterval(() => this.check(), this.options.intervalMs ?? 60_000);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  check(): void {
    const s = this.sample();
    const heapShare = s.heapLimit > 0 ? s.heapUsed / s.heapLimit : 0;
    const machineShare = s.machineTotal > 0 ? 1 - s.machineAvailable / s.machineTotal : 0;
    const share = Math.max(heapShare, machineShare);
    if (this.full) {
      if (share < this.clearAt) this.full = false;
      return;
    }
    if (share < this.fullAt) return;
    this.full = true;
    const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;
    const techInfo =
      heapShare >= machineShare
        ? `the agent's heap at ${mib(s.heapUsed)} of ${mib(s.heapLimit)}`
        : `the machine's memory at ${mib(s.machineTotal - s.machineAvailable)} used of ${mib(s.machineTotal)}`;
    this.options.events.raise({ type: 'MemoryExhaustion', techInfo });
  }
}
