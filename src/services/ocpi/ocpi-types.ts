/** The OCPI 2.2.1 objects this station writes (mod_cdrs.asciidoc "CDR Object" and its classes; types.asciidoc Price). */

export type OcpiAuthMethod = 'AUTH_REQUEST' | 'COMMAND' | 'WHITELIST';
export type OcpiTokenType = 'AD_HOC_USER' | 'APP_USER' | 'OTHER' | 'RFID';
export type OcpiPowerType = 'AC_1_PHASE' | 'AC_2_PHASE' | 'AC_2_PHASE_SPLIT' | 'AC_3_PHASE' | 'DC';
export type OcpiConnectorFormat = 'SOCKET' | 'CABLE';
export type OcpiDimensionType = 'ENERGY' | 'TIME' | 'PARKING_TIME';

export interface OcpiPrice {
  excl_vat: number;
  incl_vat?: number;
}

export interface OcpiGeoLocation {
  latitude: string;
  longitude: string;
}

export interface OcpiCdrToken {
  country_code: string;
  party_id: string;
  uid: string;
  type: OcpiTokenType;
  contract_id: string;
}

export interface OcpiCdrLocation {
  id: string;
  name?: string;
  address: string;
  city: string;
  postal_code?: string;
  country: string;
  coordinates: OcpiGeoLocation;
  evse_uid: string;
  evse_id: string;
  connector_id: string;
  connector_standard: string;
  connector_format: OcpiConnectorFormat;
  connector_power_type: OcpiPowerType;
}

export interface OcpiChargingPeriod {
  start_date_time: string;
  dimensions: Array<{ type: OcpiDimensionType; volume: number }>;
  tariff_id?: string;
}

export interface OcpiSignedValue {
  nature: string;
  plain_data: string;
  signed_data: string;
}

export interface OcpiSignedData {
  encoding_method: string;
  encoding_method_version?: number;
  public_key?: string;
  signed_values: OcpiSignedValue[];
  url?: string;
}

/** mod_tariffs' Tariff, the part a flat price needs (id, currency, elements of price components). */
export interface OcpiTariff {
  country_code: string;
  party_id: string;
  id: string;
  currency: string;
  elements: Array<{ price_components: Array<{ type: 'ENERGY' | 'TIME'; price: number; step_size: number }> }>;
  last_updated: string;
}

export interface OcpiCdr {
  country_code: string;
  party_id: string;
  id: string;
  start_date_time: string;
  end_date_time: string;
  session_id?: string;
  cdr_token: OcpiCdrToken;
  auth_method: OcpiAuthMethod;
  cdr_location: OcpiCdrLocation;
  meter_id?: string;
  currency: string;
  tariffs?: OcpiTariff[];
  charging_periods: OcpiChargingPeriod[];
  signed_data?: OcpiSignedData;
  total_cost: OcpiPrice;
  total_energy: number;
  total_energy_cost?: OcpiPrice;
  total_time: number;
  total_time_cost?: OcpiPrice;
  total_parking_time?: number;
  remark?: string;
  last_updated: string;
}
