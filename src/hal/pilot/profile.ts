import path from 'node:path';
import { packageRoot } from '../../paths.js';
import type { VehicleState } from '../roles/board-support.js';
import { documentChecker } from '../../util/document-schemas.js';
import { formatProblem, readJsonFile, type Problem } from '../../util/json-schema.js';

/**
 * A control pilot board's register map, as data (hardware/pilots/<id>.json): where the offered
 * current, the vehicle state (and how its values map to IEC 61851 letters), the cable rating and
 * the turn-off bit are. The first profile is the EVSE DIN / EVSE-WB board; others add a file.
 */

export const pilotProfileDir = path.join(packageRoot, 'hardware', 'pilots');

export interface PilotRegisterSpec {
  register: number;
  readFunction: 3 | 4;
  writeFunction?: 6 | 16;
  unit?: 'A';
  bit?: number;
  doc?: string;
}

export interface PilotProfile {
  id: string;
  manufacturer: string;
  model: string;
  source: { document: string; url?: string; notes?: string };
  serialDefaults?: { baudRate?: number; parity?: 'none' | 'even' | 'odd'; stopBits?: 1 | 2; unitId?: number };
  current: { minA: number; maxA: number };
  registers: {
    offeredCurrent: PilotRegisterSpec & { writeFunction: 6 | 16 };
    vehicleState: PilotRegisterSpec & { states: Record<string, VehicleState>; unknownState: VehicleState };
    cableRating?: PilotRegisterSpec;
    turnOff?: PilotRegisterSpec & { writeFunction: 6 | 16; bit: number };
  };
}

export class PilotProfileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
  ) {
    super(`${file}: ${problems.map(formatProblem).join('; ')}`);
  }
}

/** The path of a shipped profile by name, or the path given. */
export function resolvePilotProfilePath(nameOrPath: string): string {
  return nameOrPath.includes('/') || nameOrPath.endsWith('.json') ? nameOrPath : path.join(pilotProfileDir, `${nameOrPath}.json`);
}

/** Checks a parsed profile against hardware/pilots/profile.schema.json. */
export function validatePilotProfile(doc: unknown, file: string): PilotProfile {
  const result = documentChecker<PilotProfile>('pilot-profile').check(doc);
  if (!result.ok) throw new PilotProfileError(file, result.problems);
  const p = result.value;
  if (p.current.minA > p.current.maxA) {
    throw new PilotProfileError(file, [{ path: '/current', expected: 'minA <= maxA', found: JSON.stringify(p.current) }]);
  }
  return p;
}

/** Loads a pilot profile by name (hardware/pilots/<name>.json) or path; its id must be its file name. */
export function loadPilotProfile(nameOrPath: string): PilotProfile {
  const file = resolvePilotProfilePath(nameOrPath);
  const parsed = readJsonFile(file, 'a readable profile file');
  if (!parsed.ok) throw new PilotProfileError(file, [parsed.problem]);
  const profile = validatePilotProfile(parsed.value, file);
  const expectedId = path.basename(file, '.json');
  if (profile.id !== expectedId) {
    throw new PilotProfileError(file, [{ path: '/id', expected: `${JSON.stringify(expectedId)} (the file name)`, found: JSON.stringify(profile.id) }]);
  }
  return profile;
}
