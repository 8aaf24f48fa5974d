import type { EvseConfig, StationConfig } from '../config/station-config.js';
import { systemClock, type Clock } from '../station/clock.js';
import { SimulatedCableLock, type CableLockFaultMode } from './drivers/simulated/simulated-cable-lock.js';
import { SimulatedContactor, type ContactorFaultMode } from './drivers/simulated/simulated-contactor.js';
import { SimulatedGpio } from './drivers/simulated/simulated-gpio.js';
import { ModbusException, type SimulatedMeterDevice, type SimulatedMeterFault } from './drivers/simulated/simulated-meter-device.js';
import type { GpioDriver, InputLineSpec } from './gpio/gpio.js';
import { createSimulatedMeterDevice, SimulatedRegisterFile } from './drivers/simulated/simulated-evse-meter.js';

/** How often the simulated meters' energy registers are saved to storage.dir (for a process restart). */
const SAVE_REGISTERS_EVERY_MS = 5000;

interface WorldMeter {
  device: SimulatedMeterDevice;
  register: SimulatedRegisterFile;
}

/**
 * The physical world around a simulated station: the levels on the GPIO lines (a cable plugged in,
 * a safety input), each connector's contactor and cable lock, and each EVSE's meter with its energy register and
 * the EV drawing through it. It is made once per process and outlives the agent, as a cable and a
 * meter outlive a reboot of the charger (B01.FR.05: after a reset the station reports what is
 * physically true). Each agent start opens its drivers on it (station-hardware.ts, drivers/simulated) and closes them
 * at stop; the world's state stays. Parts come into being when first wired, so a config read
 * again at a restart finds what is still there and gets what is new.
 */
export class SimulatedWorld {
  private gpioDriver: SimulatedGpio | undefined;
  private readonly contactors = new Map<string, SimulatedContactor>();
  private readonly cableLocks = new Map<string, SimulatedCableLock>();
  private readonly meters = new Map<number, WorldMeter>();
  private saveTimer: NodeJS.Timeout | undefined;

  private readonly clock: Clock;

  /**
   * `gpio`: the GPIO driver the agent is given instead of the config's (tests); a SimulatedGpio is
   * the world's lines. `clock`: the time the meters' energy integrates over (default the system's).
   */
  constructor(options: { gpio?: GpioDriver; clock?: Clock } = {}) {
    this.gpioDriver = options.gpio instanceof SimulatedGpio ? options.gpio : undefined;
    this.clock = options.clock ?? systemClock;
  }

  /** The simulated GPIO lines (made on first use). */
  get gpio(): SimulatedGpio {
    return (this.gpioDriver ??= new SimulatedGpio());
  }

  /** Whether the world's GPIO lines are in use (simulated GPIO). */
  get hasGpio(): boolean {
    return this.gpioDriver !== undefined;
  }

  /** The contactor of a connector, made open on first use. */
  contactor(evseId: number, connectorId: number): SimulatedContactor {
    const key = `${evseId}/${connectorId}`;
    let c = this.contactors.get(key);
    if (!c) this.contactors.set(key, (c = new SimulatedContactor()));
    return c;
  }

  /** The contactor of a connector, if one was ever wired. */
  findContactor(evseId: number, connectorId: number): SimulatedContactor | undefined {
    return this.contactors.get(`${evseId}/${connectorId}`);
  }

  /** The cable lock of a connector's socket, made released on first use. */
  cableLock(evseId: number, connectorId: number): SimulatedCableLock {
    const key = `${evseId}/${connectorId}`;
    let l = this.cableLocks.get(key);
    if (!l) this.cableLocks.set(key, (l = new SimulatedCableLock()));
    return l;
  }

  /** The cable lock of a connector, if one was ever wired. */
  findCableLock(evseId: number, connectorId: number): SimulatedCableLock | undefined {
    return this.cableLocks.get(`${evseId}/${connectorId}`);
  }

