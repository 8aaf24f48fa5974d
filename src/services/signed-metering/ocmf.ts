import { createVerify } from 'node:crypto';
import { identificationOf } from './ocmf-identification.js';
import { formatOcmfTime, parseOcmfTime, parseSection, serializeOcmfPayload, splitOcmf } from './ocmf-text.js';
import {
  DEFAULT_SIGNATURE_METHOD, OCMF_FORMAT_VERSION, OCMF_METER_STATUSES, OCMF_TRANSACTION_REASONS, OcmfFormatError,
  type OcmfEnergyUnit, type OcmfMeterStatus, type OcmfPayload, type OcmfPayloadReading, type OcmfSignature,
  type OcmfSignatureMethod, type OcmfSigner, type OcmfTimeStatus, type OcmfTransactionReason,
} from './ocmf-types.js';
import { curveOfSignatureMethod, publicKeyFromHex } from './public-key.js';

/**
 * OCMF documents (OCMF-en.md): built from a session's readings, signed, parsed and verified.
 * The codec is our own: @road-labs/ocmf 0.0.9 (one release) re-serialises the payload with
 * JSON.stringify, which rewrites RV ("2935.600" to 2935.6) against Table 7; the tests use it as the
 * independent verifier instead.
 */

export * from './ocmf-types.js';
export { formatOcmfTime, parseOcmfTime, serializeOcmfPayload } from './ocmf-text.js';

/** RI for the meter's total active energy import register, OBIS 1-0:1.8.0*255 in OCMF 1.4's hex form. */
export const OBIS_ACTIVE_ENERGY_IMPORT = '01-00:01.08.00*FF';

export interface OcmfReading {
  time: Date;
  energyWh: number;
  /** TX: B at the start, C in between, E (or L/R/A/P) at the end, T on a tariff change. */
  type: OcmfTransactionReason;
  /** ST; G (meter working correctly) when absent. */
  status?: OcmfMeterStatus;
  /** The TM flag; I (informative clock) when absent, as a station's own clock is. */
  timeStatus?: OcmfTimeStatus;
  /** EF: quantities no longer usable for billing ("E" energy, "t" time). */
  errorFlags?: string;
}

export interface OcmfSession {
  /** GS: the serial of the signing component (the station id when the station signs). */
  gatewayId: string;
  /** GI: manufacturer, model, variant of the signing component. */
  gatewayIdentification?: string;
  /** GV: its software version. */
  gatewayVersion?: string;
  /** PG's transaction counter ("T<n>"), one more per signed document of the signer; 1 when absent. */
  pagination?: number;
  /** MS, MV, MM, MF (Table 3). */
  meterId: string;
  meterVendor?: string;
  meterModel?: string;
  meterFirmware?: string;
  /** The OCPP id token; its type may be OCPP's (ISO14443, eMAID, Central...) or Table 17's. */
  idToken?: { value: string; type: string };
  /** How the token was authorized, as the session record says (Card, Remote, LocalList, Cache, Free). */
  authorizedBy?: string;
  /** TT (0..250). */
  tariffText?: string;
  /** CT / CI (Table 6): EVSEID with the eMI3 EVSE id, or CBIDC "<charge box id> <connector>". */
  chargePoint?: { type: 'EVSEID' | 'CBIDC'; id: string };
  /** RU; kWh (three decimals, Wh resolution) when absent. */
  unit?: OcmfEnergyUnit;
  /** RT; AC when absent. */
  currentType?: 'AC' | 'DC';
  readings: OcmfReading[];
}

function readingOf(reading: OcmfReading, unit: OcmfEnergyUnit, currentType: 'AC' | 'DC'): OcmfPayloadReading {
  if (!Number.isFinite(reading.energyWh) || reading.energyWh < 0) {
    throw new OcmfFormatError(`reading energy ${reading.energyWh} Wh is not a meter register value`);
  }
  return {
    TM: formatOcmfTime(reading.time, reading.timeStatus ?? 'I'),
    TX: reading.type,
    RV: unit === 'kWh' ? Math.round(reading.energyWh) / 1000 : Math.round(reading.energyWh),
    RI: OBIS_ACTIVE_ENERGY_IMPORT,
    RU: unit,
    RT: currentType,
    // Figure 1 writes EF "" for a reading without errors.
    EF: reading.errorFlags ?? '',
    ST: reading.status ?? 'G',
  };
}

/**
 * The payload section for a session's readings, keys in the spec's order (Tables 1-7). Every
 * reading repeats its fields, as Figure 1 does; the user assignment (IS, IL, IF, IT, ID) is present
 * because every document here refers to a transaction (Table 4).
 */
export function buildOcmfPayload(session: OcmfSession): OcmfPayload {
  if (session.readings.length === 0) throw new OcmfFormatError('an OCMF document needs at least one reading (RD)');
  if (!session.meterId) throw new OcmfFormatError('MS (meter serial) is mandatory');
  const pagination = session.pagination ?? 1;
  if (!Number.isInteger(pagination) || pagination < 0) throw new OcmfFormatError(`pagination ${pagination} is not a natural number`);
  const unit = session.unit ?? 'kWh';
  const currentType = session.currentType ?? 'AC';
  const identification = identificationOf(session.idToken, session.authorizedBy);
  return {
    FV: OCMF_FORMAT_VERSION,
    GI: session.gatewayIdentification,
    GS: session.gatewayId,
    GV: session.gatewayVersion,
    PG: `T${pagination}`,
    MV: session.meterVendor,
    MM: session.meterModel,
    MS: session.meterId,
    MF: session.meterFirmware,
    IS: identification.IS,
    IL: identification.IL,
    IF: identification.IF,
    IT: identification.IT,
    ID: identification.ID,
    TT: session.tariffText?.slice(0, 250),
    CT: session.chargePoint?.type,
    CI: session.chargePoint?.id,
    RD: session.readings.map((r) => readingOf(r, unit, currentType)),
  };
}

