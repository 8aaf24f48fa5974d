import type { ConnectorStatus } from '../../station/types.js';
import { geoText, type CompleteOcpiConfig } from './ocpi-config.js';
import type { OcpiConnectorFormat, OcpiPowerType } from './ocpi-types.js';

/**
 * The station as an OCPI 2.2.1 Location with its EVSEs and Connectors (mod_locations.asciidoc
 * "Location Object", "EVSE Object", "Connector Object"), for a CPO system that publishes it, and the
 * mapping of the station's connector statuses to OCPI's EVSE Status enum.
 */

export interface OcpiStationConnector {
  id: number;
  /** OCPP 2.0.1 ConnectorEnumType, as the config's connector type. */
  type: string;
  tethered: boolean;
}

export interface OcpiStationEvse {
  id: number;
  phases: 1 | 3;
  maxCurrentA: number;
  connectors: OcpiStationConnector[];
}

export interface OcpiStation {
  identity: string;
  evses: OcpiStationEvse[];
}

/** Line-to-neutral voltage of the supply (Connector.max_voltage: line to neutral for AC_3_PHASE). */
const NOMINAL_VOLTAGE_V = 230;

/** OCPP ConnectorEnumType to OCPI ConnectorType (mod_locations.asciidoc "ConnectorType enum"). */
const STANDARD_OF: Readonly<Record<string, string>> = {
  cType1: 'IEC_62196_T1',
  cType2: 'IEC_62196_T2',
  sType2: 'IEC_62196_T2',
  sType3: 'IEC_62196_T3C',
  cCCS1: 'IEC_62196_T1_COMBO',
  cCCS2: 'IEC_62196_T2_COMBO',
  cG105: 'CHADEMO',
  cTesla: 'TESLA_S',
  'cChaoJi': 'CHAOJI',
  'cGBT': 'GBT_AC',
  's309-1P-16A': 'IEC_60309_2_single_16',
  's309-3P-16A': 'IEC_60309_2_three_16',
  's309-3P-32A': 'IEC_60309_2_three_32',
  sBS1361: 'DOMESTIC_G',
  sCEE77: 'DOMESTIC_F',
  sNEMA520: 'NEMA_5_20',
};

export function connectorStandard(ocppType: string, override?: string): string {
  return override ?? STANDARD_OF[ocppType] ?? 'IEC_62196_T2';
}

/** A tethered cable is CABLE; a socket the driver brings a cable to is SOCKET ("ConnectorFormat enum"). */
export function connectorFormat(c: OcpiStationConnector): OcpiConnectorFormat {
  return c.tethered ? 'CABLE' : 'SOCKET';
}

export function powerType(evse: OcpiStationEvse): OcpiPowerType {
  return evse.phases === 3 ? 'AC_3_PHASE' : 'AC_1_PHASE';
}

/** The station identity as eMI3 allows in an id: letters and digits only. */
function alnum(text: string): string {
  return text.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
}

/** EVSE.uid (CiString(36)): unique within the CPO's platform: the station identity and the EVSE id. */
export function evseUid(identity: string, evseId: number): string {
  const suffix = `-${evseId}`;
  return `${identity.slice(0, 36 - suffix.length)}${suffix}`;
}

/**
 * EVSE.evse_id in the eMI3 form <country>*<operator>*E<power outlet id> (eMI3 V1.0, as OCPI's
 * evse_id field cites it): the outlet id is the station identity's letters and digits, '*', the EVSE id.
 */
export function emi3EvseId(ocpi: Pick<CompleteOcpiConfig, 'countryCode' | 'partyId'>, identity: string, evseId: number): string {
  const prefix = `${ocpi.countryCode.toUpperCase()}*${ocpi.partyId.toUpperCase()}*E`;
  const outlet = `*${evseId}`;
  return `${prefix}${alnum(identity).slice(0, 48 - prefix.length - outlet.length)}${outlet}`;
}

