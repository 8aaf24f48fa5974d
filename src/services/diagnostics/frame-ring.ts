/**
 * The last OCPP-J frames each way, for diagnostics uploads (OCPP 2.0.1 N01 DiagnosticsLog, 1.6
 * GetDiagnostics): a bounded ring per direction, each frame masked as it is recorded, so that no
 * secret is ever held here (mask.ts: secret variables' values, password fields, private keys,
 * URL credentials).
 */

import { maskFrame } from './mask.js';

export { MASK, maskFrame } from './mask.js';

/** Which way an OCPP-J frame went: 'in' from the CSMS, 'out' to it. */
export type FrameDirection = 'in' | 'out';

/** One OCPP-J frame as kept for diagnostics: when, which way, its text with secrets masked. */
export interface FrameRecord {
  /** RFC 3339. */
  time: string;
  direction: FrameDirection;
  text: string;
}

export interface FrameRingOptions {
  /** Frames kept each way; default 500. */
  capacity?: number;
  /** Characters kept of one frame (a SendLocalList can be large); default 32 Ki. */
  maxFrameChars?: number;
  /** The time a frame is stamped with; the system's by default. */
  now?: () => Date;
}

interface Slot extends FrameRecord {
  seq: number;
}

export class FrameRing {
  private readonly capacity: number;
  private readonly maxFrameChars: number;
  private readonly now: () => Date;
  private readonly rings: Record<FrameDirection, Slot[]> = { in: [], out: [] };
  private readonly next: Record<FrameDirection, number> = { in: 0, out: 0 };
  private seq = 0;

  constructor(options: FrameRingOptions = {}) {
    this.capacity = Math.max(1, options.capacity ?? 500);
    this.maxFrameChars = options.maxFrameChars ?? 32 * 1024;
    this.now = options.now ?? (() => new Date());
  }

  /** Records a frame (for OcppClientOptions.onFrame); the oldest of its direction goes when full. */
  readonly record = (direction: FrameDirection, text: string): void => {
    let masked = maskFrame(text);
    if (masked.length > this.maxFrameChars) masked = `${masked.slice(0, this.maxFrameChars)}...(${masked.length} chars)`;
    const slot: Slot = { seq: this.seq++, time: this.now().toISOString(), direction, text: masked };
    const ring = this.rings[direction];
    if (ring.length < this.capacity) ring.push(slot);
    else ring[this.next[direction]] = slot;
    this.next[direction] = (this.next[direction] + 1) % this.capacity;
  };

  /** Every frame kept, both ways, in the order they passed. */
  frames(): FrameRecord[] {
    return [...this.rings.in, ...this.rings.out].sort((a, b) => a.seq - b.seq).map(({ time, direction, text }) => ({ time, direction, text }));
  }
}
