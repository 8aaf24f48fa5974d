import type { AuthorizedBy, SessionRecord } from '../session-history/index.js';
import { parseOcmf } from '../signed-metering/ocmf.js';
import { connectorFormat, connectorStandard, emi3EvseId, evseUid, ocpiAddress, ocpiDateTime, powerType, type OcpiStation } from './location.js';
import type { CompleteOcpiConfig, SimpleTariff } from './ocpi-config.js';
import type { OcpiAuthMethod, OcpiCdr, OcpiChargingPeriod, OcpiPrice, OcpiSignedData, OcpiTariff, OcpiTokenType } from './ocpi-types.js';

/**
 * A session record as an OCPI 2.2.1 CDR (mod_cdrs.asciidoc "CDR Object"): the CPO is this station's
 * operator (config `ocpi`); the token's eMSP is not known to the station, so cdr_token carries the
 * CPO's country and party (the CSMS, which knows the eMSP, may replace them).
 */

const DEFAULT_TARIFF_ID = 'station';
const DEFAULT_CURRENCY = 'EUR';

/** OCPI numbers carry 4 decimals (types.asciidoc "number type"). */
export function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

const hours = (ms: number): number => Math.max(0, ms) / 3_600_000;

/** AuthMethod enum: a remote start is COMMAND; a local list, cache or free charging WHITELIST (no request to the eMSP). */
export function authMethodOf(by: AuthorizedBy): OcpiAuthMethod {
  if (by === 'Remote') return 'COMMAND';
  if (by === 'LocalList' || by === 'Cache' || by === 'Free') return 'WHITELIST';
  return 'AUTH_REQUEST';
}

/** mod_tokens.asciidoc "TokenType enum", from the OCPP IdTokenEnumType. */
export function tokenTypeOf(record: SessionRecord): OcpiTokenType {
  const type = record.idToken?.type;
  if (type === 'ISO14443' || type === 'ISO15693') return 'RFID';
  if (type === 'NoAuthorization') return 'AD_HOC_USER';
  if (record.authorizedBy === 'Remote' || type === 'eMAID') return 'APP_USER';
  return 'OTHER';
}

interface PeriodTimes {
  startAt: Date;
  endAt: Date;
  charging: boolean;
  energyWh: number;
}

function periodTimes(r: SessionRecord): PeriodTimes[] {
  const periods = r.chargingPeriods.length > 0 ? r.chargingPeriods : [{ startAt: r.startedAt, state: 'Charging' as const, energyWh: r.energyWh }];
  return periods.map((p, i) => ({
    startAt: p.startAt,
    endAt: periods[i + 1]?.startAt ?? r.stoppedAt,
    charging: p.state === 'Charging',
    energyWh: p.energyWh,
  }));
}

function price(amount: number): OcpiPrice {
  return { excl_vat: round4(amount) };
}

export function ocpiTariff(ocpi: CompleteOcpiConfig, tariff: SimpleTariff, updated: Date): OcpiTariff {
  const components: OcpiTariff['elements'][number]['price_components'] = [];
  if (tariff.pricePerKWh !== undefined) components.push({ type: 'ENERGY', price: round4(tariff.pricePerKWh), step_size: 1 });
  if (tariff.pricePerHour !== undefined) components.push({ type: 'TIME', price: round4(tariff.pricePerHour), step_size: 1 });
  return { country_code: ocpi.countryCode, party_id: ocpi.partyId, id: tariff.id ?? DEFAULT_TARIFF_ID, currency: tariff.currency, elements: [{ price_components: components }], last_updated: ocpiDateTime(updated) };
}

/** The OCMF documents as SignedData (mod_cdrs.asciidoc "SignedData class"; encoding OCMF as its table names it). */
function signedData(r: SessionRecord): OcpiSignedData | undefined {
  const docs = [
    { nature: 'Start', text: r.ocmf?.start },
    { nature: 'End', text: r.ocmf?.end },
  ].filter((d): d is { nature: string; text: string } => typeof d.text === 'string' && d.text.length > 0);
  if (docs.length === 0) return undefined;
  return {
    encoding_method: 'OCMF',
    ...(r.ocmf?.publicKeyHex ? { public_key: Buffer.from(r.ocmf.publicKeyHex, 'hex').toString('base64') } : {}),
    signed_values: docs.map((d) => ({ nature: d.nature, plain_data: d.text, signed_data: Buffer.from(d.text, 'utf8').toString('base64') })),
  };
}

