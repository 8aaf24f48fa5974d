import path from 'node:path';
import { followSafetyInputs } from '../../src/app/safety-inputs.js';
import { evsePortFrom } from '../../src/app/station-ports.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { StationConfig } from '../../src/config/station-config.js';
import type { SimulatedWorld } from '../../src/hal/simulated-world.js';
import { openStationHardware, type StationHardware } from '../../src/hal/station-hardware.js';
import type { StationEvent } from '../../src/station/events.js';
import type { AuthorizationPort, ChargingSettings, SafetySettings, StateStore } from '../../src/station/ports.js';
import { Station, type AuthorizationMode } from '../../src/station/station.js';
import type { AuthorizationResult, IdToken } from '../../src/station/types.js';
import { JsonFileStore } from '../../src/store/json-file-store.js';
import { repoRoot } from './cli.js';
import { makeTempDir } from './temp-dir.js';

/** A token list standing in for the authority (the CSMS is tested in the OCPP tests). */
export class TokenList implements AuthorizationPort {
  readonly asked: string[] = [];
  constructor(private readonly accepted: Record<string, AuthorizationResult>) {}
  async authorize(idToken: IdToken): Promise<AuthorizationResult> {
    this.asked.push(idToken.idToken);
    return this.accepted[idToken.idToken] ?? { status: 'Invalid' };
  }
}

export const DEFAULT_SETTINGS: ChargingSettings = {
  txStartPoints: ['PowerPathClosed'],
  txStopPoints: ['EVConnected', 'Authorized'],
  evConnectionTimeoutS: 60,
  stopTxOnInvalidId: true,
  evIdleCurrentA: 0.5,
  evIdleAfterS: 0.2,
  onMeterFailure: 'suspend',
};

export interface SimStation {
  config: StationConfig;
  hw: StationHardware;
  station: Station;
  events: StationEvent[];
  settings: ChargingSettings;
  authorizer: TokenList;
  storageDir: string;
  /** Resolves with the first event (from `from` on) that matches. */
  next<T extends StationEvent>(match: (e: StationEvent) => e is T, timeoutMs?: number, from?: number): Promise<T>;
  close(): Promise<void>;
}

/** The core on config/simulator.json's simulated hardware, with the meter polled every 50 ms. */
export async function openSimStation(
  options: {
    settings?: Partial<ChargingSettings>;
    authorization?: AuthorizationMode;
    tokens?: Record<string, AuthorizationResult>;
    /** An authority instead of the token list (e.g. local authorization in front of it). */
    authorizer?: AuthorizationPort;
    safety?: SafetySettings;
    storageDir?: string;
    /** The simulated world (plug, inputs, meter) to open on: it outlives a restart of the station. */
    world?: SimulatedWorld;
    /** A store instead of a JsonFileStore in storageDir, and where the station reports failed writes. */
    store?: StateStore;
    onStoreError?: (message: string) => void;
  } = {},
): Promise<SimStation> {
  const storageDir = options.storageDir ?? makeTempDir('evse-station');
  // Storage in the scratch folder: the simulated meter saves its register there, not in the checkout's var/.
  const loaded = loadConfig(path.join(repoRoot, 'config', 'simulator.json')).config;
  const config: StationConfig = { ...loaded, storage: { ...loaded.storage, dir: storageDir } };
  const hw = await openStationHardware(config, options.world ? { world: options.world } : {});
  const settings: ChargingSettings = { ...DEFAULT_SETTINGS, ...options.settings };
  const authorizer = new TokenList(options.tokens ?? { CARD1: { status: 'Accepted' }, CARD2: { status: 'Accepted' } });
  const station = new Station({
    evses: hw.evses.map((e, i) => evsePortFrom(e, config.evses[i]!)),
    settings: () => settings,
    authorization: options.authorization ?? { mode: 'csms' },
    authorizer: options.authorizer ?? authorizer,
    store: options.store ?? new JsonFileStore(storageDir),
    ...(options.onStoreError ? { onStoreError: options.onStoreError } : {}),
    ...(options.safety ? { safety: options.safety } : {}),
  });
  const events: StationEvent[] = [];
  const waiters: Array<() => void> = [];
  station.events$.subscribe((e) => {
    events.push(e);
    for (const w of waiters.splice(0)) w();
  });
  for (const e of hw.evses) e.meter.start(50);
  station.start();
  const safety = followSafetyInputs(hw.inputs, station);
  return {
    config,
    hw,
    station,
    events,
    settings,
    authorizer,
    storageDir,
    next: <T extends StationEvent>(match: (e: StationEvent) => e is T, timeoutMs = 3000, from = 0) =>
      new Promise<T>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; saw ${events.map((e) => e.type).join(', ')}`)), timeoutMs);
        const check = (): void => {
          const found = events.slice(from).find(match);
          if (found) {
            clearTimeout(deadline);
            resolve(found);
          } else waiters.push(check);
        };
        check();
      }),
    close: async () => {
      for (const sub of safety) sub.unsubscribe();
      station.stop();
      await hw.close();
    },
  };
}

export const is =
  <K extends StationEvent['type']>(type: K, extra: (e: Extract<StationEvent, { type: K }>) => boolean = () => true) =>
  (e: StationEvent): e is Extract<StationEvent, { type: K }> =>
    e.type === type && extra(e as Extract<StationEvent, { type: K }>);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
