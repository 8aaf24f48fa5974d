/**
 * Checks a CDR against OCPI 2.2.1's field definitions: the tables of mod_cdrs.asciidoc ("CDR Object",
 * "CdrToken class", "CdrLocation class", "ChargingPeriod class", "CdrDimension class", "SignedData
 * class", "SignedValue class"), types.asciidoc ("CiString", "DateTime", "number", "Price class") and
 * mod_locations.asciidoc ("GeoLocation class", "ConnectorFormat", "PowerType" enums). Each field: its
 * type, its length where the table gives one, its cardinality (1 required, ? optional, + one or
 * more, * any number). Unknown fields are reported too (a CDR carries no others).
 */

type Card = '1' | '?' | '+' | '*';
type FieldType =
  | { t: 'CiString' | 'string'; len: number; pattern?: RegExp }
  | { t: 'DateTime' | 'number' | 'int' | 'boolean' }
  | { t: 'enum'; values: readonly string[] }
  | { t: 'object'; fields: Fields }
  | { t: 'any' };
type Fields = Readonly<Record<string, { card: Card; type: FieldType }>>;

const ci = (len: number): FieldType => ({ t: 'CiString', len });
const str = (len: number, pattern?: RegExp): FieldType => ({ t: 'string', len, ...(pattern ? { pattern } : {}) });
const NUMBER: FieldType = { t: 'number' };
const DATETIME: FieldType = { t: 'DateTime' };
const obj = (fields: Fields): FieldType => ({ t: 'object', fields });
const enumOf = (...values: string[]): FieldType => ({ t: 'enum', values });

const PRICE = obj({ excl_vat: { card: '1', type: NUMBER }, incl_vat: { card: '?', type: NUMBER } });

/** mod_locations.asciidoc "ConnectorType enum". */
export const OCPI_CONNECTOR_TYPES = [
  'CHADEMO', 'CHAOJI', 'DOMESTIC_A', 'DOMESTIC_B', 'DOMESTIC_C', 'DOMESTIC_D', 'DOMESTIC_E', 'DOMESTIC_F', 'DOMESTIC_G', 'DOMESTIC_H',
  'DOMESTIC_I', 'DOMESTIC_J', 'DOMESTIC_K', 'DOMESTIC_L', 'DOMESTIC_M', 'DOMESTIC_N', 'DOMESTIC_O', 'GBT_AC', 'GBT_DC',
  'IEC_60309_2_single_16', 'IEC_60309_2_three_16', 'IEC_60309_2_three_32', 'IEC_60309_2_three_64', 'IEC_62196_T1',
  'IEC_62196_T1_COMBO', 'IEC_62196_T2', 'IEC_62196_T2_COMBO', 'IEC_62196_T3A', 'IEC_62196_T3C', 'NEMA_5_20', 'NEMA_6_30',
  'NEMA_6_50', 'NEMA_10_30', 'NEMA_10_50', 'NEMA_14_30', 'NEMA_14_50', 'PANTOGRAPH_BOTTOM_UP', 'PANTOGRAPH_TOP_DOWN', 'TESLA_R', 'TESLA_S',
];

