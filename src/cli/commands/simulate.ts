import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fleetStationConfig, FleetTraffic, startFleetStation, stopFleetStation, type FleetOcppVersion, type FleetStation } from '../../app/fleet.js';
import { EXIT } from '../../process/lifecycle.js';
import { UsageError, untilStopped, type CliIo } from '../io.js';

// Issue 18, "Many stations in one process": `evse-agent simulate`, N whole simulated stations
// against one CSMS, each playing random sessions (plug, card, charge, stop, unplug) through the
// simulation levers, with a live progress line and a summary of the traffic and the process' cost.

export interface SimulateOptions {
  stations: number;
  csms: string;
  identityPrefix: string;
  ocpp: FleetOcppVersion;
  /** Stations started per second. */
  rampPerS: number;
  /** Sessions per station per hour (random arrivals: exponential gaps). */
  sessionsPerHour: number;
  /** How long the fleet runs once ramped, s; undefined: until stopped (SIGINT/SIGTERM). */
  durationS: number | undefined;
  /** How long a session charges, s. */
  sessionSeconds: number;
  /** Where the stations' folders go; a temp folder (removed at the end) when not given. */
  dir: string | undefined;
  /** The progress line's period, ms. */
  progressMs?: number;
}

interface FleetCounts {
  started: number;
  failed: number;
  sessions: number;
  sessionsRefused: number;
}

/** `simulate`'s options from its command line (usage.ts); UsageError for a wrong one. */
export function parseSimulateArgs(args: string[]): SimulateOptions {
  const { values } = parseArgs({
    args,
    options: {
      stations: { type: 'string' },
      csms: { type: 'string' },
      'identity-prefix': { type: 'string' },
      ocpp: { type: 'string' },
      ramp: { type: 'string' },
      'sessions-per-hour': { type: 'string' },
      'session-seconds': { type: 'string' },
      duration: { type: 'string' },
      dir: { type: 'string' },
    },
  });
  const number = (name: keyof typeof values, fallback: number | undefined, ok: (n: number) => boolean, what: string): number | undefined => {
    const text = values[name];
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!ok(n)) throw new UsageError(`--${name} takes ${what}, got "${text}"`);
    return n;
  };
  const stations = number('stations', undefined, (n) => Number.isInteger(n) && n >= 1, 'a whole number of stations, 1 or more');
  if (stations === undefined) throw new UsageError('simulate needs --stations N');
  if (!values.csms) throw new UsageError('simulate needs --csms URL (ws://HOST:PORT/PATH; each station adds /IDENTITY)');
  const ocpp = values.ocpp ?? '2.0.1';
  if (ocpp !== '2.0.1' && ocpp !== '1.6') throw new UsageError(`--ocpp must be 2.0.1 or 1.6, got "${ocpp}"`);
  const positive = (n: number): boolean => Number.isFinite(n) && n > 0;
  const notNegative = (n: number): boolean => Number.isFinite(n) && n >= 0;
  return {
    stations,
    csms: values.csms,
    identityPrefix: values['identity-prefix'] ?? 'SIM-',
    ocpp,
    rampPerS: number('ramp', 10, positive, 'stations per second, more than 0') ?? 10,
    sessionsPerHour: number('sessions-per-hour', 1, notNegative, 'sessions per station per hour') ?? 1,
    sessionSeconds: number('session-seconds', 60, notNegative, 'seconds') ?? 60,
    durationS: number('duration', undefined, notNegative, 'seconds'),
    dir: values.dir,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the fleet; exit 0 once it ran its time and stopped, 1 when a station could not start at all. */
export async function simulateCommand(io: CliIo, options: SimulateOptions): Promise<number> {
  const ownDir = options.dir === undefined;
  const root = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'evse-agent-simulate-'));
  const traffic = new FleetTraffic();
  const stations: FleetStation[] = [];
  const counts: FleetCounts = { started: 0, failed: 0, sessions: 0, sessionsRefused: 0 };
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  let running = true;
  const stopped = untilStopped(io.stop).then(() => (running = false));
  const players: Promise<void>[] = [];
  const connected = (): number => stations.filter((s) => s.agent.status().connection.bootState === 'Accepted').length;
  const progress = setInterval(() => io.stdout.write(`${progressLine(options, stations.length, connected(), counts, traffic)}\n`), options.progressMs ?? 1000);
  progress.unref();

  io.stdout.write(`simulate: ${options.stations} stations (OCPP ${options.ocpp}) against ${options.csms}, ${options.rampPerS}/s, ${options.sessionsPerHour} sessions/h each; folders in ${root}\n`);
  // The ramp: one station every 1/R s, so that a CSMS sees connections arrive at the given rate.
  const gapMs = 1000 / options.rampPerS;
  for (let i = 1; i <= options.stations && running; i++) {
    const identity = `${options.identityPrefix}${String(i).padStart(String(options.stations).length, '0')}`;
    const storageDir = path.join(root, identity);
    mkdirSync(storageDir, { recursive: true });
    try {
      const station = await startFleetStation(fleetStationConfig(identity, options.csms, options.ocpp, storageDir), traffic);
      stations.push(station);
      counts.started++;
      players.push(playSessions(station, options, counts, () => running));
    } catch (err) {
      counts.failed++;
      io.stderr.write(`simulate: ${identity} did not start: ${(err as Error).message}\n`);
    }
    const next = wallStart + i * gapMs - performance.now();
    if (next > 0) await Promise.race([sleep(next), stopped]);
  }
  if (running && options.durationS !== undefined) await Promise.race([sleep(options.durationS * 1000), stopped]);
  else if (running) await stopped;
  running = false;

  const atEnd = { connected: connected(), rssBytes: process.memoryUsage().rss, cpu: process.cpuUsage(cpuStart), wallMs: performance.now() - wallStart };
  clearInterval(progress);
  await Promise.all(players);
  for (const station of stations) await stopFleetStation(station).catch((err: Error) => io.stderr.write(`simulate: ${station.identity} did not stop cleanly: ${err.message}\n`));
  if (ownDir) rmSync(root, { recursive: true, force: true });
  io.stdout.write(summary(options, counts, traffic, atEnd));
  return counts.started === 0 && options.stations > 0 ? EXIT.failure : EXIT.ok;
}

