import type { TokenResult } from '../station/station.js';
import type { IdToken, IdTokenKind } from '../station/types.js';
import { HttpError, oneOf, positiveInt } from './http-util.js';

/**
 * The simulation's levers under /api/sim: plug, EV, card reader, fault inputs, contactor, cable
 * lock and meter faults, the vehicle behind a simulated pilot board, simulated card readers. They
 * exist only with simulated hardware or when api.simulation enables them.
 */

export interface SimulationLevers {
  setPlugged(evseId: number, connectorId: number, plugged: boolean): void;
  setEvCharging(evseId: number, charging: boolean): void;
  setInput(name: string, active: boolean): void;
  /** What the EV draws per phase, in A, while it charges. */
  setEvCurrent(evseId: number, amps: number[]): void;
  setContactorFault(evseId: number, connectorId: number, fault: ContactorFaultName): void;
  setMeterFault(evseId: number, fault: MeterFaultName): void;
  /** Jams a connector's simulated cable lock holding the cable, or frees it; absent when the agent offers no such lever. */
  setCableLockFault?(evseId: number, connectorId: number, fault: CableLockFaultName): void;
  /** Changes the vehicle behind an EVSE's simulated pilot board; throws when the EVSE has none. */
  setVehicle?(evseId: number, change: VehicleChangeBody): void;
  /** Holds a card to a simulated reader; whether the agent read it (false: the reader is gone or not read). */
  presentCard?(readerName: string, idToken: string, type: IdTokenKind): boolean;
  /** Unplugs a simulated reader (true) or plugs it back (false). */
  setReaderGone?(readerName: string, gone: boolean): void;
  /** Whether there is a simulated card reader of this name. */
  hasReader?(readerName: string): boolean;
  /** The building's other load per phase, A, that the simulated grid meter adds to the EVSEs' (supply.gridMeter). */
  setHouseLoad?(amps: number[]): void;
  /** The grid operator's signal (supply.gridOperator) on or off. */
  setGridOperatorSignal?(active: boolean): void;
  hasEvse(evseId: number): boolean;
  hasConnector(evseId: number, connectorId: number): boolean;
  hasInput(name: string): boolean;
}

export const CONTACTOR_FAULTS = ['none', 'welded', 'fails-to-close'] as const;
export type ContactorFaultName = (typeof CONTACTOR_FAULTS)[number];
export const CABLE_LOCK_FAULTS = ['none', 'stuck-locked', 'stuck-released'] as const;
export type CableLockFaultName = (typeof CABLE_LOCK_FAULTS)[number];
export const METER_FAULTS = ['none', 'silent', 'crc', 'exception', 'energy-backwards'] as const;
export type MeterFaultName = (typeof METER_FAULTS)[number];
/** The vehicle's faults as the pilot sees them (IEC 61851-1): a shorted diode, the pilot pulled to 0 V (state E). */
export const VEHICLE_FAULTS = ['none', 'diode-short', 'state-e'] as const;
export type VehicleFaultName = (typeof VEHICLE_FAULTS)[number];

/** POST /api/sim/evses/{e}/vehicle: what changes about the vehicle behind the simulated pilot. */
export interface VehicleChangeBody {
  needsVentilation?: boolean;
  fault?: VehicleFaultName;
  maxCurrentA?: number;
}

const ID_TOKEN_TYPES: readonly IdTokenKind[] = ['Central', 'eMAID', 'ISO14443', 'ISO15693', 'KeyCode', 'Local', 'MacAddress', 'NoAuthorization'];

/** Pulls a simulation lever; a lever the hardware lacks (no simulated meter) is a 409. */
function lever(pull: () => void, result: object): object {
  try {
    pull();
  } catch (err) {
    throw new HttpError(409, (err as Error).message);
  }
  return { ok: true, ...result };
}

/** A card presented at the EVSE's (simulated) reader. */
async function token(evseId: number, body: Record<string, unknown>, present: (evseId: number, idToken: IdToken) => Promise<TokenResult>): Promise<unknown> {
  const idToken = body['idToken'];
  const type = body['type'] ?? 'ISO14443';
  if (typeof idToken !== 'string' || idToken.length === 0 || idToken.length > 36) throw new HttpError(400, 'idToken must be a string of 1 to 36 characters');
  if (typeof type !== 'string' || !ID_TOKEN_TYPES.includes(type as IdTokenKind)) throw new HttpError(400, `type must be one of ${ID_TOKEN_TYPES.join(', ')}`);
  try {
    return await present(evseId, { idToken, type: type as IdTokenKind });
  } catch (err) {
    if (err instanceof RangeError) throw new HttpError(404, err.message);
    throw err;
  }
}

