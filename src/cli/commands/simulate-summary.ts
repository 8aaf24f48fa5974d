import type { FleetOcppVersion, FleetTraffic } from '../../app/fleet.js';
import type { FleetCounts } from '../../app/fleet-sessions.js';
import type { SimulateOptions } from './simulate.js';

// `evse-agent simulate`'s figures (issue 18): the live progress line, the summary at the end, and
// the same summary as one JSON line (--summary-json) that a Kubernetes Indexed Job's pods print
// for gathering with `kubectl logs` and jq (bench/load-test/README.md).

/** The summary as printed with --summary-json: one JSON object, figures of this process only. */
export interface FleetSummary {
  kind: 'evse-agent-simulate-summary';
  csms: string;
  identities: { prefix: string; firstIndex: number; first: string; last: string };
  stations: { requested: number; started: number; failed: number; connected: number; ocpp: Record<FleetOcppVersion, number> };
  sessions: { accepted: number; refused: number; done: number };
  messages: number;
  callErrors: number;
  roundTripMs: RoundTrips;
  /** The round trips after the ramp: the stations' steady traffic, without their starts' load. */
  roundTripAfterRampMs: RoundTrips;
  memory: { rssBytes: number; rssBeforeBytes: number; rssPerStationBytes: number; rssAddedPerStationBytes: number };
  cpu: { seconds: number; wallSeconds: number; percentOfCore: number };
}

export interface RoundTrips {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface SummaryInputs {
  options: SimulateOptions;
  first: string;
  last: string;
  counts: FleetCounts;
  versions: Record<FleetOcppVersion, number>;
  connected: number;
  traffic: FleetTraffic;
  cpuStart: NodeJS.CpuUsage;
  wallStart: number;
  /** RSS before the first station: what the process costs without any. */
  rssBefore: number;
  /** traffic.roundTrips when the last station had started; undefined while ramping. */
  roundTripsAtRampEnd: number | undefined;
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

let lastRss = 0;
/** RSS, read from /proc: with every file descriptor taken (EMFILE) the last reading stands, the fleet goes on. */
function residentBytes(): number {
  try {
    lastRss = process.memoryUsage.rss();
  } catch {
    // Out of descriptors for a moment: the figure waits for the next summary.
  }
  return lastRss;
}

export function fleetSummary(inputs: SummaryInputs): FleetSummary {
  const { options, counts, traffic } = inputs;
  const rss = residentBytes();
  const cpu = process.cpuUsage(inputs.cpuStart);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const wallS = (performance.now() - inputs.wallStart) / 1000;
  const roundTrips = (since: number): RoundTrips => {
    const [p50, p95, p99] = traffic.percentilesSince([50, 95, 99], since).map((v) => (v === undefined ? null : round(v, 2)));
    return { count: traffic.roundTrips - since, p50: p50 ?? null, p95: p95 ?? null, p99: p99 ?? null };
  };
  const perStation = (bytes: number): number => (counts.started > 0 ? Math.round(bytes / counts.started) : 0);
  return {
    kind: 'evse-agent-simulate-summary',
    csms: options.csms,
    identities: { prefix: options.identityPrefix, firstIndex: options.firstIndex, first: inputs.first, last: inputs.last },
    stations: { requested: options.stations, started: counts.started, failed: counts.failed, connected: inputs.connected, ocpp: { ...inputs.versions } },
    sessions: { accepted: counts.sessions, refused: counts.sessionsRefused, done: counts.sessionsDone },
    messages: traffic.messages,
    callErrors: traffic.callErrors,
    roundTripMs: roundTrips(0),
    roundTripAfterRampMs: roundTrips(inputs.roundTripsAtRampEnd ?? traffic.roundTrips),
    memory: { rssBytes: rss, rssBeforeBytes: inputs.rssBefore, rssPerStationBytes: perStation(rss), rssAddedPerStationBytes: perStation(Math.max(0, rss - inputs.rssBefore)) },
    cpu: { seconds: round(cpuS, 2), wallSeconds: round(wallS, 2), percentOfCore: wallS > 0 ? round((100 * cpuS) / wallS, 1) : 0 },
  };
}

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : `${v.toFixed(1)} ms`);
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const mbPrecise = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

/** The live line: totals so far, round trips and CPU over the last period only. */
export function progressLine(s: FleetSummary, traffic: FleetTraffic, since: { roundTrips: number; cpu: NodeJS.CpuUsage; wallMs: number }): string {
  const recent = traffic.roundTrips - since.roundTrips;
  const [p50, p95] = traffic.percentiles([50, 95], traffic.roundTripsMs.length - recent);
  const cpu = process.cpuUsage(since.cpu);
  const cpuPercent = (100 * (cpu.user + cpu.system)) / 1000 / Math.max(1, performance.now() - since.wallMs);
  return (
    `simulate: ${s.cpu.wallSeconds.toFixed(0)} s, started ${s.stations.started}/${s.stations.requested}, connected ${s.stations.connected}, ` +
    `sessions ${s.sessions.accepted} (${s.sessions.refused} refused), messages ${s.messages}, CALLERRORs ${s.callErrors}, ` +
    `round trip p50 ${ms(p50)} p95 ${ms(p95)}, CPU ${cpuPercent.toFixed(0)}%, RSS ${mb(s.memory.rssBytes)} (${mbPrecise(s.memory.rssPerStationBytes)}/station)`
  );
}

/** The summary at the end, in words. */
export function summaryText(s: FleetSummary): string {
  const versions = Object.entries(s.stations.ocpp)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} on ${v}`)
    .join(', ');
  return [
    'simulate: summary',
    `  identities:    ${s.identities.first} to ${s.identities.last}`,
    `  stations:      ${s.stations.started} started of ${s.stations.requested} (${s.stations.failed} failed), ${s.stations.connected} connected (boot Accepted) at the end${versions ? `; ${versions}` : ''}`,
    `  sessions:      ${s.sessions.accepted} (${s.sessions.refused} refused, ${s.sessions.done} played to the end)`,
    `  messages:      ${s.messages} (${s.callErrors} CALLERRORs)`,
    `  round trip:    p50 ${ms(s.roundTripMs.p50)}, p95 ${ms(s.roundTripMs.p95)}, p99 ${ms(s.roundTripMs.p99)} (${s.roundTripMs.count} CALLs)`,
    `   after ramp:   p50 ${ms(s.roundTripAfterRampMs.p50)}, p95 ${ms(s.roundTripAfterRampMs.p95)}, p99 ${ms(s.roundTripAfterRampMs.p99)} (${s.roundTripAfterRampMs.count} CALLs)`,
    `  memory:        RSS ${mb(s.memory.rssBytes)}, ${mbPrecise(s.memory.rssPerStationBytes)} per station (${mbPrecise(s.memory.rssAddedPerStationBytes)} per station above the ${mb(s.memory.rssBeforeBytes)} before the first)`,
    `  CPU:           ${s.cpu.seconds.toFixed(1)} s over ${s.cpu.wallSeconds.toFixed(1)} s (${s.cpu.percentOfCore.toFixed(0)}% of a core)`,
    '',
  ].join('\n');
}
