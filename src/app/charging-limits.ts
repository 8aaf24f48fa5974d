import { map, merge, Subject, type Observable, type Subscription } from 'rxjs';
import type { LimitInForce } from '../services/smart-charging/charging-profile.js';
import type { Station } from '../station/station.js';

/** One source's limit for one EVSE (undefined: it sets none). */
export interface LimitUpdate {
  evseId: number;
  limit: LimitInForce | undefined;
}

/**
 * The limit in force on each EVSE: the lowest of what every source sets (the charging profiles'
 * composite, load balancing, the grid meter, the grid operator's signal), told to the charging
 * core, which offers it to the vehicle capped by the EVSE's maxCurrentA and the cable rating.
 * Each source is kept apart, so that one lifting its limit lets the next lowest apply.
 */
export class ChargingLimits {
  /** Per source stream, per EVSE: its last word. */
  private readonly bySource = new Map<number, Map<number, LimitInForce>>();
  private readonly inForce = new Map<number, LimitInForce>();
  private subscription: Subscription | undefined;
  readonly #changes = new Subject<LimitUpdate>();
  /** The limit in force on an EVSE changed (undefined: none below its own maximum); the session records keep these (issue 17). */
  readonly changes$: Observable<LimitUpdate> = this.#changes.asObservable();

  constructor(
    private readonly station: Pick<Station, 'evse'>,
    private readonly evses: ReadonlyArray<{ evseId: number; maxCurrentA: number }>,
  ) {}

  /** Follows the sources; each emits its limit per EVSE on every change. */
  follow(sources: ReadonlyArray<Observable<LimitUpdate>>): void {
    const tagged = sources.map((source, i) => source.pipe(map((update) => ({ source: i, update }))));
    this.subscription = merge(...tagged).subscribe(({ source, update }) => this.update(source, update));
  }

  private update(source: number, { evseId, limit }: LimitUpdate): void {
    let perEvse = this.bySource.get(source);
    if (!perEvse) this.bySource.set(source, (perEvse = new Map()));
    if (limit) perEvse.set(evseId, limit);
    else perEvse.delete(evseId);
    const lowest = this.lowest(evseId);
    const before = this.inForce.get(evseId);
    if (lowest?.valueA === before?.valueA && lowest?.source === before?.source) return;
    if (lowest) this.inForce.set(evseId, lowest);
    else this.inForce.delete(evseId);
    this.station.evse(evseId)?.setChargingLimit(lowest?.valueA);
    this.#changes.next({ evseId, limit: lowest });
  }

  private lowest(evseId: number): LimitInForce | undefined {
    let lowest: LimitInForce | undefined;
    for (const perEvse of this.bySource.values()) {
      const limit = perEvse.get(evseId);
      if (limit && (!lowest || limit.valueA < lowest.valueA)) lowest = limit;
    }
    return lowest;
  }

  /** For /api/status: the limit in force and who set it; the EVSE's own maximum when no source sets a lower one. */
  limitOf(evseId: number): LimitInForce {
    const maxA = this.evses.find((e) => e.evseId === evseId)?.maxCurrentA ?? 0;
    const set = this.inForce.get(evseId);
    return set && set.valueA < maxA ? set : { valueA: maxA, source: 'evse' };
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }
}
