import type { Reservation } from './types.js';

/**
 * Whether reservations of no particular EVSE can all still be kept: each needs its own free EVSE
 * (one with a connector of its type, when it names one). A maximum bipartite matching between
 * reservations and free EVSEs answers it; a station has a handful of each.
 */

/** What the matching needs to know of a free EVSE. */
export interface FreeEvse {
  id: number;
  connectorTypes: readonly string[];
}

export type Demand = Pick<Reservation, 'connectorType'>;

/** Whether the EVSE can serve the reservation: any connector, or one of the type it asks for. */
export const serves = (evse: FreeEvse, r: Demand): boolean => r.connectorType === undefined || evse.connectorTypes.includes(r.connectorType);

/** The indexes of the reservations left without an EVSE; earlier reservations are placed first. */
export function unmatched(reservations: readonly Demand[], evses: readonly FreeEvse[]): number[] {
  const holder = new Map<number, number>(); // EVSE id -> reservation index
  // Kuhn's augmenting path; depth at most the number of reservations.
  const place = (i: number, tried: Set<number>): boolean => {
    for (const e of evses) {
      if (tried.has(e.id) || !serves(e, reservations[i]!)) continue;
      tried.add(e.id);
      const other = holder.get(e.id);
      if (other === undefined || place(other, tried)) {
        holder.set(e.id, i);
        return true;
      }
    }
    return false;
  };
  const left: number[] = [];
  for (let i = 0; i < reservations.length; i++) if (!place(i, new Set())) left.push(i);
  return left;
}

export const coverable = (reservations: readonly Demand[], evses: readonly FreeEvse[]): boolean => unmatched(reservations, evses).length === 0;

/**
 * The free EVSEs nobody else may take: without any one of them the reservations could no longer all
 * be kept (2.0.1 H01.FR.07/09). These show Reserved (H01.FR.20/24); the others stay Available.
 */
export function heldEvses(reservations: readonly Demand[], evses: readonly FreeEvse[]): Set<number> {
  if (reservations.length === 0) return new Set();
  return new Set(evses.filter((e) => !coverable(reservations, evses.filter((x) => x.id !== e.id))).map((e) => e.id));
}