function evRoute(sim: SimulationLevers, evseId: number, body: Record<string, unknown>): object {
  const state = body['state'];
  const amps = body['currentA'];
  if (state === undefined && amps === undefined) throw new HttpError(400, 'give state ("charging" or "suspended") and/or currentA (amps per phase)');
  if (state !== undefined && state !== 'charging' && state !== 'suspended') throw new HttpError(400, 'state must be "charging" or "suspended"');
  if (amps !== undefined && !(Array.isArray(amps) && amps.length >= 1 && amps.length <= 3 && amps.every((a) => typeof a === 'number' && a >= 0 && a <= 1000))) {
    throw new HttpError(400, 'currentA must be an array of 1 to 3 numbers from 0 to 1000 (amps per phase)');
  }
  return lever(
    () => {
      if (amps !== undefined) sim.setEvCurrent(evseId, amps as number[]);
      if (state !== undefined) sim.setEvCharging(evseId, state === 'charging');
    },
    { evseId, ev: state, currentA: amps },
  );
}

const VEHICLE_BODY = 'a JSON object with needsVentilation (true or false), fault ("none", "diode-short" or "state-e") and/or maxCurrentA (amps, 0 to 1000)';

/** The vehicle's change from a request body; 400 saying what was expected for anything else. */
function vehicleChange(body: Record<string, unknown>): VehicleChangeBody {
  const unknown = Object.keys(body).filter((k) => k !== 'needsVentilation' && k !== 'fault' && k !== 'maxCurrentA');
  if (unknown.length > 0) throw new HttpError(400, `unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')}; expected ${VEHICLE_BODY}`);
  const change: VehicleChangeBody = {};
  const { needsVentilation, fault, maxCurrentA } = body;
  if (needsVentilation !== undefined) {
    if (typeof needsVentilation !== 'boolean') throw new HttpError(400, 'needsVentilation must be true or false');
    change.needsVentilation = needsVentilation;
  }
  if (fault !== undefined) change.fault = oneOf(fault, VEHICLE_FAULTS, 'fault');
  if (maxCurrentA !== undefined) {
    if (typeof maxCurrentA !== 'number' || !Number.isFinite(maxCurrentA) || maxCurrentA < 0 || maxCurrentA > 1000) throw new HttpError(400, 'maxCurrentA must be a number of amps from 0 to 1000');
    change.maxCurrentA = maxCurrentA;
  }
  if (Object.keys(change).length === 0) throw new HttpError(400, `give ${VEHICLE_BODY}`);
  return change;
}

/** POST /api/sim/readers/{name}/card and .../gone: a simulated card reader's levers. */
function readerRoute(sim: SimulationLevers, name: string, tail: string[], body: Record<string, unknown>): object {
  if (!sim.hasReader || !sim.presentCard || !sim.setReaderGone) throw new HttpError(409, 'this agent offers no card reader levers');
  if (!sim.hasReader(name)) throw new HttpError(404, `no simulated card reader named "${name}"`);
  if (tail.length === 1 && tail[0] === 'card') {
    const idToken = body['idToken'];
    const type = body['type'] ?? 'ISO14443';
    if (typeof idToken !== 'string' || idToken.length === 0 || idToken.length > 36) throw new HttpError(400, 'idToken must be a string of 1 to 36 characters (e.g. a card\'s UID in hex, "04A1B2C3")');
    if (typeof type !== 'string' || !ID_TOKEN_TYPES.includes(type as IdTokenKind)) throw new HttpError(400, `type must be one of ${ID_TOKEN_TYPES.join(', ')}`);
    let read = false;
    lever(() => (read = sim.presentCard!(name, idToken, type as IdTokenKind)), {});
    // read false: the agent did not take the card (the reader is unplugged, or no agent reads it now).
    return { ok: true, reader: name, idToken, type, read };
  }
  if (tail.length === 1 && tail[0] === 'gone') {
    if (typeof body['gone'] !== 'boolean') throw new HttpError(400, 'gone must be true (the reader unplugged) or false (plugged back)');
    const gone = body['gone'];
    return lever(() => sim.setReaderGone!(name, gone), { reader: name, gone });
  }
  throw new HttpError(404, 'not found');
}

