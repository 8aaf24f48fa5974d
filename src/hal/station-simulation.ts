import type { EvseConfig, StationConfig } from '../config/station-config.js';
import type { IdTokenKind } from '../station/types.js';
import type { CableLockFaultMode } from './drivers/simulated/simulated-cable-lock.js';
import type { SimulatedContactor, ContactorFaultMode } from './drivers/simulated/simulated-contactor.js';
import type { SimulatedGridMeter } from './drivers/simulated/simulated-grid-meter.js';
import { ModbusException, type SimulatedMeterDevice, type SimulatedMeterFault } from './drivers/simulated/simulated-meter-device.js';
import type { SimulatedPilotBoard } from './drivers/simulated/simulated-pilot.js';
import type { SimulatedVehicle, VehicleFault } from './drivers/simulated/simulated-vehicle.js';
import type { InputLineSpec } from './gpio/gpio.js';
import type { SimulatedWorld } from './simulated-world.js';

/** What a test or the simulation API may change about the vehicle behind a simulated pilot. */
export interface VehicleChange {
  /** Asks for ventilation while charging (IEC 61851-1 state D). */
  needsVentilation?: boolean;
  fault?: VehicleFault;
  /** The most the vehicle draws, A. */
  maxCurrentA?: number;
}

/**
 * The simulation's levers on the world, named as the config names things: for the simulation
 * API, the demo and tests. They act on the world, so on whichever agent is wired to it now.
 * With a simulated pilot board on an EVSE, plugging and charging act on the vehicle behind its
 * pilot (the board reads it, the meter follows what it draws); without one, on the plug detect
 * line and the meter's EV.
 */
export class StationSimulation {
  constructor(
    private readonly config: StationConfig,
    private readonly world: SimulatedWorld,
  ) {}

  /** The simulated contactor of a connector (simulated GPIO only). */
  contactor(evseId: number, connectorId: number): SimulatedContactor {
    const c = this.world.findContactor(evseId, connectorId);
    if (!c) throw new RangeError(`no simulated contactor for connector ${connectorId} of EVSE ${evseId} (is GPIO simulated?)`);
    return c;
  }

  /** Makes a connector's contactor weld, fail to close, or work again. */
  setContactorFault(evseId: number, connectorId: number, mode: ContactorFaultMode): void {
    this.contactor(evseId, connectorId).setFault(mode);
  }

  /** Makes a connector's cable lock jam holding the cable (an unlock then fails), or work again. */
  setCableLockFault(evseId: number, connectorId: number, mode: CableLockFaultMode): void {
    const l = this.world.findCableLock(evseId, connectorId);
    if (!l) throw new RangeError(`no simulated cable lock for connector ${connectorId} of EVSE ${evseId} (has it a lock line, and is GPIO simulated?)`);
    l.setFault(mode);
  }

  /** Makes an EVSE's simulated meter stop answering, answer with bad CRCs or exceptions, or read energy lower. */
  setMeterFault(evseId: number, fault: SimulatedMeterFault['mode']): void {
    this.requireDevice(evseId).fault =
      fault === 'exception' ? { mode: 'exception', code: ModbusException.SlaveDeviceFailure } : fault === 'energy-backwards' ? { mode: 'energy-backwards', byWh: 1000 } : { mode: fault };
  }

  /**
   * What the EV draws per phase while it charges (above the EVSE's limit for an overcurrent). With
   * a simulated pilot the vehicle's draw replaces it at the next change of offer or vehicle.
   */
  setEvCurrent(evseId: number, amps: number[]): void {
    this.requireDevice(evseId).physics.setEvCurrent(amps);
  }

  private setLogical(spec: InputLineSpec, active: boolean): void {
    if (!this.world.hasGpio) throw new Error('GPIO is not simulated (gpio.driver is "sysfs")');
    this.world.gpio.setInputLevel(spec, active !== spec.activeLow ? 1 : 0);
  }

  /**
   * Plugs a vehicle into a connector, or unplugs it. With a simulated pilot board the vehicle is
   * plugged into its pilot (and a plug detect line, where there is one, follows); without one the
   * plug detect line is the only sign, so it must exist.
   */
  setPlugged(evseId: number, connectorId: number, plugged: boolean): void {
    const evse = this.config.evses.find((e) => e.id === evseId);
    const c = evse?.connectors.find((x) => x.id === connectorId);
    if (!evse || !c) throw new RangeError(`no connector ${connectorId} on EVSE ${evseId}`);
    const board = this.simulatedBoard(evse);
    if (!board && !c.plugDetect) throw new Error(`connector ${connectorId} of EVSE ${evseId} has no plugDetect line`);
    if (c.plugDetect && (!board || this.world.hasGpio)) this.setLogical(c.plugDetect, plugged);
    board?.updateVehicle((v) => (plugged ? v.plugIn() : v.unplug()));
  }

