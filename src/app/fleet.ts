import { readFileSync } from 'node:fs';
import path from 'node:path';
import { resolveConfig } from '../config/load-config.js';
import type { StationConfig } from '../config/station-config.js';
import { SimulatedWorld } from '../hal/simulated-world.js';
import { OcppClient } from '../ocpp/ocpp-client.js';
import { packageRoot } from '../paths.js';
import { silentLogger } from '../process/logger.js';
import { Agent, type AgentTransport } from './agent.js';

// Issue 18, "Many stations in one process": a fleet of whole simulated stations (each built with
// Agent.create, its own world and storage folder) for load testing a CSMS, and what the fleet's
// OCPP traffic looked like, counted from the clients' own frames.

export type FleetOcppVersion = '2.0.1' | '1.6';

const simulatorConfigFile = path.join(packageRoot, 'config', 'simulator.json');
let simulatorConfigText: string | undefined;

/** One station of the fleet's config: config/simulator.json as `identity` of `url`, its files in `storageDir`. */
export function fleetStationConfig(identity: string, url: string, version: FleetOcppVersion, storageDir: string): StationConfig {
  const file = simulatorConfigFile;
  // Read once for the whole fleet; each station parses its own copy (resolveConfig fills it in).
  simulatorConfigText ??= readFileSync(file, 'utf8');
  const doc = JSON.parse(simulatorConfigText) as Record<string, Record<string, unknown>>;
  doc['station'] = { ...doc['station'], identity, serialNumber: identity };
  doc['ocpp'] = { ...doc['ocpp'], url, version };
  // 1.6 has no TxStartPoint / TxStopPoint (2.0.1 E01): its transactions start at authorization.
  if (version === '1.6' && doc['charging']) {
    delete doc['charging']['txStartPoints'];
    delete doc['charging']['txStopPoints'];
  }
  doc['api'] = { listen: '127.0.0.1:0' };
  doc['storage'] = { dir: storageDir };
  return resolveConfig(doc, file).config;
}

/** The fleet's OCPP traffic, from the frames every station's client sends and receives. */
export class FleetTraffic {
  messages = 0;
  callErrors = 0;
  private readonly pending = new Map<string, number>();
  /** Round trips of the stations' own CALLs, ms. */
  readonly roundTripsMs: number[] = [];

  constructor(private readonly nowMs: () => number = () => performance.now()) {}

  /** How many round trips were measured in all (the kept ones are the most recent). */
  roundTrips = 0;

  /** An observer for one station's client (OCPP-J: [2, id, action, payload], [3, id, payload], [4, id, code, ...]). */
  observer(identity: string): (direction: 'in' | 'out', text: string) => void {
    return (direction, text) => {
      this.messages++;
      // Only the head of the frame: its type and message id (the client parses the whole frame itself).
      const head = FRAME_HEAD.exec(text);
      if (!head) return;
      const type = Number(head[1]);
      if (type === 4) this.callErrors++;
      const key = `${identity}\u0000${head[2]}`;
      if (direction === 'out' && type === 2) this.pending.set(key, this.nowMs());
      if (direction === 'in' && (type === 3 || type === 4)) {
        const sent = this.pending.get(key);
        if (sent === undefined) return;
        this.pending.delete(key);
        this.roundTrips++;
        this.roundTripsMs.push(this.nowMs() - sent);
        // A long run keeps a recent window only: percentiles of the last 100,000 round trips.
        if (this.roundTripsMs.length > 200_000) this.roundTripsMs.splice(0, 100_000);
      }
    };
  }

  /** Percentiles (0-100) of the round trips from the `from`-th kept one on, ms; undefined before any. */
  percentiles(ps: number[], from = 0): (number | undefined)[] {
    const window = this.roundTripsMs.slice(Math.max(0, from));
    if (window.length === 0) return ps.map(() => undefined);
    const sorted = Float64Array.from(window).sort();
    return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]);
  }

  /** Percentiles (0-100) of the round trips measured after the `since`-th one (of all, roundTrips), as far as they are kept. */
  percentilesSince(ps: number[], since: number): (number | undefined)[] {
    return this.percentiles(ps, Math.max(0, this.roundTripsMs.length - (this.roundTrips - since)));
  }

  /** The p-th percentile (0-100) of the round trips, ms; undefined before any. */
  percentile(p: number): number | undefined {
    return this.percentiles([p])[0];
  }
}

/** The head of an OCPP-J frame: [type, "messageId", ... */
const FRAME_HEAD = /^\[\s*([234])\s*,\s*"([^"]*)"/;

/** One running station of the fleet. */
export interface FleetStation {
  identity: string;
  agent: Agent;
  world: SimulatedWorld;
}

/**
 * Starts one station of the fleet: simulated hardware on its own world, its client's frames to
 * `traffic`. Its local API does not listen unless asked: thousands of listeners would each hold
 * an open file and some memory for nothing a load test reads.
 */
export async function startFleetStation(config: StationConfig, traffic: FleetTraffic, options: { listenApi?: boolean } = {}): Promise<FleetStation> {
  const identity = config.station.identity;
  const world = new SimulatedWorld();
  const observe = traffic.observer(identity);
  const transport: AgentTransport = {
    connect: (options) =>
      new OcppClient({
        ...options,
        onFrame: (direction, text) => {
          observe(direction, text);
          options.onFrame?.(direction, text);
        },
      }),
  };
  try {
    const agent = await Agent.create({ config, log: silentLogger, hardware: { kind: 'simulated', world }, transport, listenApi: options.listenApi ?? false });
    return { identity, agent, world };
  } catch (err) {
    await world.close();
    throw err;
  }
}

/** Whether the CSMS accepted the station's BootNotification: the adapter's state, not the whole status view (read for every station each second). */
export function bootAccepted(station: FleetStation): boolean {
  return station.agent.adapter.bootState$.value === 'Accepted';
}

/** Stops a station as SIGTERM would (its transactions ended, their messages delivered first), then its world. */
export async function stopFleetStation(station: FleetStation): Promise<void> {
  await station.agent.stop({ endTransactions: true });
  await station.world.close();
}
