import type { EvseHardware } from '../hal/station-hardware.js';
import type { EvseConfig } from '../config/station-config.js';
import type { EvsePort } from '../station/ports.js';

/** The charging core's view of one EVSE's hardware: its meter, contactors and plug inputs. */
export function evsePortFrom(hw: EvseHardware, config: EvseConfig): EvsePort {
  return {
    evseId: hw.evseId,
    maxCurrentA: config.maxCurrentA,
    meter: hw.meter,
    connectors: hw.connectors.map((c, i) => {
      const lock = c.lock;
      return {
        connectorId: c.connectorId,
        ...(config.connectors[i]?.type ? { type: config.connectors[i]!.type } : {}),
        setRelay: (closed: boolean) => {
          // The cable is locked in before the contactor closes and released after it opens.
          if (closed && lock && !lock.active) lock.set(true);
          if (c.relay.active !== closed) c.relay.set(closed);
          if (!closed && lock?.active) lock.set(false);
        },
        ...(c.plugDetect ? { plugged$: c.plugDetect.active$ } : {}),
        ...(c.relayFeedback ? { relayFeedback$: c.relayFeedback.active$ } : {}),
        tethered: config.connectors[i]?.tethered ?? false,
        ...(lock
          ? {
              unlock: async () => {
                lock.set(false);
                return !lock.active;
              },
            }
          : {}),
      };
    }),
  };
}
