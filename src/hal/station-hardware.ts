import { combineLatest, map, type Subscription } from 'rxjs';
import type { LedColour, SafetyInputConfig, StationConfig } from '../config/station-config.js';
import type { Logger } from '../process/logger.js';
import { silentLogger } from '../process/logger.js';
import { ModbusBusRegistry } from './drivers/modbus/modbus-bus.js';
import { SimulatedGpio } from './drivers/simulated/simulated-gpio.js';
import { SysfsGpio } from './drivers/sysfs/sysfs-gpio.js';
import { DigitalInput, DigitalOutput, inactiveLevel, type GpioDriver, type InputLineSpec, type OutputLineSpec } from './gpio/gpio.js';
import { createEvseMeter } from './meter-factory.js';
import type { RegisterMeter } from './meter/register-meter.js';
import { SimulatedWorld, StationSimulation } from './simulated-world.js';

export { SimulatedWorld, StationSimulation } from './simulated-world.js';

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
  /** A GPIO driver to use instead of the one the config names (tests); a SimulatedGpio is the world's lines. */
  gpio?: GpioDriver;
  /**
   * The simulated world (plug, EV, inputs, contactors, meter registers) to wire the drivers to; it
   * is the caller's and outlives this hardware. Without it the hardware has a world of its own.
   */
  world?: SimulatedWorld;
  logger?: Logger;
}

export function createGpioDriver(config: StationConfig): GpioDriver {
  return config.gpio.driver === 'simulated'
    ? new SimulatedGpio()
    : new SysfsGpio({ root: config.gpio.sysfsRoot, ...(config.gpio.chip ? { chip: config.gpio.chip } : {}) });
}

export async function openStationHardware(config: StationConfig, options: HardwareOptions = {}): Promise<StationHardware> {
  const log = options.logger ?? silentLogger;
  const ownWorld = options.world === undefined;
  const world = options.world ?? new SimulatedWorld({ gpio: options.gpio });
  const gpio = options.gpio ?? (config.gpio.driver === 'simulated' ? world.gpio : createGpioDriver(config));
  if (gpio instanceof SimulatedGpio && gpio !== world.gpio) throw new Error('a simulated GPIO given with a simulated world must be the world\'s');
  const simGpio = gpio instanceof SimulatedGpio ? gpio : undefined;
  const buses = new ModbusBusRegistry();
  const subscriptions: Subscription[] = [];
  const evses: EvseHardware[] = [];
  const inputs: SafetyInput[] = [];
  const relays: DigitalOutput[] = [];
  /** The world's parts outlive this hardware; its own GPIO driver (sysfs, a test's) does not. */
  const closeWorldOrGpio = async (): Promise<void> => {
    if (ownWorld) await world.close();
    else world.saveRegisters();
    if (gpio !== simGpio) await gpio.close();
  };

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
    // Simulated inputs start at rest (not plugged, no fault), whatever their polarity, unless the
    // world has them otherwise already (a vehicle still plugged in after a restart).
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
          const contactor = world.contactor(e.id, c.id);
          subscriptions.push(ch.relay.active$.subscribe((on) => contactor.setCoil(on)));
          if (feedback) {
            subscriptions.push(contactor.contactClosed$.subscribe((closed) => simGpio.setInputLevel(feedback, closed !== feedback.activeLow ? 1 : 0)));
          }
        }
        if (feedback) ch.relayFeedback = await DigitalInput.open(gpio, feedback);
      }
      const { meter, device } = createEvseMeter(e, buses, e.meter.driver === 'simulated' ? world.meterDevice(e, config.storage.dir) : undefined);
      if (device) {
        // The simulated meter measures current while any of the EVSE's contactors is closed (the
        // contacts, not the coil: a welded contactor carries current with its coil off).
        const closed$ = e.connectors.map((c, j) => (simGpio ? world.contactor(e.id, c.id).contactClosed$ : connectors[j]!.relay.active$));
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
    if (ownWorld) await world.close();
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
    simulation: new StationSimulation(config, world),
    openAllRelays,
    close: async () => {
      const failures = openAllRelays();
      for (const f of failures) log.error(`could not open a relay: ${f.message}`);
      for (const s of subscriptions) s.unsubscribe();
      await Promise.all(evses.map((e) => e.meter.close()));
      await buses.closeAll();
      for (const i of inputs) await i.input.close();
      for (const e of evses) for (const c of e.connectors) await Promise.all([c.plugDetect?.close(), c.relayFeedback?.close()]);
      for (const e of evses) for (const led of Object.values(e.leds)) await led?.close();
      for (const e of evses) for (const c of e.connectors) await c.lock?.close();
      for (const r of relays) await r.close();
      await closeWorldOrGpio();
    },
  };
}
