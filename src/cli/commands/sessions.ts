import { parseArgs } from 'node:util';
import type { StationConfig } from '../../config/station-config.js';
import { EXIT } from '../../process/lifecycle.js';
import { buildCdr } from '../../services/ocpi/cdr.js';
import { ocpiLocation } from '../../services/ocpi/location.js';
import { isCompleteOcpi, missingOcpiKeys } from '../../services/ocpi/ocpi-config.js';
import { ocpiStationOf } from '../../services/ocpi/station-of-config.js';
import { recordsCsv, SessionHistory } from '../../services/session-history/index.js';
import { JsonFileStore } from '../../store/json-file-store.js';
import { durableUnder } from '../../store/disk-sync.js';
import { UsageError, type CliIo } from '../io.js';
import { defaultConfig } from '../usage.js';
import { loadConfigForCommand } from './check-config.js';
import { verifySessionsFile } from './sessions-verify.js';

/**
 * `evse-agent sessions export|remove|verify` (issue 17): the kept session records of storage.dir
 * as OCPI 2.2.1 CDRs or CSV, the station's OCPI Location, a token's records removed, an export's
 * OCMF signatures checked. Reads the files the agent writes; `remove` is meant for a stopped agent
 * (a running one keeps its own copy and writes it back with the next session that ends).
 */

const FORMATS = ['ocpi-cdr', 'csv', 'ocpi-location'] as const;
type ExportFormat = (typeof FORMATS)[number];

function loadConfig(io: CliIo, file: string | undefined): StationConfig | number {
  const loaded = loadConfigForCommand(io, file ?? defaultConfig());
  return typeof loaded === 'number' ? loaded : loaded.config;
}

function openHistory(config: StationConfig): SessionHistory {
  return new SessionHistory(new JsonFileStore(config.storage.dir, () => undefined), { stationId: config.station.identity });
}

function since(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const at = new Date(raw);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--since takes a time (ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z), got "${raw}"`);
  return at;
}

async function exportSessions(io: CliIo, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: 'string' }, since: { type: 'string' }, token: { type: 'string' }, config: { type: 'string', short: 'c' } },
  });
  if (positionals.length > 0) throw new UsageError(`sessions export takes no ${positionals[0]}`);
  const format = values.format ?? 'ocpi-cdr';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
  const from = since(values.since);
  const config = loadConfig(io, values.config);
  if (typeof config === 'number') return config;
  const ocpi = config.ocpi;
  if ((format as ExportFormat) !== 'csv' && !isCompleteOcpi(ocpi)) {
    // Fixed names: without the `ocpi` keys, exit 78 (EX_CONFIG) naming the missing ones.
    io.stderr.write(`${config.file}: sessions export --format ${format} needs the config's ${missingOcpiKeys(ocpi).join(', ')}\n`);
    return EXIT.config;
  }
  const station = ocpiStationOf(config);
  if (format === 'ocpi-location' && isCompleteOcpi(ocpi)) {
    // Offline, the command knows no connector status: UNKNOWN, as OCPI's Status enum says for that.
    io.stdout.write(`${JSON.stringify(ocpiLocation(ocpi, station, () => undefined, new Date()), null, 2)}\n`);
    return EXIT.ok;
  }
  // Oldest first: the order a CPO system books them in.
  const records = openHistory(config)
    .list({ ...(values.token ? { token: values.token } : {}), ...(from ? { since: from } : {}) })
    .reverse();
  if (format === 'csv') io.stdout.write(recordsCsv(records));
  else if (isCompleteOcpi(ocpi)) io.stdout.write(`${JSON.stringify(records.map((r) => buildCdr(r, { ocpi, station })), null, 2)}\n`);
  return EXIT.ok;
}

async function removeSessions(io: CliIo, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { token: { type: 'string' }, config: { type: 'string', short: 'c' } } });
  if (!values.token || positionals.length > 0) throw new UsageError('sessions remove takes --token TOKEN');
  const config = loadConfig(io, values.config);
  if (typeof config === 'number') return config;
  const removed = openHistory(config).removeByToken(values.token);
  await durableUnder(config.storage.dir);
  io.stdout.write(`removed ${removed.length} session record${removed.length === 1 ? '' : 's'} of that token\n`);
  return EXIT.ok;
}

/** `evse-agent sessions <export|remove|verify> ...`; resolves with the exit code. */
export async function sessionsCommand(io: CliIo, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'export':
      return exportSessions(io, rest);
    case 'remove':
      return removeSessions(io, rest);
    case 'verify': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
      const [file, ...extra] = positionals;
      if (!file || extra.length > 0) throw new UsageError('sessions verify takes FILE (a CDR JSON or CSV export)');
      return verifySessionsFile(io, file);
    }
    default:
      throw new UsageError(sub ? `unknown sessions command "${sub}"` : 'sessions takes export, remove or verify');
  }
}