  /**
   * The simulated meter of an EVSE. Made on first use, its register starting where the one saved
   * in `storageDir` left off (the process restarted); kept while the config describes the same
   * meter. A different meter (profile or unit id) starts from the register of the old one.
   */
  meterDevice(evse: EvseConfig, storageDir: string): SimulatedMeterDevice {
    const known = this.meters.get(evse.id);
    if (known && known.device.profile.id === evse.meter.profile.id && known.device.unitId === evse.meter.unitId) return known.device;
    const register = new SimulatedRegisterFile(storageDir, evse.id);
    const registerWh = known ? known.device.physics.values().energyImportWh : register.read();
    const device = createSimulatedMeterDevice(evse, registerWh, this.clock);
    this.meters.set(evse.id, { device, register });
    this.saveTimer ??= setInterval(() => this.saveRegisters(), SAVE_REGISTERS_EVERY_MS);
    this.saveTimer.unref();
    return device;
  }

  /** The simulated meter of an EVSE, if one was ever wired. */
  findMeterDevice(evseId: number): SimulatedMeterDevice | undefined {
    return this.meters.get(evseId)?.device;
  }

  /** Saves every simulated meter's energy register, for the next process. */
  saveRegisters(): void {
    for (const m of this.meters.values()) m.register.write(m.device.physics.values().energyImportWh);
  }

  /** At the end of the process: saves the registers, releases the GPIO lines. */
  async close(): Promise<void> {
    clearInterval(this.saveTimer);
    this.saveTimer = undefined;
    this.saveRegisters();
    await this.gpioDriver?.close();
  }
}

/**
 * The simulation's levers on the world, named as the config names things: for the simulation
 * API, the demo and tests. They act on the world, so on whichever agent is wired to it now.
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

  /** What the EV draws per phase while it charges (above the EVSE's limit for an overcurrent). */
  setEvCurrent(evseId: number, amps: number[]): void {
    this.requireDevice(evseId).physics.setEvCurrent(amps);
  }

  private setLogical(spec: InputLineSpec, active: boolean): void {
    if (!this.world.hasGpio) throw new Error('GPIO is not simulated (gpio.driver is "sysfs")');
    this.world.gpio.setInputLevel(spec, active !== spec.activeLow ? 1 : 0);
  }

  /** Plugs a vehicle into a connector, or unplugs it. */
  setPlugged(evseId: number, connectorId: number, plugged: boolean): void {
    const c = this.config.evses.find((e) => e.id === evseId)?.connectors.find((x) => x.id === connectorId);
    if (!c) throw new RangeError(`no connector ${connectorId} on EVSE ${evseId}`);
    if (!c.plugDetect) throw new Error(`connector ${connectorId} of EVSE ${evseId} has no plugDetect line`);
    this.setLogical(c.plugDetect, plugged);
  }

  /** Activates or releases a safety input by its config name. */
  setInput(name: string, active: boolean): void {
    const i = this.config.inputs.find((x) => x.name === name);
    if (!i) throw new RangeError(`no input named "${name}"`);
    this.setLogical(i.line, active);
  }

  /** The simulated meter of an EVSE (meter.driver "simulated"), for its physics and faults. */
  meterDevice(evseId: number): SimulatedMeterDevice | undefined {
    return this.config.evses.some((e) => e.id === evseId && e.meter.driver === 'simulated') ? this.world.findMeterDevice(evseId) : undefined;
  }

  /** Whether the EV on this EVSE draws power (charging) or not (suspended). */
  setEvCharging(evseId: number, charging: boolean): void {
    this.requireDevice(evseId).physics.setEvDrawing(charging);
  }

  private requireDevice(evseId: number): SimulatedMeterDevice {
    const device = this.meterDevice(evseId);
    if (!device) throw new Error(`EVSE ${evseId} has no simulated meter`);
    return device;
  }
}
