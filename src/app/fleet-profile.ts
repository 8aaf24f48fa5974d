import { SchemaChecker, formatProblem, readJsonFile, type Problem } from '../util/json-schema.js';
import type { FleetOcppVersion } from './fleet.js';

// Issue 18, "Many stations in one process": what a fleet of simulated stations plays, as data
// (`evse-agent simulate --profile FILE`): which OCPP versions the stations speak, how often each
// starts a session, and the scripted sessions (plug, card, charge, stop, unplug) it draws from.
// The format is documented in bench/load-test/README.md; an example is bench/load-test/profile-example.json.

/** One step of a scripted session. */
export type SessionStep =
  | { do: 'plug' }
  | { do: 'unplug' }
  /** A card held to the reader; `{identity}` in the idTag is replaced by the station's identity. */
  | { do: 'card'; idTag: string; type: CardType }
  /** The EV draws currentA per phase for `seconds`, or until `untilWh` more energy (at most `maxSeconds`). */
  | { do: 'charge'; currentA: number; seconds?: number; untilWh?: number; maxSeconds: number }
  /** The session's card held again: the transaction stops (E07, 1.6: StopTransaction Local). */
  | { do: 'stop' }
  | { do: 'wait'; seconds: number };

export type CardType = 'ISO14443' | 'ISO15693' | 'Central' | 'eMAID' | 'KeyCode' | 'Local' | 'MacAddress' | 'NoAuthorization';

export interface ScriptedSession {
  name: string;
  /** How often this session is drawn against the others (default 1). */
  weight: number;
  steps: SessionStep[];
}

export interface FleetProfile {
  /** The stations' OCPP versions and their shares; undefined: the command line's (default 2.0.1). */
  ocpp?: Partial<Record<FleetOcppVersion, number>>;
  /** Sessions per station per hour (random arrivals); undefined: the command line's. */
  sessionsPerHour?: number;
  sessions: ScriptedSession[];
}

export class FleetProfileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
  ) {
    super(`${file}: ${problems.map(formatProblem).join('; ')}`);
  }
}

const seconds = { type: 'number', minimum: 0 };
const CARD_TYPES: CardType[] = ['ISO14443', 'ISO15693', 'Central', 'eMAID', 'KeyCode', 'Local', 'MacAddress', 'NoAuthorization'];

/** The profile's JSON Schema; the cross-field rules (a charge's end) are checked after it (fleetProfileOf). */
const PROFILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['sessions'],
  properties: {
    $schema: { type: 'string' },
    description: { type: 'string' },
    ocpp: {
      'x-expected': '"2.0.1", "1.6", or an object of their shares such as {"2.0.1": 3, "1.6": 1}',
      oneOf: [
        { enum: ['2.0.1', '1.6'] },
        { type: 'object', additionalProperties: false, minProperties: 1, properties: { '2.0.1': { type: 'number', minimum: 0 }, '1.6': { type: 'number', minimum: 0 } } },
      ],
    },
    sessionsPerHour: { type: 'number', minimum: 0 },
    sessions: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['steps'],
        properties: {
          name: { type: 'string' },
          weight: { type: 'number', exclusiveMinimum: 0, default: 1 },
          steps: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['do'],
              properties: {
                do: { enum: ['plug', 'unplug', 'card', 'charge', 'stop', 'wait'] },
                idTag: { type: 'string', minLength: 1, maxLength: 36 },
                type: { enum: CARD_TYPES },
                currentA: { type: 'number', minimum: 0, maximum: 80 },
                seconds,
                untilWh: { type: 'number', exclusiveMinimum: 0 },
                maxSeconds: seconds,
              },
              allOf: [
                // What each kind of step needs (ajv's strict mode wants the property named beside `required`).
                { if: { properties: { do: { const: 'card' } } }, then: { properties: { idTag: true }, required: ['idTag'] } },
                { if: { properties: { do: { const: 'charge' } } }, then: { properties: { currentA: true }, required: ['currentA'] } },
                { if: { properties: { do: { const: 'wait' } } }, then: { properties: { seconds: true }, required: ['seconds'] } },
              ],
            },
          },
        },
      },
    },
  },
} as const;

interface RawStep {
  do: SessionStep['do'];
  idTag?: string;
  type?: CardType;
  currentA?: number;
  seconds?: number;
  untilWh?: number;
  maxSeconds?: number;
}
interface RawProfile {
  ocpp?: FleetOcppVersion | Partial<Record<FleetOcppVersion, number>>;
  sessionsPerHour?: number;
  sessions: { name?: string; weight: number; steps: RawStep[] }[];
}

