import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatProblem, parseJsonText, type Problem } from '../util/json-schema.js';
import { resolveApiConfig } from './api-config.js';
import { ConfigReport, type Warning } from './config-context.js';
import { checkLineConflicts, resolveEvses, resolveInputs } from './evse-section.js';
import { MeterSection } from './meter-section.js';
import { resolveOcppConfig } from './ocpp-section.js';
import { PilotSection } from './pilot-section.js';
import { configSchema, type RawConfig } from './raw-config.js';
import { resolveReaders } from './reader-section.js';
import { checkDevicesUsedOnce, checkSharedLines, lineClaim, type DeviceClaim } from './shared-lines.js';
import { SupplySection } from './supply-section.js';
import type { ChargingConfig, EvseConfig, SignedMeterValuesConfig, StationConfig } from './station-config.js';

// The loader: read, parse (syntax), check against config/config.schema.json (schema), then the
// checks no schema can make (files, meter and pilot profiles, ids, shared lines and devices), each
// section in its file.

export type { Warning } from './config-context.js';

/** How far checking got: past a syntax or schema problem nothing else was checked yet. */
export type ConfigStage = 'read' | 'syntax' | 'schema' | 'checks';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
    readonly stage: ConfigStage = 'checks',
    /** Stage 'read': why the file cannot be read, in words ("the file does not exist (ENOENT)"). */
    readonly unreadable?: string,
  ) {
    super(
      unreadable !== undefined
        ? `${file}: cannot read the config: ${unreadable}`
        : `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: StationConfig;
  warnings: Warning[];
}

function resolveCharging(c: ChargingConfig, report: ConfigReport): ChargingConfig {
  if (c.authorization === 'free' && !c.freeIdToken) {
    report.problem('/charging/freeIdToken', 'the id token free charging runs under (charging.authorization is "free")', 'nothing');
  }
  return c;
}

/** signedMeterValues.source "meter" needs meters that sign: each EVSE's meter profile has a signedData interface. */
function resolveSignedMeterValues(c: SignedMeterValuesConfig, evses: readonly EvseConfig[], report: ConfigReport): SignedMeterValuesConfig {
  if (c.source !== 'meter') return c;
  for (const e of evses) {
    const profile = e.meter.profile as { id: string; signedData?: unknown };
    if (profile.signedData === undefined) {
      report.problem(`/signedMeterValues/source`, `a meter profile with a signedData interface (a meter that signs OCMF itself) for source "meter", or source "station" or "off"`, `EVSE ${e.id}'s meter profile "${profile.id}" has none`);
    }
  }
  return c;
}

/** Every section past the schema, problems collected in the report rather than stopping at the first. */
function resolveSections(r: RawConfig, report: ConfigReport): StationConfig {
  const ocpp = resolveOcppConfig(r.ocpp, report);
  const meters = new MeterSection(report);
  const pilots = new PilotSection(report);
  const evses = resolveEvses(r, report, meters, pilots);
  const supplySection = new SupplySection(report);
  const supply = supplySection.resolve(r.supply, meters, evses);
  // Meters first: on a shared line a pilot's or the grid meter's settings are checked against the meter's.
  const lineDevices = [...meters.lineDevices(evses, r.evses), ...pilots.lineDevices(), ...supplySection.lineDevices()];
  checkSharedLines(lineDevices, report);
  const inputs = resolveInputs(r, report);
  const readers = resolveReaders(r, report);
  checkLineConflicts(r, report);
  const modbusLines = lineDevices.map(lineClaim).filter((c): c is DeviceClaim => c !== undefined);
  checkDevicesUsedOnce([...modbusLines, ...pilots.deviceClaims(), ...readers.claims], report);
  return {
    file: report.file,
    station: r.station,
    ocpp,
    gpio: { driver: r.gpio.driver, chip: r.gpio.chip || undefined, sysfsRoot: r.gpio.sysfsRoot },
    evses,
    inputs,
    readers: readers.readers,
    ...(supply ? { supply } : {}),
    charging: resolveCharging(r.charging, report),
    safety: r.safety,
    meterValues: r.meterValues,
    signedMeterValues: resolveSignedMeterValues(r.signedMeterValues, evses, report),
    ledPatterns: { ...configSchema().ledDefaults, ...r.ledPatterns },
    storage: { dir: report.resolvePath(r.storage.dir), maxQueuedMessages: r.storage.maxQueuedMessages },
    api: resolveApiConfig(r.api, report),
    firmware: r.firmware,
    ...(r.ocpi ? { ocpi: r.ocpi } : {}),
    log: r.log,
  };
}

/** Validates a parsed config document; file is used to resolve relative paths and in messages. */
export function resolveConfig(doc: unknown, file: string): LoadedConfig {
  const checked = configSchema().checker.check(doc);
  if (!checked.ok) throw new ConfigError(file, checked.problems, 'schema');
  const report = new ConfigReport(path.resolve(file));
  const config = resolveSections(checked.value, report);
  if (report.problems.length > 0) throw new ConfigError(file, report.problems);
  return { config, warnings: report.warnings };
}

/** Why a file cannot be read, in words, from the error of a read (its code kept in brackets). */
export function unreadableBecause(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'the file does not exist (ENOENT)';
    case 'EACCES':
    case 'EPERM':
      return `it cannot be read: permission denied (${code})`;
    case 'EISDIR':
      return 'it is a folder, not a file (EISDIR)';
    case 'ENOTDIR':
      return 'a folder on its path is a file (ENOTDIR)';
    default:
      return code ?? (err instanceof Error ? err.message : String(err));
  }
}

/** Reads, parses, validates and resolves a config file; throws ConfigError listing every problem. */
export function loadConfig(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', expected: 'a readable config file', found: (err as NodeJS.ErrnoException).code ?? String(err) }], 'read', unreadableBecause(err));
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new ConfigError(file, [parsed.problem], 'syntax');
  return resolveConfig(parsed.value, file);
}
