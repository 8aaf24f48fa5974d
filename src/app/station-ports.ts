import type { EvseHardware } from '../hal/station-hardware.js';
import type { EvseConfig } from '../config/station-config.js';
import type { EvsePort } from '../station/ports.js';

/** The charging core's view of one EVSE's hardware: its meter, contactors and plug inputs. */
export function evsePortFrom(hw: EvseHardware, config: EvseConfig): EvsePort {
  return {
    evseId: hw.evseId,
    maxCurrentA: config.maxCurrentA,
    meter: hw.meter,
    connectors: hw.connectors.map((c) => ({
      connectorId: c.connectorId,
      setRelay: (closed: boolean) => {
        if (c.relay.active !== closed) c.relay.set(closed);
      },
      ...(c.plugDetect ? { plugged$: c.plugDetect.active$ } : {}),
    })),
  };
}