/** POST /api/sim/...: `path` is what follows /api/sim; sim is undefined when the hardware is real (409). */
export async function simRoute(
  path: string[],
  body: Record<string, unknown>,
  sim: SimulationLevers | undefined,
  present: (evseId: number, idToken: IdToken) => Promise<TokenResult>,
): Promise<unknown> {
  const [kind, id, ...tail] = path;
  if (!sim) throw new HttpError(409, 'the hardware is not simulated (gpio.driver is "sysfs")');
  if (kind === 'evses') {
    const evseId = positiveInt(id, 'evseId');
    if (!sim.hasEvse(evseId)) throw new HttpError(404, `no EVSE ${evseId}`);
    if (tail[0] === 'token' && tail.length === 1) return token(evseId, body, present);
    if (tail[0] === 'connectors' && tail.length === 3 && (tail[2] === 'plug' || tail[2] === 'unplug')) {
      const connectorId = positiveInt(tail[1], 'connectorId');
      if (!sim.hasConnector(evseId, connectorId)) throw new HttpError(404, `no connector ${connectorId} on EVSE ${evseId}`);
      const plugged = tail[2] === 'plug';
      return lever(() => sim.setPlugged(evseId, connectorId, plugged), { evseId, connectorId, plugged });
    }
    if (tail[0] === 'connectors' && tail.length === 3 && tail[2] === 'contactor') {
      const connectorId = positiveInt(tail[1], 'connectorId');
      if (!sim.hasConnector(evseId, connectorId)) throw new HttpError(404, `no connector ${connectorId} on EVSE ${evseId}`);
      const fault = oneOf(body['fault'], CONTACTOR_FAULTS, 'fault');
      return lever(() => sim.setContactorFault(evseId, connectorId, fault), { evseId, connectorId, contactor: fault });
    }
    if (tail[0] === 'connectors' && tail.length === 3 && tail[2] === 'lock') {
      const connectorId = positiveInt(tail[1], 'connectorId');
      if (!sim.hasConnector(evseId, connectorId)) throw new HttpError(404, `no connector ${connectorId} on EVSE ${evseId}`);
      const fault = oneOf(body['fault'], CABLE_LOCK_FAULTS, 'fault');
      if (!sim.setCableLockFault) throw new HttpError(409, 'this agent offers no cable lock lever');
      return lever(() => sim.setCableLockFault!(evseId, connectorId, fault), { evseId, connectorId, lock: fault });
    }
    if (tail[0] === 'meter' && tail.length === 1) {
      const fault = oneOf(body['fault'], METER_FAULTS, 'fault');
      return lever(() => sim.setMeterFault(evseId, fault), { evseId, meter: fault });
    }
    if (tail[0] === 'ev' && tail.length === 1) return evRoute(sim, evseId, body);
    if (tail[0] === 'vehicle' && tail.length === 1) {
      const change = vehicleChange(body);
      if (!sim.setVehicle) throw new HttpError(409, 'this agent offers no vehicle lever');
      return lever(() => sim.setVehicle!(evseId, change), { evseId, vehicle: change });
    }
    throw new HttpError(404, 'not found');
  }
  if (kind === 'readers' && id !== undefined) return readerRoute(sim, decodeURIComponent(id), tail, body);
  if (kind === 'supply' && tail.length === 0) return supplyRoute(sim, id, body);
  if (kind === 'inputs' && id !== undefined && tail.length === 0) {
    const name = decodeURIComponent(id);
    if (!sim.hasInput(name)) throw new HttpError(404, `no input named "${name}"`);
    if (typeof body['active'] !== 'boolean') throw new HttpError(400, 'active must be true or false');
    sim.setInput(name, body['active']);
    return { ok: true, input: name, active: body['active'] };
  }
  throw new HttpError(404, 'not found');
}

/** POST /api/sim/supply/house {"currentA": [A, A, A]} and /api/sim/supply/grid-operator {"active": bool}. */
function supplyRoute(sim: SimulationLevers, which: string | undefined, body: Record<string, unknown>): unknown {
  if (which === 'house') {
    const amps = body['currentA'];
    if (!(Array.isArray(amps) && amps.length >= 1 && amps.length <= 3 && amps.every((a) => typeof a === 'number' && a >= 0 && a <= 1000))) {
      throw new HttpError(400, 'currentA must be an array of 1 to 3 numbers from 0 to 1000 (the house load per phase, A)');
    }
    if (!sim.setHouseLoad) throw new HttpError(409, 'this agent offers no supply levers');
    return lever(() => sim.setHouseLoad!(amps as number[]), { houseCurrentA: amps });
  }
  if (which === 'grid-operator') {
    if (typeof body['active'] !== 'boolean') throw new HttpError(400, 'active must be true or false');
    const active = body['active'];
    if (!sim.setGridOperatorSignal) throw new HttpError(409, 'this agent offers no supply levers');
    return lever(() => sim.setGridOperatorSignal!(active), { gridOperator: active });
  }
  throw new HttpError(404, 'not found');
}
