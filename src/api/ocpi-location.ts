import type { StationConfig } from '../config/station-config.js';
import { ocpiLocation } from '../services/ocpi/location.js';
import { isCompleteOcpi, missingOcpiKeys } from '../services/ocpi/ocpi-config.js';
import { ocpiStationOf } from '../services/ocpi/station-of-config.js';
import type { Station } from '../station/station.js';

/**
 * GET /api/ocpi/location (issue 17): the station as an OCPI 2.2.1 Location with its EVSEs and
 * Connectors (mod_locations.asciidoc "Location Object"), each EVSE's status from its connectors'
 * statuses now ("Status enum"), for a CPO system that polls the station. Without the config's
 * `ocpi` keys there is no Location: the answer names the ones missing.
 */
export type OcpiLocationAnswer = { location: Record<string, unknown> } | { missingKeys: string[] };

export function liveOcpiLocation(config: Pick<StationConfig, 'ocpi' | 'station' | 'evses'>, station: Pick<Station, 'evse'>, now: Date): OcpiLocationAnswer {
  const { ocpi } = config;
  if (!isCompleteOcpi(ocpi)) return { missingKeys: missingOcpiKeys(ocpi) };
  const statusOf = (evseId: number, connectorId: number) => station.evse(evseId)?.connectors.find((c) => c.connectorId === connectorId)?.view.status;
  return { location: ocpiLocation(ocpi, ocpiStationOf(config), statusOf, now) };
}
