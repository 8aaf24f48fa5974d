import { dispatch, type Draft } from './evse-draft.js';
import { setOwnFault } from './evse-faults.js';
import { evaluate } from './evse-step.js';

/**
 * Cable locks. A socket's lock holds the cable from the moment a vehicle is plugged in and
 * authorized (so through every pause of the session) until the session is over and the relay
 * open. Where its feedback is wired the relay closes only once the lock reports holding
 * (evseReady), and a lock that does not lock, or does not let go, is a fault (cable-lock).
 */

/** How long a lock is given to report holding the cable after it was driven to. */
export const LOCK_CONFIRM_MS = 1000;

export function applyLocks(d: Draft): void {
  const s = d.s;
  for (const [i, l] of s.locks.entries()) {
    if (!l) continue;
    const c = s.connectors[i]!;
    const wanted = (c.plugged && c.authorized && !c.siblingInUse) || s.contactors[i]!.coil;
    if (wanted !== l.wanted) {
      l.wanted = wanted;
      d.out.push({ type: 'SetLock', index: i, locked: wanted });
    }
    const waiting = wanted && c.cableLocked === false;
    if (waiting && !l.timing) d.out.push({ type: 'ArmTimer', name: `lock-${i}`, ms: LOCK_CONFIRM_MS });
    if (!waiting && l.timing) d.out.push({ type: 'CancelTimer', name: `lock-${i}` });
    l.timing = waiting;
  }
}

/** The lock's feedback changed: the relay may now close; a lock found doing what it is told is no longer a fault. */
export function lockFeedback(d: Draft, index: number, locked: boolean): void {
  dispatch(d, index, { type: 'LockFeedback', locked });
  const l = d.s.locks[index];
  if (l && l.wanted === locked) setOwnFault(d, 'cable-lock', undefined);
  evaluate(d, { trigger: 'ChargingStateChanged' });
}

/** Driven to hold, the lock did not report holding in time: no energy (the relay stays open), a fault. */
export function lockTimeUp(d: Draft, index: number): void {
  const l = d.s.locks[index];
  if (!l) return;
  l.timing = false;
  if (!l.wanted || d.s.connectors[index]!.cableLocked !== false) return;
  setOwnFault(d, 'cable-lock', `connector ${d.s.config.connectorIds[index]}: the cable lock did not lock within ${LOCK_CONFIRM_MS} ms`);
}

/** Released, the lock still holds the cable (its feedback says so): a fault until it lets go. */
export function unlockFailed(d: Draft, index: number): void {
  setOwnFault(d, 'cable-lock', `connector ${d.s.config.connectorIds[index]}: the cable lock still holds the cable after it was released`);
}