export type OcpiEvseStatus = 'AVAILABLE' | 'BLOCKED' | 'CHARGING' | 'INOPERATIVE' | 'OUTOFORDER' | 'PLANNED' | 'REMOVED' | 'RESERVED' | 'UNKNOWN';

/**
 * The station's connector status as OCPI's EVSE Status ("Status enum"): Occupied is CHARGING ("in
 * use"), Unavailable INOPERATIVE (set so by the operator, not broken), Faulted OUTOFORDER; a status
 * not known (offline, not yet reported) UNKNOWN.
 */
export function ocpiEvseStatus(status: ConnectorStatus | undefined): OcpiEvseStatus {
  switch (status) {
    case 'Available':
      return 'AVAILABLE';
    case 'Occupied':
      return 'CHARGING';
    case 'Reserved':
      return 'RESERVED';
    case 'Unavailable':
      return 'INOPERATIVE';
    case 'Faulted':
      return 'OUTOFORDER';
    default:
      return 'UNKNOWN';
  }
}

/** An EVSE's status from its connectors': the most telling one (a fault over use over reservation). */
export function evseStatusOf(statuses: ReadonlyArray<ConnectorStatus | undefined>): OcpiEvseStatus {
  const mapped = statuses.map(ocpiEvseStatus);
  for (const s of ['OUTOFORDER', 'CHARGING', 'RESERVED', 'INOPERATIVE', 'AVAILABLE'] as const) if (mapped.includes(s)) return s;
  return 'UNKNOWN';
}

/** OCPI DateTime: UTC, seconds (types.asciidoc "DateTime type"). */
export function ocpiDateTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The station's Location object; `statusOf` gives each connector's current status (undefined: unknown). */
/** The address fields a Location and a CDR's cdr_location share (mod_locations.asciidoc 8.3.1, mod_cdrs.asciidoc 10.4.4). */
export function ocpiAddress(ocpi: CompleteOcpiConfig): { name?: string; address: string; city: string; postal_code: string; country: string; coordinates: { latitude: string; longitude: string } } {
  return {
    ...(ocpi.name ? { name: ocpi.name } : {}),
    address: ocpi.address,
    city: ocpi.city,
    postal_code: ocpi.postalCode,
    country: ocpi.country,
    coordinates: { latitude: geoText(ocpi.coordinates.latitude), longitude: geoText(ocpi.coordinates.longitude) },
  };
}

export function ocpiLocation(
  ocpi: CompleteOcpiConfig,
  station: OcpiStation,
  statusOf: (evseId: number, connectorId: number) => ConnectorStatus | undefined,
  now: Date,
): Record<string, unknown> {
  const updated = ocpiDateTime(now);
  return {
    country_code: ocpi.countryCode,
    party_id: ocpi.partyId,
    id: ocpi.locationId,
    publish: true,
    ...ocpiAddress(ocpi),
    time_zone: ocpi.timeZone,
    evses: station.evses.map((evse) => ({
      uid: evseUid(station.identity, evse.id),
      evse_id: emi3EvseId(ocpi, station.identity, evse.id),
      status: evseStatusOf(evse.connectors.map((c) => statusOf(evse.id, c.id))),
      capabilities: ['RFID_READER', 'REMOTE_START_STOP_CAPABLE'],
      connectors: evse.connectors.map((c) => ({
        id: String(c.id),
        standard: connectorStandard(c.type, ocpi.connectorStandard),
        format: connectorFormat(c),
        power_type: powerType(evse),
        max_voltage: NOMINAL_VOLTAGE_V,
        max_amperage: Math.round(evse.maxCurrentA),
        max_electric_power: Math.round(NOMINAL_VOLTAGE_V * evse.maxCurrentA * evse.phases),
        ...(ocpi.tariff ? { tariff_ids: [ocpi.tariff.id ?? 'station'] } : {}),
        last_updated: updated,
      })),
      last_updated: updated,
    })),
    last_updated: updated,
  };
}
