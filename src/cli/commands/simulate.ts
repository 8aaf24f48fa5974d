import { setMaxListeners } from 'node:events';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { bootAccepted, fleetStationConfig, FleetTraffic, startFleetStation, stopFleetStation, type FleetOcppVersion, type FleetStation } from '../../app/fleet.js';
import { defaultSessions, FleetProfileError, loadFleetProfile, versionAt, type FleetProfile } from '../../app/fleet-profile.js';
import { playSessions, type FleetCounts, type SessionPlan } from '../../app/fleet-sessions.js';
import { EXIT } from '../../process/lifecycle.js';
import { UsageError, untilStopped, type CliIo } from '../io.js';
import { fleetSummary, progressLine, summaryText, type FleetSummary } from './simulate-summary.js';

// Issue 18, "Many stations in one process": `evse-agent simulate`, N whole simulated stations
// against one CSMS, each playing scripted or random sessions (plug, card, charge, stop, unplug)
// through the simulation levers, with a live progress line and a summary of the traffic and the
// process' cost (text, and one JSON line for gathering the pods of a Kubernetes Indexed Job).

export interface SimulateOptions {
  stations: number;
  csms: string;
  identityPrefix: string;
  /** The first station's index: identities are prefix + index (zero-padded to indexWidth). */
  firstIndex: number;
  indexWidth: number;
  /** Every station's OCPP version; undefined: the profile's shares, else 2.0.1. */
  ocpp: FleetOcppVersion | undefined;
  /** A session profile file (fleet-profile.ts); undefined: the random session of the command line. */
  profile: string | undefined;
  /** Stations started per second. */
  rampPerS: number;
  /** Sessions per station per hour; undefined: the profile's, else 1. */
  sessionsPerHour: number | undefined;
  /** How long the default session charges, s. */
  sessionSeconds: number;
  /** How long the fleet runs once ramped, s; undefined: until stopped (SIGINT/SIGTERM). */
  durationS: number | undefined;
  /** 'memory': folders on tmpfs (/dev/shm), removed at the end; else a folder keeping one folder per station. */
  storage: 'memory' | { dir: string };
  /** One JSON line with the summary at the very end of the output. */
  summaryJson: boolean;
  /** The progress line's period, ms. */
  progressMs: number;
}

/** `simulate`'s options from its command line (usage.ts) and environment (--slice-from-env); UsageError for a wrong one. */
export function parseSimulateArgs(args: string[], env: NodeJS.ProcessEnv = process.env): SimulateOptions {
  const text = { type: 'string' } as const;
  const { values } = parseArgs({
    args,
    options: {
      stations: text,
      csms: text,
      'identity-prefix': text,
      'first-index': text,
      'slice-from-env': text,
      'index-width': text,
      ocpp: text,
      profile: text,
      ramp: text,
      'sessions-per-hour': text,
      'session-seconds': text,
      duration: text,
      storage: text,
      dir: text,
      'summary-json': { type: 'boolean' },
      progress: text,
    },
  });
  const number = (name: keyof typeof values, ok: (n: number) => boolean, what: string): number | undefined => {
    const given = values[name];
    if (given === undefined) return undefined;
    const n = Number(given);
    if (typeof given !== 'string' || given.trim() === '' || !ok(n)) throw new UsageError(`--${name} takes ${what}, got "${String(given)}"`);
    return n;
  };
  const whole = (min: number) => (n: number) => Number.isInteger(n) && n >= min;
  const positive = (n: number): boolean => Number.isFinite(n) && n > 0;
  const notNegative = (n: number): boolean => Number.isFinite(n) && n >= 0;
  const stations = number('stations', whole(1), 'a whole number of stations, 1 or more');
  if (stations === undefined) throw new UsageError('simulate needs --stations N');
  if (!values.csms) throw new UsageError('simulate needs --csms URL (ws://HOST:PORT/PATH; each station adds /IDENTITY)');
  const ocpp = values.ocpp;
  if (ocpp !== undefined && ocpp !== '2.0.1' && ocpp !== '1.6') throw new UsageError(`--ocpp must be 2.0.1 or 1.6, got "${ocpp}"`);
  // A slice of a larger fleet: the k-th of several processes (a Kubernetes Indexed Job's pod k) takes
  // indices first + k*N ... first + k*N + N-1, so that the slices neither overlap nor leave gaps.
  let firstIndex = number('first-index', whole(0), 'a whole number, 0 or more') ?? 1;
  const sliceVar = values['slice-from-env'];
  if (sliceVar !== undefined) {
    const k = Number(env[sliceVar]);
    if (env[sliceVar] === undefined || env[sliceVar]!.trim() === '' || !whole(0)(k)) throw new UsageError(`--slice-from-env ${sliceVar}: the environment variable must hold a whole number, 0 or more, got ${JSON.stringify(env[sliceVar] ?? null)}`);
    firstIndex += k * stations;
  }
  const lastIndex = firstIndex + stations - 1;
  const indexWidth = number('index-width', whole(1), 'a whole number of digits') ?? Math.max(4, String(lastIndex).length);
  if (values.storage !== undefined && values.dir !== undefined) throw new UsageError('--dir is --storage DIR: give one of them');
  const storageText = values.storage ?? values.dir ?? 'memory';
  return {
    stations,
    csms: values.csms,
    identityPrefix: values['identity-prefix'] ?? 'SIM-',
    firstIndex,
    indexWidth,
    ocpp,
    profile: values.profile,
    rampPerS: number('ramp', positive, 'stations per second, more than 0') ?? 10,
    sessionsPerHour: number('sessions-per-hour', notNegative, 'sessions per station per hour'),
    sessionSeconds: number('session-seconds', notNegative, 'seconds') ?? 60,
    durationS: number('duration', notNegative, 'seconds'),
    storage: storageText === 'memory' ? 'memory' : { dir: storageText },
    summaryJson: values['summary-json'] === true,
    progressMs: (number('progress', positive, 'seconds between progress lines') ?? 1) * 1000,
  };
}

