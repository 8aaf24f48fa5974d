import type { EvseConfig, PilotConfig } from '../config/station-config.js';
import { systemClock, type Clock } from '../station/clock.js';
import { describeLink, type ModbusBusRegistry } from './drivers/modbus/modbus-bus.js';
import { ModbusPilotPort, RegisterPilot } from './drivers/modbus/modbus-pilot.js';
import { OpenEvsePilot } from './drivers/openevse/openevse-pilot.js';
import { SimulatedPilotBoard, SimulatedPilotPort } from './drivers/simulated/simulated-pilot.js';
import { loadPilotProfile, type PilotProfile } from './pilot/profile.js';
import type { ControlPilot } from './roles/control-pilot.js';

/** The register map a pilot board has when the config names none: the EVSE DIN / EVSE-WB board. */
export const DEFAULT_PILOT_PROFILE = 'evse-wb';

export interface EvsePilotOptions {
  /** A simulated pilot's board (the simulated world's, which outlives the agent); a fresh one when absent. */
  simulatedBoard?: SimulatedPilotBoard;
  /** Time for the polls and the health's timestamps; default the system clock. */
  clock?: Clock;
}

/** The pilot's register map: the config's, or the default board's. */
export function pilotProfileOf(pilot: PilotConfig): PilotProfile {
  return pilot.profile ?? loadPilotProfile(DEFAULT_PILOT_PROFILE);
}

/**
 * The control pilot board of one EVSE on the driver its config names, or undefined when the EVSE
 * has none (plug detect and the meter's current then say what the vehicle does). A Modbus board
 * talks through `buses`, so a board and a meter on the same RS485 line share one connection and
 * one request goes at a time. Not started: the caller calls start(pilot.pollIntervalMs).
 */
export function createEvsePilot(evse: EvseConfig, buses: ModbusBusRegistry, options: EvsePilotOptions = {}): ControlPilot | undefined {
  const p = evse.pilot;
  if (!p) return undefined;
  const clock = options.clock ?? systemClock;
  const label = (where: string): string => `EVSE ${evse.id} pilot (${where})`;
  switch (p.driver) {
    case 'modbus-rtu':
    case 'modbus-tcp': {
      if (!p.link) throw new Error(`EVSE ${evse.id}: a ${p.driver} pilot needs a link`);
      const profile = pilotProfileOf(p);
      return new RegisterPilot({
        name: label(`${profile.id}, ${p.driver} ${describeLink(p.link)}, unit ${p.unitId}`),
        profile,
        port: new ModbusPilotPort(buses.get(p.link, p.timing), p.unitId),
        failAfterPolls: p.failAfterPolls,
        clock,
      });
    }
    case 'openevse': {
      if (!p.port) throw new Error(`EVSE ${evse.id}: an openevse pilot needs a serial port`);
      return new OpenEvsePilot({
        name: label(`openevse, ${p.port}`),
        path: p.port,
        baudRate: p.baudRate,
        clock,
        failAfterPolls: p.failAfterPolls,
      });
    }
    case 'simulated': {
      const board = options.simulatedBoard ?? new SimulatedPilotBoard(pilotProfileOf(p), p.unitId);
      return new RegisterPilot({
        name: label(`${board.profile.id}, simulated`),
        profile: board.profile,
        port: new SimulatedPilotPort(board),
        failAfterPolls: p.failAfterPolls,
        clock,
      });
    }
  }
}
