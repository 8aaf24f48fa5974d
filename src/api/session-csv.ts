import type { SessionView } from '../services/session-history/index.js';

/**
 * GET /api/sessions.csv: the kept sessions, one row each, as RFC 4180 text (CRLF line ends, a
 * header row, a field with a comma, a quote or a line break quoted with its quotes doubled). Id
 * tokens come masked (sessionView). A field a spreadsheet would run as a formula (starting with
 * =, +, - or @; OWASP "CSV injection") is prefixed with an apostrophe; numbers are left as they are.
 */

const COLUMNS: ReadonlyArray<[header: string, value: (s: SessionView) => string | number | null]> = [
  ['transactionId', (s) => s.transactionId],
  ['evseId', (s) => s.evseId],
  ['connectorId', (s) => s.connectorId],
  ['startedAt', (s) => s.startedAt],
  ['stoppedAt', (s) => s.stoppedAt],
  ['durationS', (s) => s.durationS],
  ['energyWh', (s) => s.energyWh],
  ['meterStartWh', (s) => s.meterStartWh],
  ['meterStopWh', (s) => s.meterStopWh],
  ['idToken', (s) => s.idToken?.idToken ?? null],
  ['idTokenType', (s) => s.idToken?.type ?? null],
  ['stopReason', (s) => s.stopReason],
  // Issue 17: the full record's columns, after issue 14's.
  ['stationId', (s) => s.stationId],
  ['authorizedBy', (s) => s.authorizedBy],
  ['chargingS', (s) => s.chargingS],
  ['parkingS', (s) => s.parkingS],
  ['chargingPeriods', (s) => s.chargingPeriods.length],
  ['lowestLimitA', (s) => lowestLimit(s)],
  ['signed', (s) => (s.signed ? 'yes' : 'no')],
];

function lowestLimit(s: SessionView): number | null {
  const values = s.limits.map((l) => l.valueA).filter((v): v is number => v !== null);
  return values.length > 0 ? Math.min(...values) : null;
}

export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function sessionsCsv(sessions: readonly SessionView[]): string {
  const rows = [COLUMNS.map(([header]) => header), ...sessions.map((s) => COLUMNS.map(([, value]) => csvField(value(s))))];
  return rows.map((r) => `${r.join(',')}\r\n`).join('');
}
