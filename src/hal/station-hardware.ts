import { combineLatest, map, type Subscription } from 'rxjs';
import type { LedColour, SafetyInputConfig, StationConfig } from '../config/station-config.js';
import type { Logger } from '../service/logger.js';
import { silentLogger } from '../service/logger.js';
import { ModbusBusRegistry } from './drivers/modbus/modbus-bus.js';
import { SimulatedGpio } from './drivers/simulated/simulated-gpio.js';
import { SimulatedContactor, type ContactorFaultMode } from './drivers/simulated/simulated-contactor.js';
import { ModbusException, type SimulatedMeterDevice, type SimulatedMeterFault } from './drivers/simulated/simulated-meter-device.js';
import { SysfsGpio } from './drivers/sysfs/sysfs-gpio.js';
import { DigitalInput, DigitalOutput, inactiveLevel, type GpioDriver, type InputLineSpec, type OutputLineSpec } from './gpio/gpio.js';
import { createEvseMeter, SimulatedRegisterFile } from './meter-factory.js';
import type { RegisterMeter } from './meter/register-meter.js';

/**
 * The station's hardware, built from the config: per EVSE a meter, per connector a relay and its
 * inputs, LEDs, and the safety inputs. Drivers are chosen here and nowhere else.
 */

export interface ConnectorHardware {
  connectorId: number;
  relay: DigitalOutput;
  lock?: DigitalOutput;
  relayFeedback?: DigitalInput;
  plugDetect?: DigitalInput;
}

export interface EvseHardware {
  evseId: number;
  meter: RegisterMeter;
  connectors: ConnectorHardware[];
  leds: Partial<Record<LedColour, DigitalOutput>>;
}

export interface SafetyInput {
  config: SafetyInputConfig;
  input: DigitalInput;
}

/** Handles on the simulated parts, for the simulation API, demos and tests. */
export class StationSimulation {
  constructor(
    private readonly config: StationConfig,
    readonly gpio: SimulatedGpio | undefined,
    private readonly devices: Map<number, SimulatedMeterDevice>,
    private readonly contactors: Map<string, SimulatedContactor>,
  ) {}

  /** The simulated contactor of a connector (simulated GPIO only). */
  contactor(evseId: number, connectorId: number): SimulatedContactor {
    const c = this.contactors.get(`${evseId}/${connectorId}`);
    if (!c) throw new RangeError(`no simulated contactor for connector ${connectorId} of EVSE ${evseId} (is GPIO simulated?)`);
    return c;
  }