/** The whole `OCMF|{payload}|{signature}` text; SD is the hex DER signature over the payload text (Table 8). */
export function signOcmf(payload: OcmfPayload, signer: OcmfSigner): string {
  const payloadText = serializeOcmfPayload(payload);
  const signatureDer = signer.sign(Buffer.from(payloadText, 'utf8'));
  const signature: OcmfSignature = { SA: signer.signatureMethod, SD: signatureDer.toString('hex').toUpperCase() };
  return `OCMF|${payloadText}|${JSON.stringify(signature)}`;
}

export interface ParsedOcmf {
  /** The payload as sent; fields a reading omits because they equal the previous reading's are filled in. */
  payload: OcmfPayload;
  signature: OcmfSignature;
  /** The payload section's exact text, the signed bytes. */
  payloadText: string;
}

/** Reading fields that carry over from the previous reading when omitted (Table 7's "Readings" rule). */
const CARRIED_OVER = ['TX', 'RI', 'RU', 'RT', 'EF', 'ST'] as const;

function checkReading(raw: unknown, previous: OcmfPayloadReading | undefined, index: number): OcmfPayloadReading {
  if (typeof raw !== 'object' || raw === null) throw new OcmfFormatError(`RD[${index}] is not an object`);
  const reading = { ...raw } as Record<string, unknown>;
  for (const key of CARRIED_OVER) if (reading[key] === undefined && previous?.[key] !== undefined) reading[key] = previous[key];
  if (typeof reading.TM !== 'string') throw new OcmfFormatError(`RD[${index}].TM is missing`);
  parseOcmfTime(reading.TM);
  if (reading.TX !== undefined && !OCMF_TRANSACTION_REASONS.includes(reading.TX as OcmfTransactionReason)) {
    throw new OcmfFormatError(`RD[${index}].TX "${String(reading.TX)}" is not in Table 7`);
  }
  if (reading.RV !== undefined && typeof reading.RV !== 'number') throw new OcmfFormatError(`RD[${index}].RV is not a number`);
  if (!OCMF_METER_STATUSES.includes(reading.ST as OcmfMeterStatus)) throw new OcmfFormatError(`RD[${index}].ST is not in Table 10`);
  return reading as unknown as OcmfPayloadReading;
}

/** Parses an OCMF text; throws OcmfFormatError when it breaks the format (not when its signature is wrong). */
export function parseOcmf(text: string): ParsedOcmf {
  const { payloadText, signatureText } = splitOcmf(text);
  const raw = parseSection(payloadText, 'payload');
  const signature = parseSection(signatureText, 'signature') as unknown as OcmfSignature;
  if (typeof raw.PG !== 'string' || !/^[TF](0|[1-9]\d*)$/.test(raw.PG)) throw new OcmfFormatError('PG is not T<n> or F<n>');
  if (typeof raw.MS !== 'string') throw new OcmfFormatError('MS (meter serial) is missing');
  if (!Array.isArray(raw.RD) || raw.RD.length === 0) throw new OcmfFormatError('RD has no readings');
  if (typeof signature.SD !== 'string' || signature.SD.length === 0) throw new OcmfFormatError('SD is missing');
  const readings: OcmfPayloadReading[] = [];
  raw.RD.forEach((r: unknown, i) => readings.push(checkReading(r, readings[i - 1], i)));
  return { payload: { ...(raw as unknown as OcmfPayload), RD: readings }, signature, payloadText };
}

/** The readings of a parsed document in Wh, for comparing with a session record. */
export function readingsOf(parsed: ParsedOcmf): Array<{ time: Date; energyWh: number | undefined; type?: OcmfTransactionReason }> {
  return parsed.payload.RD.map((r) => ({
    time: parseOcmfTime(r.TM).time,
    energyWh: r.RV === undefined ? undefined : r.RU === 'kWh' ? Math.round(r.RV * 1000) : r.RU === 'Wh' ? r.RV : undefined,
    type: r.TX,
  }));
}

/**
 * True when `text` is an OCMF document whose signature verifies with the key (hex of the DER
 * SubjectPublicKeyInfo, or of the bare curve point); false for a wrong signature, a changed payload,
 * a key of another curve than SA names, or a text that is not OCMF.
 */
export function verifyOcmf(text: string, publicKeyHex: string): boolean {
  let parsed: ParsedOcmf;
  try {
    parsed = parseOcmf(text);
  } catch {
    return false;
  }
  const { signature, payloadText } = parsed;
  const method: OcmfSignatureMethod = signature.SA ?? DEFAULT_SIGNATURE_METHOD;
  if ((signature.SM ?? 'application/x-der') !== 'application/x-der') return false;
  const encoding = signature.SE ?? 'hex';
  if (encoding !== 'hex' && encoding !== 'base64') return false;
  if (encoding === 'hex' && !/^([0-9a-fA-F]{2})+$/.test(signature.SD)) return false;
  const key = publicKeyFromHex(publicKeyHex, curveOfSignatureMethod(method));
  if (key === undefined || key.asymmetricKeyDetails?.namedCurve !== curveOfSignatureMethod(method)) return false;
  try {
    return createVerify('sha256').update(Buffer.from(payloadText, 'utf8')).verify(key, Buffer.from(signature.SD, encoding));
  } catch {
    return false;
  }
}
