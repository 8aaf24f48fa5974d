import type { EvseConfig } from '../config/station-config.js';
import type { EvseHardware } from '../hal/station-hardware.js';
import type { ConnectorPort, EvsePort } from '../station/ports.js';

/**
 * The charging core's view of one EVSE's hardware roles: its power meter, and per connector the
 * board support (contactor, plug detect) and the cable lock, as the core's ports.
 */
export function evsePortFrom(hw: EvseHardware, config: EvseConfig): EvsePort {
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
        setRelay: (closed: boolean) => {
          // The cable is locked in before the contactor closes and released after it opens.
          if (closed) cableLock?.lock();
          board.allowPowerOn(closed);
          if (!closed && cableLock?.locked) void cableLock.unlock();
        },
        plugged$: board.plugged$,
        relayFeedback$: board.contactorClosed$,
        tethered: connector?.tethered ?? false,
        // F05: resolves with what the lock reports (false: UnlockFailed).
        unlock: cableLock ? () => cableLock.unlock() : undefined,
      };
    }),
  };
}
