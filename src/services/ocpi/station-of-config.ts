import type { StationConfig } from '../../config/station-config.js';
import type { OcpiStation } from './location.js';

/** The station's EVSEs and connectors as the OCPI objects need them, from its config. */
export function ocpiStationOf(config: Pick<StationConfig, 'station' | 'evses'>): OcpiStation {
  return {
    identity: config.station.identity,
    evses: config.evses.map((e) => ({
      id: e.id,
      phases: e.phases,
      maxCurrentA: e.maxCurrentA,
      connectors: e.connectors.map((c) => ({ id: c.id, type: c.type, tethered: c.tethered })),
    })),
  };
}
