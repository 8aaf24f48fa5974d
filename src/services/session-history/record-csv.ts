import type { SessionRecord } from './session-record.js';
import { periodSeconds } from './session-view.js';

/**
 * `evse-agent sessions export --format csv` (issue 17): the full records for the owner at the
 * station (id tokens in clear, unlike the API's CSV), with the OCMF documents and public key so
 * that `sessions verify` can check the file. RFC 4180: CRLF, a header row, quoting as needed; a text
 * field a spreadsheet would run as a formula is prefixed with an apostrophe (OWASP "CSV injection"),
 * which the reader below takes off again.
 */

type Value = string | number | null;

export const RECORD_CSV_COLUMNS: ReadonlyArray<[header: string, value: (s: SessionRecord) => Value]> = [
  ['transactionId', (s) => s.transactionId],
  ['stationId', (s) => s.stationId],
  ['evseId', (s) => s.evseId],
  ['connectorId', (s) => s.connectorId ?? null],
  ['idToken', (s) => s.idToken?.idToken ?? null],
  ['idTokenType', (s) => s.idToken?.type ?? null],
  ['authorizedBy', (s) => s.authorizedBy],
  ['startedAt', (s) => s.startedAt.toISOString()],
  ['stoppedAt', (s) => s.stoppedAt.toISOString()],
  ['durationS', (s) => Math.max(0, Math.round((s.stoppedAt.getTime() - s.startedAt.getTime()) / 1000))],
  ['meterStartWh', (s) => s.meterStartWh],
  ['meterStopWh', (s) => s.meterStopWh ?? null],
  ['energyWh', (s) => s.energyWh],
  ['chargingS', (s) => periodSeconds(s).chargingS],
  ['parkingS', (s) => periodSeconds(s).parkingS],
  ['stopReason', (s) => s.stopReason],
  ['limits', (s) => s.limits.map((l) => `${l.at.toISOString()} ${l.valueA ?? '-'} A ${l.source}`).join('; ')],
  ['ocmfStart', (s) => s.ocmf?.start ?? null],
  ['ocmfEnd', (s) => s.ocmf?.end ?? null],
  ['ocmfPublicKey', (s) => s.ocmf?.publicKeyHex ?? null],
];

const FORMULA_START = /^[=+\-@\t\r]/;

function field(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function recordsCsv(records: readonly SessionRecord[]): string {
  const rows = [RECORD_CSV_COLUMNS.map(([h]) => h), ...records.map((r) => RECORD_CSV_COLUMNS.map(([, value]) => field(value(r))))];
  return rows.map((r) => `${r.join(',')}\r\n`).join('');
}

/** RFC 4180 rows (quoted fields may hold commas, quotes doubled, line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

/** The rows of a record CSV as objects by header, apostrophes of defused formulas taken off. */
export function readRecordsCsv(text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows
    .filter((r) => r.length > 1 || r[0] !== '')
    .map((r) => Object.fromEntries(header.map((h, i) => [h, (r[i] ?? '').replace(/^'(?=[=+\-@\t\r])/, '')])));
}