  /** Activates or releases a safety input by its config name. */
  setInput(name: string, active: boolean): void {
    const i = this.config.inputs.find((x) => x.name === name);
    if (!i) throw new RangeError(`no input named "${name}"`);
    this.setLogical(i.line, active);
  }

  /** The building's simulated grid meter (supply.gridMeter.driver "simulated"). */
  gridMeter(): SimulatedGridMeter {
    const config = this.config.supply?.gridMeter;
    if (config?.meter.driver !== 'simulated') throw new Error('the station has no simulated grid meter (supply.gridMeter)');
    return this.world.gridMeter(config);
  }

  /** What the house draws per phase beside the EVSEs, A: the simulated grid meter reads it plus the EVSEs' draw. */
  setHouseLoad(amps: number[]): void {
    this.gridMeter().setHouseLoad(amps);
  }

  /** Activates or releases the grid operator's signal (supply.gridOperator). */
  setGridOperatorSignal(active: boolean): void {
    const operator = this.config.supply?.gridOperator;
    if (!operator) throw new Error('the station has no grid operator input (supply.gridOperator)');
    this.setLogical(operator.line, active);
  }

  /** The simulated meter of an EVSE (meter.driver "simulated"), for its physics and faults. */
  meterDevice(evseId: number): SimulatedMeterDevice | undefined {
    return this.config.evses.some((e) => e.id === evseId && e.meter.driver === 'simulated') ? this.world.findMeterDevice(evseId) : undefined;
  }

  /** Whether the EV on this EVSE wants energy (charging) or not (full, suspended by the EV). */
  setEvCharging(evseId: number, charging: boolean): void {
    const board = this.simulatedBoard(this.evse(evseId));
    if (board) board.updateVehicle((v) => (v.wantsEnergy = charging));
    else this.requireDevice(evseId).physics.setEvDrawing(charging);
  }

  /** Changes the vehicle behind an EVSE's simulated pilot: ventilation, a fault, its current limit. */
  setVehicle(evseId: number, change: VehicleChange): void {
    this.pilotBoard(evseId).updateVehicle((v) => {
      if (change.needsVentilation !== undefined) v.needsVentilation = change.needsVentilation;
      if (change.fault !== undefined) v.fault = change.fault;
      if (change.maxCurrentA !== undefined) v.maxCurrentA = change.maxCurrentA;
    });
  }

  /** The vehicle behind an EVSE's simulated pilot. */
  vehicle(evseId: number): SimulatedVehicle {
    return this.pilotBoard(evseId).vehicle;
  }

  /** The simulated pilot board of an EVSE (pilot.driver "simulated"). */
  pilotBoard(evseId: number): SimulatedPilotBoard {
    const board = this.simulatedBoard(this.evse(evseId));
    if (!board) throw new Error(`EVSE ${evseId} has no simulated pilot board`);
    return board;
  }

  /** Whether the config has a simulated card reader of this name. */
  hasReader(name: string): boolean {
    return this.config.readers.some((r) => r.name === name && r.driver === 'simulated');
  }

  /** Holds a card to a simulated reader. Returns whether the agent read it (false: the reader is gone or not read). */
  presentCard(readerName: string, idToken: string, type?: IdTokenKind): boolean {
    return this.requireReader(readerName).present(idToken, type);
  }

  /** Unplugs a simulated reader (true) or plugs it back (false). */
  setReaderGone(readerName: string, gone: boolean): void {
    this.requireReader(readerName).setGone(gone);
  }

  private requireReader(name: string): ReturnType<SimulatedWorld['cardReader']> {
    if (!this.hasReader(name)) throw new RangeError(`no simulated card reader named "${name}"`);
    return this.world.cardReader(name);
  }

  private evse(evseId: number): EvseConfig {
    const e = this.config.evses.find((x) => x.id === evseId);
    if (!e) throw new RangeError(`no EVSE ${evseId}`);
    return e;
  }

  private simulatedBoard(evse: EvseConfig): SimulatedPilotBoard | undefined {
    return evse.pilot?.driver === 'simulated' ? this.world.pilotBoard(evse) : undefined;
  }

  private requireDevice(evseId: number): SimulatedMeterDevice {
    const device = this.meterDevice(evseId);
    if (!device) throw new Error(`EVSE ${evseId} has no simulated meter`);
    return device;
  }
}