let checker: SchemaChecker<RawProfile> | undefined;

/** A parsed profile document checked and made usable; FleetProfileError naming each wrong value's JSON path. */
export function fleetProfileOf(doc: unknown, file: string): FleetProfile {
  checker ??= new SchemaChecker<RawProfile>(PROFILE_SCHEMA);
  const result = checker.check(doc);
  if (!result.ok) throw new FleetProfileError(file, result.problems);
  const raw = result.value;
  const problems: Problem[] = [];
  const sessions = raw.sessions.map((s, i): ScriptedSession => ({
    name: s.name ?? `session ${i + 1}`,
    weight: s.weight,
    steps: s.steps.map((step, j) => stepOf(step, `/sessions/${i}/steps/${j}`, problems)),
  }));
  const ocpp = typeof raw.ocpp === 'string' ? { [raw.ocpp]: 1 } : raw.ocpp;
  if (ocpp && !Object.values(ocpp).some((w) => w > 0)) problems.push({ path: '/ocpp', expected: 'a share above 0 for at least one version', found: JSON.stringify(ocpp) });
  if (problems.length > 0) throw new FleetProfileError(file, problems);
  return { ...(ocpp ? { ocpp } : {}), ...(raw.sessionsPerHour !== undefined ? { sessionsPerHour: raw.sessionsPerHour } : {}), sessions };
}

function stepOf(step: RawStep, at: string, problems: Problem[]): SessionStep {
  switch (step.do) {
    case 'card':
      return { do: 'card', idTag: step.idTag!, type: step.type ?? 'ISO14443' };
    case 'charge': {
      // A charge ends after a time or an energy, never both and never neither.
      if ((step.seconds === undefined) === (step.untilWh === undefined)) {
        problems.push({ path: at, expected: 'a charge with exactly one of "seconds" or "untilWh"', found: step.seconds === undefined ? 'neither' : 'both' });
      }
      const end = step.seconds !== undefined ? { seconds: step.seconds } : { untilWh: step.untilWh! };
      return { do: 'charge', currentA: step.currentA!, ...end, maxSeconds: step.maxSeconds ?? 4 * 3600 };
    }
    case 'wait':
      return { do: 'wait', seconds: step.seconds! };
    default:
      return { do: step.do };
  }
}

/** Reads and checks a profile file (FleetProfileError when unreadable, not JSON, or not a profile). */
export function loadFleetProfile(file: string): FleetProfile {
  const parsed = readJsonFile(file, 'a readable profile file');
  if (!parsed.ok) throw new FleetProfileError(file, [parsed.problem]);
  return fleetProfileOf(parsed.value, file);
}

/** The default profile: the random session the command line describes (plug, card, charge, stop, unplug). */
export function defaultSessions(sessionSeconds: number): ScriptedSession[] {
  return [
    {
      name: 'default',
      weight: 1,
      steps: [{ do: 'plug' }, { do: 'wait', seconds: 0.2 }, { do: 'card', idTag: '{identity}-CARD', type: 'ISO14443' }, { do: 'charge', currentA: 16, seconds: sessionSeconds, maxSeconds: sessionSeconds }, { do: 'stop' }, { do: 'wait', seconds: 0.2 }, { do: 'unplug' }],
    },
  ];
}

/**
 * The version of the station at a (1-based) index, by the shares: deterministic, so that every pod
 * of a sliced run gives the same identity the same version, and spread evenly (the fractional parts
 * of index times the golden ratio fall evenly on [0, 1)).
 */
export function versionAt(index: number, shares: Partial<Record<FleetOcppVersion, number>>): FleetOcppVersion {
  const entries = (Object.entries(shares) as [FleetOcppVersion, number][]).filter(([, w]) => w > 0);
  const total = entries.reduce((n, [, w]) => n + w, 0);
  const spot = ((index * 0.6180339887498949) % 1) * total;
  let sum = 0;
  for (const [version, weight] of entries) {
    sum += weight;
    if (spot < sum) return version;
  }
  return entries[entries.length - 1]![0];
}

/** A session drawn by the sessions' weights; `random` in [0, 1). */
export function drawSession(sessions: ScriptedSession[], random: number): ScriptedSession {
  const total = sessions.reduce((n, s) => n + s.weight, 0);
  let spot = random * total;
  for (const s of sessions) {
    spot -= s.weight;
    if (spot < 0) return s;
  }
  return sessions[sessions.length - 1]!;
}
