import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { meterProfileDir } from '../../paths.js';
import type { MeterValueName } from '../../station/meter-reading.js';
import { documentChecker } from '../../util/document-schemas.js';
import { readJsonFile, type Problem, formatProblem, type SchemaChecker } from '../../util/json-schema.js';
import { builtValidatorsDir } from '../../util/precompiled-validators.js';

export type RegisterType = 'float32' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'int16' | 'uint16';
export type WordOrder = 'high-first' | 'low-first';
export type ModbusReadFunction = 3 | 4;

export interface RegisterSpec {
  function: ModbusReadFunction;
  register: number;
  type: RegisterType;
  wordOrder: WordOrder;
  scale: number;
  unit: 'Wh' | 'W' | 'A' | 'V' | 'Hz';
  doc?: string;
}

/** A meter that signs OCMF itself over Modbus (profile.schema.json "signedData"; used by services/signed-metering). */
export interface SignedDataSpec {
  format: 'OCMF';
  signatureMethod: 'ECDSA-secp256r1-SHA256';
  maxRegistersPerTransfer: number;
  inputMaxBytes: number;
  statusOk: number;
  statusBusy: number[];
  timeSynchronizedValue?: number;
  registers: {
    state: number;
    command: number;
    status: number;
    unixTime: number;
    timeZoneMinutes?: number;
    timeSync?: number;
    inputLength: number;
    input: number;
    outputLength: number;
    output: number;
    signatureLength: number;
    signature: number;
    publicKey: number;
  };
  doc?: string;
}

export interface MeterProfile {
  id: string;
  manufacturer: string;
  model: string;
  phases: 1 | 3;
  source: { document: string; url?: string; notes?: string };
  serialDefaults?: { baudRate?: number; parity?: 'none' | 'even' | 'odd'; stopBits?: 1 | 2; unitId?: number };
  limits: { maxRegistersPerRequest: number; maxGapRegisters: number };
  /** The meter answers a quantity it lacks with the type's largest value. */
  notAvailableIsMax: boolean;
  values: Partial<Record<MeterValueName, RegisterSpec>> & { energyImportWh: RegisterSpec };
  signedData?: SignedDataSpec;
}

export const REGISTER_WORDS: Record<RegisterType, number> = {
  int16: 1,
  uint16: 1,
  float32: 2,
  int32: 2,
  uint32: 2,
  int64: 4,
  uint64: 4,
};

const UNIT_BY_SUFFIX: Array<[RegisterSpec['unit'], RegExp]> = [
  ['Wh', /Wh$/],
  ['W', /[^h]W$/],
  ['A', /A$/],
  ['V', /V$/],
  ['Hz', /Hz$/],
];

export class MeterProfileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
  ) {
    super(`meter profile ${file} is invalid:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'MeterProfileError';
  }
}

/** Checks what the schema cannot: units match names, values fit in 16-bit addresses, no overlaps. */
function semanticProblems(profile: MeterProfile): Problem[] {
  const problems: Problem[] = [];
  const taken = new Map<string, string>();
  for (const [name, spec] of Object.entries(profile.values) as Array<[MeterValueName, RegisterSpec]>) {
    const base = `/values/${name}`;
    const unit = UNIT_BY_SUFFIX.find(([, re]) => re.test(name))?.[0];
    if (unit && spec.unit !== unit) {
      problems.push({ path: `${base}/unit`, expected: JSON.stringify(unit), found: JSON.stringify(spec.unit) });
    }
    const words = REGISTER_WORDS[spec.type];
    if (spec.register + words > 65536) {
      problems.push({ path: `${base}/register`, expected: `at most ${65536 - words} for ${spec.type}`, found: String(spec.register) });
    }
    for (let r = spec.register; r < spec.register + words; r++) {
      const key = `${spec.function}:${r}`;
      const other = taken.get(key);
      if (other) {
        problems.push({ path: `${base}/register`, expected: `not overlapping ${other}`, found: `register ${r} shared` });
        break;
      }
      taken.set(key, name);
    }
    if (words > profile.limits.maxRegistersPerRequest) {
      problems.push({ path: `${base}/type`, expected: 'no wider than limits.maxRegistersPerRequest', found: spec.type });
    }
  }
  return problems;
}

/** Validates a parsed profile (filling in defaults) and returns it typed, or throws with every problem. */
export function validateMeterProfile(doc: unknown, file = '<profile>', checker: SchemaChecker<MeterProfile> = documentChecker<MeterProfile>('meter-profile')): MeterProfile {
  const result = checker.check(doc);
  if (!result.ok) throw new MeterProfileError(file, result.problems);
  const problems = semanticProblems(result.value);
  if (problems.length > 0) throw new MeterProfileError(file, problems);
  return result.value;
}

/** A profile's file: a bare name is looked up among the shipped profiles; anything with a slash or .json is a path. */
export function resolveProfilePath(nameOrPath: string): string {
  if (nameOrPath.includes('/') || nameOrPath.endsWith('.json')) return path.resolve(nameOrPath);
  return path.join(meterProfileDir, `${nameOrPath}.json`);
}

/**
 * Where the build keeps the shipped profiles it checked (tools/build-validators.ts): beside the
 * validators that checked them, each with the size and time of the file it was made from.
 */
export const CHECKED_PROFILES_FOLDER = 'meter-profiles';

export interface CheckedProfile {
  source: { size: number; mtimeMs: number };
  profile: MeterProfile;
}

/**
 * A shipped profile as the build checked it (defaults filled in), when this is the built agent and
 * the profile's file is still the one the build read; else undefined, and the profile is checked
 * now. Saves loading and running the profile schema's validator at each start (issue 18).
 */
export function checkedShippedProfile(file: string, validatorsDir = builtValidatorsDir, shippedDir = meterProfileDir): MeterProfile | undefined {
  if (validatorsDir === undefined || path.dirname(file) !== shippedDir) return undefined;
  try {
    const checked = JSON.parse(readFileSync(path.join(validatorsDir, CHECKED_PROFILES_FOLDER, path.basename(file)), 'utf8')) as CheckedProfile;
    const { size, mtimeMs } = statSync(file);
    return checked.source.size === size && checked.source.mtimeMs === mtimeMs ? checked.profile : undefined;
  } catch {
    return undefined;
  }
}

/** Loads and validates a meter profile by name or path. */
export function loadMeterProfile(nameOrPath: string): MeterProfile {
  const file = resolveProfilePath(nameOrPath);
  return checkedShippedProfile(file) ?? checkMeterProfileFile(file);
}

/** Reads and validates a profile's file (against `checker`: the build passes the validator it just compiled). */
export function checkMeterProfileFile(file: string, checker?: SchemaChecker<MeterProfile>): MeterProfile {
  const parsed = readJsonFile(file, 'a readable profile file');
  if (!parsed.ok) throw new MeterProfileError(file, [parsed.problem]);
  const profile = validateMeterProfile(parsed.value, file, checker);
  const expectedId = path.basename(file, '.json');
  if (profile.id !== expectedId) {
    throw new MeterProfileError(file, [{ path: '/id', expected: JSON.stringify(expectedId) + ' (the file name)', found: JSON.stringify(profile.id) }]);
  }
  return profile;
}

/** Names of the profiles shipped in hardware/meters. */
export function shippedProfileNames(): string[] {
  return readdirSync(meterProfileDir)
    .filter((f) => f.endsWith('.json') && f !== 'profile.schema.json')
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}
