import type { TxPoint } from './types.js';

/** What holds on an EVSE at a moment, as far as transaction start and stop points care. */
export interface EvseConditions {
  evConnected: boolean;
  authorized: boolean;
  powerPathClosed: boolean;
  energyTransfer: boolean;
}

/** Which conditions have held at some time during the running transaction. */
export type HeldDuringTransaction = Readonly<Record<keyof EvseConditions, boolean>>;

export const NOTHING_HELD: HeldDuringTransaction = {
  evConnected: false,
  authorized: false,
  powerPathClosed: false,
  energyTransfer: false,
};

/**
 * E01: a transaction starts at the first of the configured start points to be reached
 * (E01.FR.02 EVConnected, E01.FR.03 Authorized, E01.FR.05 PowerPathClosed, E01.FR.06 EnergyTransfer).
 */
export function startPointReached(points: readonly TxPoint[], c: EvseConditions): TxPoint | undefined {
  return points.find((p) => {
    switch (p) {
      case 'EVConnected':
        return c.evConnected;
      case 'Authorized':
        return c.authorized;
      case 'PowerPathClosed':
        return c.authorized && c.evConnected && c.powerPathClosed;
      case 'EnergyTransfer':
        return c.energyTransfer;
    }
  });
}

/**
 * E06: a transaction stops when a configured stop point no longer holds. "No longer" needs it to
 * have held: a transaction started by the id token before the cable is plugged in is not ended
 * for want of a cable it never had (E03 covers that case with EVConnectionTimeOut).
 * E06.FR.02 EVConnected, E06.FR.03/04 Authorized, E06.FR.06 PowerPathClosed (EV lost or
 * authorization ended), E06.FR.07 EnergyTransfer.
 */
export function stopPointLost(points: readonly TxPoint[], c: EvseConditions, held: HeldDuringTransaction): TxPoint | undefined {
  return points.find((p) => {
    switch (p) {
      case 'EVConnected':
        return held.evConnected && !c.evConnected;
      case 'Authorized':
        return held.authorized && !c.authorized;
      case 'PowerPathClosed':
        return (held.evConnected && !c.evConnected) || (held.authorized && !c.authorized);
      case 'EnergyTransfer':
        return held.energyTransfer && !c.energyTransfer;
    }
  });
}

export function updateHeld(held: HeldDuringTransaction, c: EvseConditions): HeldDuringTransaction {
  return {
    evConnected: held.evConnected || c.evConnected,
    authorized: held.authorized || c.authorized,
    powerPathClosed: held.powerPathClosed || c.powerPathClosed,
    energyTransfer: held.energyTransfer || c.energyTransfer,
  };
}