/** The identity of the station at an index: prefix + index, zero-padded. */
export function stationIdentity(options: Pick<SimulateOptions, 'identityPrefix' | 'indexWidth'>, index: number): string {
  return `${options.identityPrefix}${String(index).padStart(options.indexWidth, '0')}`;
}

/**
 * The folder the stations' folders go in. Memory: a fresh folder on tmpfs (/dev/shm), so that the
 * stations' journals and settings never reach a disk; removed at the end, and at exit if the
 * process ends early. Where there is no /dev/shm, the system's temp folder (said in the first line).
 */
function storageRoot(storage: SimulateOptions['storage']): { root: string; where: string; remove(): void } {
  if (storage !== 'memory') {
    mkdirSync(storage.dir, { recursive: true });
    return { root: storage.dir, where: `folders in ${storage.dir}`, remove: () => undefined };
  }
  let base = '/dev/shm';
  try {
    if (!statSync(base).isDirectory()) throw new Error('not a folder');
    accessSync(base, constants.W_OK);
  } catch {
    base = os.tmpdir();
  }
  const root = mkdtempSync(path.join(base, 'evse-agent-simulate-'));
  const remove = (): void => rmSync(root, { recursive: true, force: true });
  process.once('exit', remove);
  return {
    root,
    where: base === '/dev/shm' ? `storage in memory (tmpfs ${root}, removed at the end)` : `storage in ${root} (no /dev/shm here; removed at the end)`,
    remove: () => {
      process.removeListener('exit', remove);
      remove();
    },
  };
}

