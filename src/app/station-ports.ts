import { distinctUntilChanged, map } from 'rxjs';
import type { EvseConfig } from '../config/station-config.js';
import type { ControlPilot } from '../hal/roles/control-pilot.js';
import type { EvseHardware } from '../hal/station-hardware.js';
import type { ConnectorPort, EvsePort, PilotPort } from '../station/ports.js';

/**
 * The charging core's view of one EVSE's hardware roles: its power meter, per connector the board
 * support (contactor, plug detect) and the cable lock, and the control pilot, as the core's ports.
 */
export function evsePortFrom(hw: EvseHardware, config: EvseConfig, beforeClosing?: () => Promise<void> | undefined): EvsePort {
  return {
    evseId: hw.evseId,
    maxCurrentA: config.maxCurrentA,
    meter: hw.meter,
    connectors: hw.connectors.map((c, i): ConnectorPort => {
      const { board, cableLock } = c;
      const connector = config.connectors[i];
      return {
        connectorId: c.connectorId,
        type: connector?.type,
        setRelay: relayDriver((closed) => board.allowPowerOn(closed), beforeClosing),
        plugged$: hw.pilot ? undefined : board.plugged$,
        relayFeedback$: board.contactorClosed$,
        tethered: connector?.tethered ?? false,
        // The core drives the lock: it holds through the session, the relay closes once it reports holding.
        lock: cableLock ? () => cableLock.lock() : undefined,
        // F05: resolves with what the lock reports (false: UnlockFailed).
        unlock: cableLock ? () => cableLock.unlock() : undefined,
        lockFeedback$: cableLock ? c.lockFeedback?.active$ : undefined,
      };
    }),
    pilot: hw.pilot && config.pilot ? pilotPortFrom(hw.pilot, config.pilot) : undefined,
  };
}

/**
 * Opening is at once; closing waits for `beforeClosing` (the journal's messages on disk: the
 * transaction's start is safe from a power cut before energy flows; issue 18), and is dropped when
 * an opening came meanwhile. Checked after the current turn, once the core has journaled what made
 * it close.
 */
export function relayDriver(drive: (closed: boolean) => void, beforeClosing?: () => Promise<void> | undefined): (closed: boolean) => void {
  if (!beforeClosing) return drive;
  let wanted = false;
  const closeIfStillWanted = (): void => {
    if (wanted) drive(true);
  };
  return (closed) => {
    wanted = closed;
    if (!closed) return drive(false);
    queueMicrotask(() => {
      const safe = beforeClosing();
      if (safe) void safe.then(closeIfStillWanted);
      else closeIfStillWanted();
    });
  };
}

function pilotPortFrom(pilot: ControlPilot, config: NonNullable<EvseConfig['pilot']>): PilotPort {
  const health$: PilotPort['health$'] = pilot.health$.pipe(
    map((h) => ({ state: h.state, why: h.lastFault?.message })),
    distinctUntilChanged((a, b) => a.state === b.state),
  );
  return {
    reports$: pilot.status$,
    health$,
    offerCurrent: (amps) => pilot.setOfferedCurrent(amps),
    ventilation: config.ventilation,
    releaseTimeoutMs: config.releaseTimeoutMs,
  };
}
