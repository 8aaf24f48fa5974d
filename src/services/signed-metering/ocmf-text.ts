import { OcmfFormatError, type OcmfPayload, type OcmfPayloadReading, type OcmfTimeStatus } from './ocmf-types.js';

/**
 * The text of an OCMF document (OCMF-en.md "JSON based OCMF Format"): `OCMF|<payload>|<signature>`,
 * sections separated by "|", which therefore may not occur inside a section.
 */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * TM (Table 7): `<Year>-<Month>-<Day>T<Hours>:<Minutes>:<Seconds>,<Milliseconds><Time Zone> <status>`,
 * e.g. `2018-07-24T13:22:04,000+0000 S`. Written in UTC (+0000): one zone for every station.
 */
export function formatOcmfTime(time: Date, status: OcmfTimeStatus): string {
  if (Number.isNaN(time.getTime())) throw new OcmfFormatError('reading time is not a valid date');
  const date = `${pad(time.getUTCFullYear(), 4)}-${pad(time.getUTCMonth() + 1)}-${pad(time.getUTCDate())}`;
  const clock = `${pad(time.getUTCHours())}:${pad(time.getUTCMinutes())}:${pad(time.getUTCSeconds())}`;
  return `${date}T${clock},${pad(time.getUTCMilliseconds(), 3)}+0000 ${status}`;
}

const TM_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2}),(\d{3})([+-])(\d{2})(\d{2}) ([UISR])$/;

/** A TM value read back: the instant and its synchronisation flag; throws OcmfFormatError on another form. */
export function parseOcmfTime(text: string): { time: Date; status: OcmfTimeStatus } {
  const m = TM_PATTERN.exec(text);
  if (!m) throw new OcmfFormatError(`TM "${text}" is not <date>T<time>,<ms><zone> <status>`);
  const [, y, mo, d, h, mi, s, ms, sign, zh, zm, status] = m;
  const offsetMin = (sign === '-' ? -1 : 1) * (Number(zh) * 60 + Number(zm));
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms));
  return { time: new Date(utc - offsetMin * 60_000), status: status as OcmfTimeStatus };
}

/**
 * Decimal places RV is written with per unit. The spec (Table 7, RV) forbids rewriting the number's
 * representation; JSON.stringify would drop trailing zeros (2935.600 becomes 2935.6), so RV is written
 * here. kWh with three places keeps the meter's Wh resolution (as Figure 1's "2935.600").
 */
const DECIMALS_BY_UNIT: Readonly<Record<string, number>> = { kWh: 3, Wh: 0 };

/** JSON text of a string or other plain value, with "|" escaped so the sections stay separable. */
const jsonValue = (value: unknown): string => JSON.stringify(value).replaceAll('|', '\\u007c');

function readingText(reading: OcmfPayloadReading): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(reading)) {
    if (value === undefined) continue;
    if (key === 'RV' || key === 'CL') {
      const decimals = DECIMALS_BY_UNIT[reading.RU] ?? 3;
      if (!Number.isFinite(value)) throw new OcmfFormatError(`${key} must be a finite number`);
      parts.push(`"${key}":${(value as number).toFixed(decimals)}`);
    } else {
      parts.push(`"${key}":${jsonValue(value)}`);
    }
  }
  return `{${parts.join(',')}}`;
}

/**
 * The payload section's exact text: keys in the object's order (buildOcmfPayload keeps the spec's),
 * no white space, RV with a fixed number of decimals. This text, as UTF-8, is what is signed.
 */
export function serializeOcmfPayload(payload: OcmfPayload): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(payload)) {
    if (value === undefined) continue;
    if (key === 'RD') parts.push(`"RD":[${(value as OcmfPayloadReading[]).map(readingText).join(',')}]`);
    else parts.push(`"${key}":${jsonValue(value)}`);
  }
  return `{${parts.join(',')}}`;
}

/** The three sections of an OCMF text, untouched (the payload must be verified as sent). */
export interface OcmfSections {
  payloadText: string;
  signatureText: string;
}

/** Splits `OCMF|payload|signature`; throws OcmfFormatError when it is not that. */
export function splitOcmf(text: string): OcmfSections {
  const sections = text.trim().split('|');
  if (sections.length !== 3) throw new OcmfFormatError(`an OCMF text has 3 sections, this has ${sections.length}`);
  const [header, payloadText, signatureText] = sections as [string, string, string];
  if (header.trim() !== 'OCMF') throw new OcmfFormatError(`header is "${header.slice(0, 10)}", not OCMF`);
  return { payloadText, signatureText };
}

/** A JSON object out of a section, or OcmfFormatError. */
export function parseSection(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new OcmfFormatError(`${what} section is not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OcmfFormatError(`${what} section is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