/** One station's random sessions until the fleet stops: gaps drawn from the exponential distribution of the rate. */
async function playSessions(station: FleetStation, options: SimulateOptions, counts: FleetCounts, running: () => boolean): Promise<void> {
  if (options.sessionsPerHour <= 0) return;
  const meanGapMs = 3_600_000 / options.sessionsPerHour;
  const pause = async (ms: number): Promise<boolean> => {
    const until = performance.now() + ms;
    // Short steps, so that a stop is seen within a quarter second.
    while (running() && performance.now() < until) await sleep(Math.min(250, until - performance.now()));
    return running();
  };
  const { agent } = station;
  const sim = agent.hardware.simulation;
  const card = { idToken: `${station.identity}-CARD`, type: 'ISO14443' as const };
  while (await pause(-Math.log(1 - Math.random()) * meanGapMs)) {
    if (agent.status().connection.bootState !== 'Accepted') continue;
    sim.setPlugged(1, 1, true);
    if (!(await pause(200))) break;
    const result = await agent.station.presentIdToken(1, card);
    if (result.outcome === 'authorized') {
      counts.sessions++;
      await pause(options.sessionSeconds * 1000);
      // A second presentation of the same card stops the transaction (E06, 1.6: StopTransaction Local).
      if (agent.station.transactions().length > 0) await agent.station.presentIdToken(1, card);
    } else {
      counts.sessionsRefused++;
    }
    await sleep(200);
    sim.setPlugged(1, 1, false);
  }
}

const ms = (v: number | undefined): string => (v === undefined ? '-' : `${v.toFixed(1)} ms`);
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function progressLine(options: SimulateOptions, started: number, connected: number, counts: FleetCounts, traffic: FleetTraffic): string {
  const rss = process.memoryUsage().rss;
  return `simulate: started ${started}/${options.stations}, connected ${connected}, sessions ${counts.sessions}, messages ${traffic.messages}, CALLERRORs ${traffic.callErrors}, RSS ${mb(rss)}`;
}

function summary(options: SimulateOptions, counts: FleetCounts, traffic: FleetTraffic, atEnd: { connected: number; rssBytes: number; cpu: NodeJS.CpuUsage; wallMs: number }): string {
  const cpuS = (atEnd.cpu.user + atEnd.cpu.system) / 1e6;
  const perStation = counts.started > 0 ? atEnd.rssBytes / counts.started : 0;
  return [
    'simulate: summary',
    `  stations:      ${counts.started} started of ${options.stations} (${counts.failed} failed), ${atEnd.connected} connected (boot Accepted) at the end`,
    `  sessions:      ${counts.sessions} (${counts.sessionsRefused} refused)`,
    `  messages:      ${traffic.messages} (${traffic.callErrors} CALLERRORs)`,
    `  round trip:    p50 ${ms(traffic.percentile(50))}, p95 ${ms(traffic.percentile(95))}, p99 ${ms(traffic.percentile(99))} (${traffic.roundTripsMs.length} CALLs)`,
    `  memory:        RSS ${mb(atEnd.rssBytes)}, ${mb(perStation)} per station`,
    `  CPU:           ${cpuS.toFixed(1)} s over ${(atEnd.wallMs / 1000).toFixed(1)} s (${((100 * cpuS * 1000) / atEnd.wallMs).toFixed(0)}% of a core)`,
    '',
  ].join('\n');
}