/** Runs the fleet; exit 0 once it ran its time and stopped, 1 when no station could start, 78 for a bad profile. */
export async function simulateCommand(io: CliIo, options: SimulateOptions): Promise<number> {
  let profile: FleetProfile | undefined;
  try {
    profile = options.profile === undefined ? undefined : loadFleetProfile(options.profile);
  } catch (err) {
    if (!(err instanceof FleetProfileError)) throw err;
    io.stderr.write(`simulate: the profile is not valid: ${err.message}\n`);
    return EXIT.config;
  }
  const plan: SessionPlan = {
    sessions: profile?.sessions ?? defaultSessions(options.sessionSeconds),
    sessionsPerHour: options.sessionsPerHour ?? profile?.sessionsPerHour ?? 1,
  };
  const versionOf = (index: number): FleetOcppVersion => options.ocpp ?? (profile?.ocpp ? versionAt(index, profile.ocpp) : '2.0.1');
  const storage = storageRoot(options.storage);
  const traffic = new FleetTraffic();
  const stations: FleetStation[] = [];
  const versions: Record<FleetOcppVersion, number> = { '2.0.1': 0, '1.6': 0 };
  const counts: FleetCounts = { started: 0, failed: 0, sessions: 0, sessionsRefused: 0, sessionsDone: 0 };
  const cost = { cpuStart: process.cpuUsage(), wallStart: performance.now(), rssBefore: process.memoryUsage().rss };
  const stopPlaying = new AbortController();
  // Every station's pauses listen to it: thousands of listeners, each removed when its pause ends.
  setMaxListeners(0, stopPlaying.signal);
  const stopped = untilStopped(io.stop).then(() => stopPlaying.abort());
  const players: Promise<void>[] = [];
  const connected = (): number => stations.filter(bootAccepted).length;
  const first = stationIdentity(options, options.firstIndex);
  const last = stationIdentity(options, options.firstIndex + options.stations - 1);
  const ramp: { roundTripsAtEnd?: number } = {};
  const snapshot = (): FleetSummary => fleetSummary({ options, first, last, counts, versions, connected: connected(), traffic, ...cost, roundTripsAtRampEnd: ramp.roundTripsAtEnd });
  let progressFrom = { roundTrips: 0, cpu: process.cpuUsage(), wallMs: performance.now() };
  const progress = setInterval(() => {
    io.stdout.write(`${progressLine(snapshot(), traffic, progressFrom)}\n`);
    progressFrom = { roundTrips: traffic.roundTrips, cpu: process.cpuUsage(), wallMs: performance.now() };
  }, options.progressMs);
  progress.unref();

  const versionText = options.ocpp ?? (profile?.ocpp ? Object.entries(profile.ocpp).map(([v, w]) => `${v}: ${w}`).join(', ') : '2.0.1');
  io.stdout.write(`simulate: ${options.stations} stations ${first} to ${last} (OCPP ${versionText}) against ${options.csms}, ${options.rampPerS}/s, ${plan.sessionsPerHour} sessions/h each (${options.profile ?? 'random sessions'}); ${storage.where}\n`);
  // The ramp: one station every 1/R s, so that a CSMS sees connections arrive at the given rate.
  const gapMs = 1000 / options.rampPerS;
  let failuresSaid = 0;
  for (let n = 0; n < options.stations && !stopPlaying.signal.aborted; n++) {
    const index = options.firstIndex + n;
    const identity = stationIdentity(options, index);
    const version = versionOf(index);
    try {
      const storageDir = path.join(storage.root, identity);
      mkdirSync(storageDir, { recursive: true });
      const station = await startFleetStation(fleetStationConfig(identity, options.csms, version, storageDir), traffic);
      stations.push(station);
      counts.started++;
      versions[version]++;
      players.push(playSessions(station, plan, counts, stopPlaying.signal));
    } catch (err) {
      counts.failed++;
      // The first few said; a fleet past a limit (open files) would repeat the same line thousands of times.
      if (failuresSaid++ < 10) io.stderr.write(`simulate: ${identity} did not start: ${(err as Error).message}\n`);
    }
    const next = cost.wallStart + (n + 1) * gapMs - performance.now();
    if (next > 0) await pause(next, stopPlaying.signal);
  }
  ramp.roundTripsAtEnd = traffic.roundTrips;
  if (failuresSaid > 10) io.stderr.write(`simulate: ${failuresSaid} stations did not start in all\n`);
  if (options.durationS !== undefined) await pause(options.durationS * 1000, stopPlaying.signal);
  else await stopped;
  stopPlaying.abort();

  const atEnd = snapshot();
  clearInterval(progress);
  await Promise.all(players);
  // A hundred at a time: each stop waits for its last messages' answers, and one by one 10,000 take minutes.
  for (let i = 0; i < stations.length; i += STOPS_AT_ONCE) {
    await Promise.all(stations.slice(i, i + STOPS_AT_ONCE).map((station) => stopFleetStation(station).catch((err: Error) => io.stderr.write(`simulate: ${station.identity} did not stop cleanly: ${err.message}\n`))));
  }
  storage.remove();
  io.stdout.write(summaryText(atEnd));
  if (options.summaryJson) io.stdout.write(`${JSON.stringify(atEnd)}\n`);
  return counts.started === 0 ? EXIT.failure : EXIT.ok;
}

const STOPS_AT_ONCE = 100;

/** Waits ms, or less when the fleet stops (no timer left behind). */
function pause(ms: number, stop: AbortSignal): Promise<unknown> {
  return delay(ms, undefined, { signal: stop }).catch(() => undefined);
}
