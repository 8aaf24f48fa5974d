import { readFileSync } from 'node:fs';
import { EXIT } from '../../process/lifecycle.js';
import { readRecordsCsv } from '../../services/session-history/index.js';
import { parseOcmf, readingsOf, verifyOcmf } from '../../services/signed-metering/ocmf.js';
import { UsageError, type CliIo } from '../io.js';

/**
 * `evse-agent sessions verify FILE` (issue 17): for every session of a CDR JSON or CSV export,
 * each OCMF document's signature is checked with the session's public key, and the energy between
 * the first and the last signed reading must be the record's energy (to the Wh; a CDR's total_energy
 * is kWh with 4 decimals). Exit 0 when every session is signed and checks out, 1 otherwise.
 */

interface SessionToVerify {
  id: string;
  energyWh: number;
  publicKeyHex: string | undefined;
  documents: string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** mod_cdrs.asciidoc "SignedData class": plain_data holds the OCMF text, signed_data the same base64 encoded. */
function fromCdr(cdr: unknown, index: number): SessionToVerify {
  const c = isObject(cdr) ? cdr : {};
  const signed = isObject(c['signed_data']) ? c['signed_data'] : undefined;
  const values = signed && Array.isArray(signed['signed_values']) ? (signed['signed_values'] as unknown[]) : [];
  const documents = values.filter(isObject).map((v) => {
    const plain = typeof v['plain_data'] === 'string' ? v['plain_data'] : '';
    const blob = typeof v['signed_data'] === 'string' ? Buffer.from(v['signed_data'], 'base64').toString('utf8') : '';
    // The two must be the same document: a changed plain_data with the old blob is a tampered CDR.
    return plain === blob ? plain : `${plain}\u0000mismatch`;
  });
  const key = signed && typeof signed['public_key'] === 'string' ? Buffer.from(signed['public_key'], 'base64').toString('hex') : undefined;
  return {
    id: typeof c['id'] === 'string' ? c['id'] : `#${index + 1}`,
    // kWh with 4 decimals: 0.1 Wh.
    energyWh: typeof c['total_energy'] === 'number' ? Math.round(c['total_energy'] * 10_000) / 10 : Number.NaN,
    publicKeyHex: key,
    documents,
  };
}

function fromCsvRow(row: Record<string, string>, index: number): SessionToVerify {
  return {
    id: row['transactionId'] || `row ${index + 1}`,
    energyWh: row['energyWh'] === undefined || row['energyWh'] === '' ? Number.NaN : Number(row['energyWh']),
    publicKeyHex: row['ocmfPublicKey'] || undefined,
    documents: [row['ocmfStart'], row['ocmfEnd']].filter((d): d is string => typeof d === 'string' && d !== ''),
  };
}

function sessionsOf(text: string): SessionToVerify[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`not JSON: ${(err as Error).message}`);
    }
    return (Array.isArray(parsed) ? parsed : [parsed]).map(fromCdr);
  }
  return readRecordsCsv(text).map(fromCsvRow);
}

/** Why a session does not verify; undefined when it does. */
export function sessionProblem(s: SessionToVerify): string | undefined {
  if (s.documents.length === 0) return 'not signed (no OCMF documents)';
  if (!s.publicKeyHex) return 'no public key to check the signatures with';
  const readings: number[] = [];
  for (const [i, doc] of s.documents.entries()) {
    if (!verifyOcmf(doc, s.publicKeyHex)) return `OCMF document ${i + 1}: the signature does not verify`;
    for (const r of readingsOf(parseOcmf(doc))) if (r.energyWh !== undefined) readings.push(r.energyWh);
  }
  if (readings.length < 2) return 'fewer than two signed readings';
  const signedWh = readings.at(-1)! - readings[0]!;
  // To the Wh: each reading is rounded to the Wh (kWh with 3 decimals), the record may hold fractions.
  if (!(Math.abs(signedWh - s.energyWh) <= 1)) return `the signed readings give ${signedWh} Wh, the record ${s.energyWh} Wh`;
  return undefined;
}

export function verifySessionsFile(io: CliIo, file: string): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const sessions = sessionsOf(text);
  let failed = 0;
  for (const s of sessions) {
    const problem = sessionProblem(s);
    if (problem) failed++;
    io.stdout.write(problem ? `FAIL ${s.id}: ${problem}\n` : `ok   ${s.id}: ${s.documents.length} signature(s) good, ${Math.round(s.energyWh)} Wh as signed\n`);
  }
  io.stdout.write(`${file}: ${sessions.length - failed} of ${sessions.length} session(s) verified\n`);
  return failed === 0 && sessions.length > 0 ? EXIT.ok : EXIT.failure;
}
