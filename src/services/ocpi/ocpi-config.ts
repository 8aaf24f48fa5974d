/**
 * The config's `ocpi` section (issue 17, Fixed names): where the station stands, as OCPI 2.2.1's
 * Location and the CDR's CdrLocation give it (mod_locations.asciidoc "Location Object", mod_cdrs.asciidoc
 * "CdrLocation class"), and an optional simple tariff for the CDR's costs.
 */
export interface OcpiConfig {
  /** ISO-3166 alpha-2 code of the CPO (CiString(2)). */
  countryCode?: string;
  /** The CPO's party id (CiString(3), ISO 15118). */
  partyId?: string;
  /** Location.id (CiString(36)). */
  locationId?: string;
  address?: string;
  city?: string;
  postalCode?: string;
  /** ISO 3166-1 alpha-3. */
  country?: string;
  /** Decimal degrees as OCPI's GeoLocation texts ("50.770774"), or numbers. */
  coordinates?: { latitude: string | number; longitude: string | number };
  /** IANA tz name, e.g. Europe/Berlin. */
  timeZone?: string;
  /** Location.name. */
  name?: string;
  /** An OCPI ConnectorType for every connector; absent: derived from each connector's OCPP type. */
  connectorStandard?: string;
  tariff?: SimpleTariff;
}

/** A flat price: per kWh delivered and per hour of charging (OCPI TariffDimensionType ENERGY and TIME). */
export interface SimpleTariff {
  /** Tariff.id (CiString(36)); default "station". */
  id?: string;
  /** ISO 4217. */
  currency: string;
  /** Excluding VAT. */
  pricePerKWh?: number;
  /** Per hour of charging (Charging periods), excluding VAT. */
  pricePerHour?: number;
}

/** The keys a CDR's location needs (Fixed names), in the order an operator fills them in. */
export const REQUIRED_OCPI_KEYS = ['countryCode', 'partyId', 'locationId', 'address', 'city', 'postalCode', 'country', 'coordinates', 'timeZone'] as const;

export type CompleteOcpiConfig = OcpiConfig & Required<Pick<OcpiConfig, (typeof REQUIRED_OCPI_KEYS)[number]>>;

/** The `ocpi.<key>` names that are missing or empty, for the exit-78 message. */
export function missingOcpiKeys(ocpi: OcpiConfig | undefined): string[] {
  return REQUIRED_OCPI_KEYS.filter((key) => {
    const value = ocpi?.[key];
    if (key === 'coordinates') {
      const c = ocpi?.coordinates;
      return !c || c.latitude === undefined || c.longitude === undefined || c.latitude === '' || c.longitude === '';
    }
    return typeof value !== 'string' || value.trim() === '';
  }).map((key) => `ocpi.${key}`);
}

export function isCompleteOcpi(ocpi: OcpiConfig | undefined): ocpi is CompleteOcpiConfig {
  return missingOcpiKeys(ocpi).length === 0;
}

/** OCPI's GeoLocation text: decimal degrees with 5 to 7 decimals (mod_locations.asciidoc "GeoLocation class"). */
export function geoText(value: string | number): string {
  if (typeof value === 'string') return value;
  return value.toFixed(6);
}
