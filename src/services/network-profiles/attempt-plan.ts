/**
 * Which configuration slot each connection attempt uses (2.0.1 Part 2 B10): the slots in
 * NetworkConfigurationPriority order, NetworkProfileConnectionAttempts failed attempts on each
 * before the next (B10.FR.03); after the last, round again from the first, with the slot of the
 * last connection made tried at the end of each round when the priority no longer names it
 * (B10.FR.07). A connection that was made and then lost starts again at the first slot, so the
 * station goes back to its preferred CSMS once that can be reached again. Pure: no clock, no I/O.
 */
export class AttemptPlan {
  #index = 0;
  #failuresOnSlot = 0;

  constructor(
    /** The usable slots in priority order, read at every step (B10.FR.04: the order in effect). */
    private readonly order: () => readonly number[],
    /** NetworkProfileConnectionAttempts, at least 1. */
    private readonly attemptsPerSlot: () => number,
    /** The slot of the last connection made, if any. */
    private readonly lastConnected: () => number | undefined,
  ) {}

  /** The round of slots: the priority, then the last connected slot when the priority lacks it. */
  round(): number[] {
    const slots = [...this.order()];
    const last = this.lastConnected();
    if (last !== undefined && !slots.includes(last)) slots.push(last);
    return slots;
  }

  /** The slot the next attempt uses; undefined when no slot is usable. */
  current(): number | undefined {
    const round = this.round();
    if (round.length === 0) return undefined;
    return round[this.#index % round.length];
  }

  /** An attempt failed: after the slot's attempts, the next slot. Returns whether the slot changed. */
  failed(): boolean {
    this.#failuresOnSlot += 1;
    if (this.#failuresOnSlot < Math.max(1, this.attemptsPerSlot())) return false;
    this.#failuresOnSlot = 0;
    const size = this.round().length;
    this.#index = size === 0 ? 0 : (this.#index + 1) % size;
    return size > 1;
  }

  /** A connection was made: its slot stays the current one until it is lost. */
  connected(): void {
    this.#failuresOnSlot = 0;
  }

  /** The connection was lost: the next attempt starts again at the first slot. */
  restart(): void {
    this.#index = 0;
    this.#failuresOnSlot = 0;
  }
}