  /** Makes a connector's contactor weld, fail to close, or work again. */
  setContactorFault(evseId: number, connectorId: number, mode: ContactorFaultMode): void {
    this.contactor(evseId, connectorId).setFault(mode);
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

  private requireGpio(): SimulatedGpio {
    if (!this.gpio) throw new Error('GPIO is not simulated (gpio.driver is "sysfs")');
    return this.gpio;
  }

  private setLogical(spec: InputLineSpec, active: boolean): void {
    this.requireGpio().setInputLevel(spec, active !== spec.activeLow ? 1 : 0);
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
    return this.devices.get(evseId);
  }

  /** Whether the EV on this EVSE draws power (charging) or not (suspended). */
  setEvCharging(evseId: number, charging: boolean): void {
    this.requireDevice(evseId).physics.setEvDrawing(charging);
  }

  private requireDevice(evseId: number): SimulatedMeterDevice {
    const device = this.devices.get(evseId);
    if (!device) throw new Error(`EVSE ${evseId} has no simulated meter`);
    return device;
  }
}

export interface StationHardware {
  evses: EvseHardware[];
  inputs: SafetyInput[];
  gpio: GpioDriver;
  simulation: StationSimulation;
  /** Opens every relay now, synchronously: safe in exit and crash handlers. Returns the failures. */
  openAllRelays(): Error[];
  /** Opens every relay, stops the meters and releases the buses. */
  close(): Promise<void>;
}

export interface HardwareOptions {
  /** A GPIO driver to use instead of the one the config names (tests). */
  gpio?: GpioDriver;
  logger?: Logger;
}

export function createGpioDriver(config: StationConfig): GpioDriver {
  return config.gpio.driver === 'simulated'
    ? new SimulatedGpio()
    : new SysfsGpio({ root: config.gpio.sysfsRoot, ...(config.gpio.chip ? { chip: config.gpio.chip } : {}) });
}

export async function openStationHardware(config: StationConfig, options: HardwareOptions = {}): Promise<StationHardware> {
  const log = options.logger ?? silentLogger;
  const gpio = options.gpio ?? createGpioDriver(config);
  const simGpio = gpio instanceof SimulatedGpio ? gpio : undefined;
  const buses = new ModbusBusRegistry();
  const devices = new Map<number, SimulatedMeterDevice>();
  const contactors = new Map<string, SimulatedContactor>();
  const subscriptions: Subscription[] = [];
  const evses: EvseHardware[] = [];
  const inputs: SafetyInput[] = [];
  const relays: DigitalOutput[] = [];
  /** Final saves of simulated meters' registers, run at close. */
  const savers: Array<() => void> = [];

  const openAllRelays = (): Error[] => {
    const failures: Error[] = [];
    for (const r of relays) {
      try {
        r.set(false);
      } catch (err) {
        failures.push(err as Error);
      }
    }
    return failures;
  };

  try {
    // Outputs first, all inactive: from here on no relay is closed until the agent decides so.
    const outputs: Array<{ connectors: ConnectorHardware[]; leds: EvseHardware['leds'] }> = [];
    for (const e of config.evses) {
      const connectors: ConnectorHardware[] = [];
      for (const c of e.connectors) {
        const relay = await DigitalOutput.open(gpio, c.relay);
        relays.push(relay);
        const lock = c.lock ? await DigitalOutput.open(gpio, c.lock) : undefined;
        connectors.push({ connectorId: c.id, relay, ...(lock ? { lock } : {}) });
      }
      const leds: EvseHardware['leds'] = {};
      for (const [colour, spec] of Object.entries(e.leds) as Array<[LedColour, OutputLineSpec]>) {
        leds[colour] = await DigitalOutput.open(gpio, spec);
      }
      outputs.push({ connectors, leds });
    }
    // Simulated inputs start at rest (not plugged, no fault), whatever their polarity, unless a
    // test set the scene before (a vehicle still plugged in after a restart).
    if (simGpio) {
      const atRest = (spec: InputLineSpec): void => {
        if (!simGpio.hasLevel(spec)) simGpio.setInputLevel(spec, inactiveLevel(spec));
      };
      for (const e of config.evses) {
        for (const c of e.connectors) {
          for (const spec of [c.plugDetect, c.relayFeedback]) if (spec) atRest(spec);
        }
      }
      for (const i of config.inputs) atRest(i.line);
    }
    for (const [k, e] of config.evses.entries()) {
      const { connectors, leds } = outputs[k]!;
      for (const [j, c] of e.connectors.entries()) {
        const ch = connectors[j]!;
        if (c.plugDetect) ch.plugDetect = await DigitalInput.open(gpio, c.plugDetect);
        const feedback = c.relayFeedback;
        if (simGpio) {
          // With simulated GPIO the relay output drives a simulated contactor's coil, and its
          // auxiliary contact (the feedback input) follows the main contacts, which may misbehave.
          const contactor = new SimulatedContactor();
          contactors.set(`${e.id}/${c.id}`, contactor);
          subscriptions.push(ch.relay.active$.subscribe((on) => contactor.setCoil(on)));
          if (feedback) {
            subscriptions.push(contactor.contactClosed$.subscribe((closed) => simGpio.setInputLevel(feedback, closed !== feedback.activeLow ? 1 : 0)));
          }
        }
        if (feedback) ch.relayFeedback = await DigitalInput.open(gpio, feedback);
      }
      const register = e.meter.driver === 'simulated' ? new SimulatedRegisterFile(config.storage.dir, e.id) : undefined;
      const { meter, device } = createEvseMeter(e, buses, register);
      if (device && register) {
        devices.set(e.id, device);
        const save = (): void => register.write(device.physics.values().energyImportWh);
        const timer = setInterval(save, 5000);
        timer.unref();
        savers.push(() => {
          clearInterval(timer);
          save();
        });
        // The simulated meter measures current while any of the EVSE's contactors is closed (the
        // contacts, not the coil: a welded contactor carries current with its coil off).
        const closed$ = e.connectors.map((c, j) => contactors.get(`${e.id}/${c.id}`)?.contactClosed$ ?? connectors[j]!.relay.active$);
        subscriptions.push(
          combineLatest(closed$)
            .pipe(map((states) => states.some(Boolean)))
            .subscribe((closed) => device.physics.setRelayClosed(closed)),
        );
      }
      evses.push({ evseId: e.id, meter, connectors, leds });
    }
    for (const i of config.inputs) inputs.push({ config: i, input: await DigitalInput.open(gpio, i.line) });
  } catch (err) {
    openAllRelays();
    for (const s of subscriptions) s.unsubscribe();
    await buses.closeAll();
    throw err;
  }

  log.info(
    `hardware ready: ${gpio.kind} GPIO, ${relays.length} relay${relays.length === 1 ? '' : 's'} open, ` +
      evses.map((e) => e.meter.name).join(', '),
  );

  return {
    evses,
    inputs,
    gpio,
    simulation: new StationSimulation(config, simGpio, devices, contactors),
    openAllRelays,
    close: async () => {
      const failures = openAllRelays();
      for (const f of failures) log.error(`could not open a relay: ${f.message}`);
      for (const s of subscriptions) s.unsubscribe();
      for (const save of savers) save();
      await Promise.all(evses.map((e) => e.meter.close()));
      await buses.closeAll();
      for (const i of inputs) await i.input.close();
      for (const e of evses) for (const c of e.connectors) await Promise.all([c.plugDetect?.close(), c.relayFeedback?.close()]);
      for (const e of evses) for (const led of Object.values(e.leds)) await led?.close();
      for (const e of evses) for (const c of e.connectors) await c.lock?.close();
      for (const r of relays) await r.close();
      await gpio.close();
    },
  };
}