const CDR_FIELDS: Fields = {
  country_code: { card: '1', type: ci(2) },
  party_id: { card: '1', type: ci(3) },
  id: { card: '1', type: ci(39) },
  start_date_time: { card: '1', type: DATETIME },
  end_date_time: { card: '1', type: DATETIME },
  session_id: { card: '?', type: ci(36) },
  cdr_token: {
    card: '1',
    type: obj({
      country_code: { card: '1', type: ci(2) },
      party_id: { card: '1', type: ci(3) },
      uid: { card: '1', type: ci(36) },
      type: { card: '1', type: enumOf('AD_HOC_USER', 'APP_USER', 'OTHER', 'RFID') },
      contract_id: { card: '1', type: ci(36) },
    }),
  },
  auth_method: { card: '1', type: enumOf('AUTH_REQUEST', 'COMMAND', 'WHITELIST') },
  authorization_reference: { card: '?', type: ci(36) },
  cdr_location: {
    card: '1',
    type: obj({
      id: { card: '1', type: ci(36) },
      name: { card: '?', type: str(255) },
      address: { card: '1', type: str(45) },
      city: { card: '1', type: str(45) },
      postal_code: { card: '?', type: str(10) },
      state: { card: '?', type: str(20) },
      country: { card: '1', type: str(3) },
      coordinates: {
        card: '1',
        type: obj({ latitude: { card: '1', type: str(10, /^-?[0-9]{1,2}\.[0-9]{5,7}$/) }, longitude: { card: '1', type: str(11, /^-?[0-9]{1,3}\.[0-9]{5,7}$/) } }),
      },
      evse_uid: { card: '1', type: ci(36) },
      evse_id: { card: '1', type: ci(48) },
      connector_id: { card: '1', type: ci(36) },
      connector_standard: { card: '1', type: { t: 'enum', values: OCPI_CONNECTOR_TYPES } },
      connector_format: { card: '1', type: enumOf('SOCKET', 'CABLE') },
      connector_power_type: { card: '1', type: enumOf('AC_1_PHASE', 'AC_2_PHASE', 'AC_2_PHASE_SPLIT', 'AC_3_PHASE', 'DC') },
    }),
  },
  meter_id: { card: '?', type: str(255) },
  currency: { card: '1', type: str(3) },
  // mod_tariffs.asciidoc is not among the references kept here: a tariff's inside is not checked.
  tariffs: { card: '*', type: { t: 'any' } },
  charging_periods: {
    card: '+',
    type: obj({
      start_date_time: { card: '1', type: DATETIME },
      dimensions: {
        card: '+',
        type: obj({
          type: {
            card: '1',
            type: enumOf('CURRENT', 'ENERGY', 'ENERGY_EXPORT', 'ENERGY_IMPORT', 'MAX_CURRENT', 'MIN_CURRENT', 'MAX_POWER', 'MIN_POWER', 'PARKING_TIME', 'POWER', 'RESERVATION_TIME', 'STATE_OF_CHARGE', 'TIME'),
          },
          volume: { card: '1', type: NUMBER },
        }),
      },
      tariff_id: { card: '?', type: ci(36) },
    }),
  },
  signed_data: {
    card: '?',
    type: obj({
      encoding_method: { card: '1', type: ci(36) },
      encoding_method_version: { card: '?', type: { t: 'int' } },
      public_key: { card: '?', type: str(512) },
      signed_values: { card: '+', type: obj({ nature: { card: '1', type: ci(32) }, plain_data: { card: '1', type: str(5000) }, signed_data: { card: '1', type: str(5000) } }) },
      url: { card: '?', type: str(512) },
    }),
  },
  total_cost: { card: '1', type: PRICE },
  total_fixed_cost: { card: '?', type: PRICE },
  total_energy: { card: '1', type: NUMBER },
  total_energy_cost: { card: '?', type: PRICE },
  total_time: { card: '1', type: NUMBER },
  total_time_cost: { card: '?', type: PRICE },
  total_parking_time: { card: '?', type: NUMBER },
  total_parking_cost: { card: '?', type: PRICE },
  total_reservation_cost: { card: '?', type: PRICE },
  remark: { card: '?', type: str(255) },
  invoice_reference_id: { card: '?', type: ci(39) },
  credit: { card: '?', type: { t: 'boolean' } },
  credit_reference_id: { card: '?', type: ci(39) },
  home_charging_compensation: { card: '?', type: { t: 'boolean' } },
  last_updated: { card: '1', type: DATETIME },
};

/** types.asciidoc "DateTime type": RFC 3339 in UTC, Z or no designator, optional fractions, at most 25 characters. */
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z?$/;
/** types.asciidoc "CiString type": printable ASCII only. */
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;

function checkValue(value: unknown, type: FieldType, where: string, problems: string[]): void {
  switch (type.t) {
    case 'CiString':
    case 'string':
      if (typeof value !== 'string') problems.push(`${where}: not a string`);
      else {
        if (value.length > type.len) problems.push(`${where}: longer than ${type.len}`);
        if (type.t === 'CiString' && !PRINTABLE_ASCII.test(value)) problems.push(`${where}: not printable ASCII`);
        if ('pattern' in type && type.pattern && !type.pattern.test(value)) problems.push(`${where}: does not match ${String(type.pattern)}`);
      }
      return;
    case 'DateTime':
      if (typeof value !== 'string' || value.length > 25 || !DATETIME_RE.test(value) || Number.isNaN(Date.parse(value))) problems.push(`${where}: not an OCPI DateTime`);
      return;
    case 'number':
      // "numbers use 4 decimals" (types.asciidoc).
      if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${where}: not a number`);
      else if (Math.abs(Math.round(value * 10_000) - value * 10_000) > 1e-6) problems.push(`${where}: more than 4 decimals`);
      return;
    case 'int':
      if (!Number.isInteger(value)) problems.push(`${where}: not an int`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${where}: not a boolean`);
      return;
    case 'enum':
      if (typeof value !== 'string' || !type.values.includes(value)) problems.push(`${where}: ${JSON.stringify(value)} is not one of the enum's values`);
      return;
    case 'object':
      checkObject(value, type.fields, where, problems);
      return;
    case 'any':
      return;
  }
}

function checkObject(value: unknown, fields: Fields, where: string, problems: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${where}: not an object`);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!Object.hasOwn(fields, key)) problems.push(`${where ? `${where}.` : ""}${key}: not a field of this object`);
  for (const [key, { card, type }] of Object.entries(fields)) {
    const v = record[key];
    const at = where ? `${where}.${key}` : key;
    if (v === undefined || v === null) {
      if (card === '1' || card === '+') problems.push(`${at}: required`);
      continue;
    }
    if (card === '+' || card === '*') {
      if (!Array.isArray(v)) problems.push(`${at}: not a list`);
      else if (card === '+' && v.length === 0) problems.push(`${at}: needs at least one`);
      else v.forEach((item, i) => checkValue(item, type, `${at}[${i}]`, problems));
    } else checkValue(v, type, at, problems);
  }
}

/** The ways `cdr` breaks the field definitions; empty when it keeps them. */
export function cdrProblems(cdr: unknown): string[] {
  const problems: string[] = [];
  checkObject(cdr, CDR_FIELDS, '', problems);
  return problems;
}
