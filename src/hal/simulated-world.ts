import type { EvseConfig, GridMeterConfig } from '../config/station-config.js';
import { systemClock, type Clock } from '../station/clock.js';
import { SimulatedCableLock } from './drivers/simulated/simulated-cable-lock.js';
import { SimulatedCardReader } from './drivers/simulated/simulated-card-reader.js';
import { SimulatedContactor } from './drivers/simulated/simulated-contactor.js';
import { SimulatedGpio } from './drivers/simulated/simulated-gpio.js';
import { SimulatedGridMeter, type PhaseAmps } from './drivers/simulated/simulated-grid-meter.js';
import type { SimulatedMeterDevice } from './drivers/simulated/simulated-meter-device.js';
import { SimulatedPilotBoard } from './drivers/simulated/simulated-pilot.js';
import { SimulatedVehicle } from './drivers/simulated/simulated-vehicle.js';
import type { GpioDriver } from './gpio/gpio.js';
import { createSimulatedMeterDevice, SimulatedRegisterFile } from './drivers/simulated/simulated-evse-meter.js';
import { DEFAULT_PILOT_PROFILE } from './pilot-factory.js';
import { loadPilotProfile } from './pilot/profile.js';

export { StationSimulation } from './station-simulation.js';

/** How often the simulated meters' energy registers are saved to storage.dir (for a process restart). */
const SAVE_REGISTERS_EVERY_MS = 5000;

interface WorldMeter {
  device: SimulatedMeterDevice;
  register: SimulatedRegisterFile;
}

/**
 * The physical world around a simulated station: the levels on the GPIO lines (a cable plugged in,
 * a safety input), each connector's contactor and cable lock, each EVSE's meter with its energy
 * register and the EV drawing through it, each EVSE's pilot board with the vehicle behind its
 * pilot, the card readers, and the building's grid meter with the house's load. It is made once
 * per process and outlives the agent, as a cable and a meter outlive a reboot of the charger (B01.FR.05: after a reset the station reports what is
 * physically true). Each agent start opens its drivers on it (station-hardware.ts, drivers/simulated) and closes them
 * at stop; the world's state stays. Parts come into being when first wired, so a config read
 * again at a restart finds what is still there and gets what is new.
 */
export class SimulatedWorld {
  private gpioDriver: SimulatedGpio | undefined;
  private readonly contactors = new Map<string, SimulatedContactor>();
  private readonly cableLocks = new Map<string, SimulatedCableLock>();
  private readonly meters = new Map<number, WorldMeter>();
  private readonly vehicles = new Map<number, SimulatedVehicle>();
  private readonly pilotBoards = new Map<number, SimulatedPilotBoard>();
  private readonly cardReaders = new Map<string, SimulatedCardReader>();
  private gridMeterDevice: SimulatedGridMeter | undefined;
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
    // A meter read from an earlier one in this process differs from what the file holds.
    if (!known) register.noteRestored(device.physics.values().energyImportWh);
    this.meters.set(evse.id, { device, register });
    this.saveTimer ??= setInterval(() => this.saveRegisters(), SAVE_REGISTERS_EVERY_MS);
    this.saveTimer.unref();
    return device;
  }

  /** The simulated meter of an EVSE, if one was ever wired. */
  findMeterDevice(evseId: number): SimulatedMeterDevice | undefined {
    return this.meters.get(evseId)?.device;
  }

  /** The vehicle at an EVSE (plugged in or not), made unplugged on first use. */
  vehicle(evseId: number): SimulatedVehicle {
    let v = this.vehicles.get(evseId);
    if (!v) this.vehicles.set(evseId, (v = new SimulatedVehicle()));
    return v;
  }

  /**
   * The simulated pilot board of an EVSE, with the EVSE's vehicle behind its pilot. Made on first
   * use per the config's profile (default the EVSE-WB's); kept while the config describes the same
   * board. A different board (profile or unit id) is a new one, offering nothing, with the same
   * vehicle still plugged in.
   */
  pilotBoard(evse: EvseConfig): SimulatedPilotBoard {
    const profile = evse.pilot?.profile ?? loadPilotProfile(DEFAULT_PILOT_PROFILE);
    const unitId = evse.pilot?.unitId ?? profile.serialDefaults?.unitId ?? 1;
    const known = this.pilotBoards.get(evse.id);
    if (known && known.profile.id === profile.id && known.unitId === unitId) return known;
    const board = new SimulatedPilotBoard(profile, unitId, this.vehicle(evse.id));
    this.pilotBoards.set(evse.id, board);
    return board;
  }

  /** The simulated pilot board of an EVSE, if one was ever wired. */
  findPilotBoard(evseId: number): SimulatedPilotBoard | undefined {
    return this.pilotBoards.get(evseId);
  }

  /** The simulated card reader of this config name, made plugged in on first use. */
  cardReader(name: string): SimulatedCardReader {
    let r = this.cardReaders.get(name);
    if (!r) this.cardReaders.set(name, (r = new SimulatedCardReader(`reader ${name} (simulated)`)));
    return r;
  }

  /** The simulated card reader of this config name, if one was ever opened. */
  findCardReader(name: string): SimulatedCardReader | undefined {
    return this.cardReaders.get(name);
  }

  /**
   * The building's simulated main meter: the house's load plus what every EVSE's simulated meter
   * measures. Made on first use with the config's house load; kept while the config describes the
   * same meter (profile, unit id), its house load with it.
   */
  gridMeter(config: GridMeterConfig): SimulatedGridMeter {
    const known = this.gridMeterDevice;
    if (known && known.device.profile.id === config.meter.profile.id && known.device.unitId === config.meter.unitId) return known;
    const evseAmps = (): PhaseAmps[] =>
      [...this.meters.values()].map(({ device }) => {
        const v = device.physics.values();
        return [v.currentL1A ?? 0, v.currentL2A ?? 0, v.currentL3A ?? 0];
      });
    const meter = new SimulatedGridMeter(known ? { ...config, houseCurrentA: known.houseLoadA } : config, evseAmps, this.clock);
    this.gridMeterDevice = meter;
    return meter;
  }

  /** The simulated grid meter, if one was ever wired. */
  findGridMeter(): SimulatedGridMeter | undefined {
    return this.gridMeterDevice;
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