/** The meter serial (OCMF MS) of the session's signed documents, when there are any. */
function signedMeterId(r: SessionRecord): string | undefined {
  const doc = r.ocmf?.start ?? r.ocmf?.end;
  if (!doc) return undefined;
  try {
    return parseOcmf(doc).payload.MS;
  } catch {
    return undefined;
  }
}

export interface CdrOptions {
  ocpi: CompleteOcpiConfig;
  station: OcpiStation;
  /** Meter serial (meter_id), when known. */
  meterIdOf?: (evseId: number) => string | undefined;
}

export function buildCdr(r: SessionRecord, o: CdrOptions): OcpiCdr {
  const { ocpi, station } = o;
  const evse = station.evses.find((e) => e.id === r.evseId) ?? { id: r.evseId, phases: 3 as const, maxCurrentA: 0, connectors: [] };
  const connector = evse.connectors.find((c) => c.id === r.connectorId) ?? evse.connectors[0] ?? { id: r.connectorId ?? 1, type: 'sType2', tethered: false };
  const tariff = ocpi.tariff;
  const tariffId = tariff ? (tariff.id ?? DEFAULT_TARIFF_ID) : undefined;
  const periods = periodTimes(r);
  const chargingPeriods: OcpiChargingPeriod[] = periods.map((p) => {
    const duration = round4(hours(p.endAt.getTime() - p.startAt.getTime()));
    return {
      start_date_time: ocpiDateTime(p.startAt),
      dimensions: [{ type: 'ENERGY', volume: round4(p.energyWh / 1000) }, { type: p.charging ? 'TIME' : 'PARKING_TIME', volume: duration }],
      ...(tariffId ? { tariff_id: tariffId } : {}),
    };
  });
  const chargingHours = periods.filter((p) => p.charging).reduce((h, p) => h + hours(p.endAt.getTime() - p.startAt.getTime()), 0);
  const parkingHours = periods.filter((p) => !p.charging).reduce((h, p) => h + hours(p.endAt.getTime() - p.startAt.getTime()), 0);
  const totalEnergyKWh = r.energyWh / 1000;
  const energyCost = tariff?.pricePerKWh !== undefined ? totalEnergyKWh * tariff.pricePerKWh : undefined;
  const timeCost = tariff?.pricePerHour !== undefined ? chargingHours * tariff.pricePerHour : undefined;
  const signed = signedData(r);
  const meterId = o.meterIdOf?.(r.evseId) ?? signedMeterId(r);
  const token = r.idToken?.idToken ?? r.transactionId;
  return {
    country_code: ocpi.countryCode,
    party_id: ocpi.partyId,
    id: r.transactionId.slice(0, 39),
    start_date_time: ocpiDateTime(r.startedAt),
    end_date_time: ocpiDateTime(r.stoppedAt),
    session_id: r.transactionId.slice(0, 36),
    cdr_token: { country_code: ocpi.countryCode, party_id: ocpi.partyId, uid: token.slice(0, 36), type: tokenTypeOf(r), contract_id: (r.groupIdToken?.idToken ?? token).slice(0, 36) },
    auth_method: authMethodOf(r.authorizedBy),
    cdr_location: {
      id: ocpi.locationId,
      ...ocpiAddress(ocpi),
      evse_uid: evseUid(station.identity, r.evseId),
      evse_id: emi3EvseId(ocpi, station.identity, r.evseId),
      connector_id: String(connector.id),
      connector_standard: connectorStandard(connector.type, ocpi.connectorStandard),
      connector_format: connectorFormat(connector),
      connector_power_type: powerType(evse),
    },
    ...(meterId ? { meter_id: meterId.slice(0, 255) } : {}),
    currency: tariff?.currency ?? DEFAULT_CURRENCY,
    ...(tariff ? { tariffs: [ocpiTariff(ocpi, tariff, r.stoppedAt)] } : {}),
    charging_periods: chargingPeriods,
    ...(signed ? { signed_data: signed } : {}),
    total_cost: price((energyCost ?? 0) + (timeCost ?? 0)),
    total_energy: round4(totalEnergyKWh),
    ...(energyCost !== undefined ? { total_energy_cost: price(energyCost) } : {}),
    total_time: round4(hours(r.stoppedAt.getTime() - r.startedAt.getTime())),
    ...(timeCost !== undefined ? { total_time_cost: price(timeCost) } : {}),
    total_parking_time: round4(parkingHours),
    remark: `stop reason ${r.stopReason}`,
    last_updated: ocpiDateTime(r.stoppedAt),
  };
}
