import { combineLatest, map, type Observable, type Subscription } from 'rxjs';
import type { CardReaderConfig, LedColour, StationConfig } from '../config/station-config.js';
import type { Logger } from '../process/logger.js';
import { silentLogger } from '../process/logger.js';
import { systemClock, type Clock } from '../station/clock.js';
import { GpioBoardSupport } from './drivers/gpio/gpio-board-support.js';
import { GpioConnectorLock } from './drivers/gpio/gpio-connector-lock.js';
import { GpioSafetyInput } from './drivers/gpio/gpio-safety-input.js';
import { GpioStatusIndicator } from './drivers/gpio/gpio-status-indicator.js';
import { ModbusBusRegistry } from './drivers/modbus/modbus-bus.js';
import { SimulatedGpio } from './drivers/simulated/simulated-gpio.js';
import { restSimulatedInputs, wireConnectorToWorld, wireMeterToPilotBoard } from './drivers/simulated/simulated-wiring.js';
import { InProcessSystem } from './drivers/system/in-process-system.js';
import { SysfsGpio } from './drivers/sysfs/sysfs-gpio.js';
import { DigitalInput, DigitalOutput, type GpioDriver, type InputLineSpec, type OutputLineSpec } from './gpio/gpio.js';
import { createCardReader } from './card-reader-factory.js';
import { createEvseMeter } from './meter-factory.js';
import { meterSignedDataOf, type MeterSignedData } from './meter-signed-data.js';
import { createEvsePilot } from './pilot-factory.js';
import type { BoardSupport } from './roles/board-support.js';
import type { CardReader, CardReaderHealth } from './roles/card-reader.js';
import type { ControlPilot } from './roles/control-pilot.js';
import type { ConnectorLock } from './roles/connector-lock.js';
import type { PowerMeter } from './roles/power-meter.js';
import type { SafetyInput } from './roles/safety-input.js';
import type { StatusIndicator } from './roles/status-indicator.js';
import type { StationSystem } from './roles/system.js';
import { SimulatedWorld, StationSimulation } from './simulated-world.js';
import { openSupplyHardware, type OpenedSupply, type SupplyHardware } from './supply-hardware.js';

export { SimulatedWorld, StationSimulation } from './simulated-world.js';
export type { SafetyInput } from './roles/safety-input.js';
export type { GridOperatorInput, SupplyHardware } from './supply-hardware.js';

/**
 * The one hardware factory: from the config it builds each role (roles/) on a real or a simulated
 * driver (drivers/): per EVSE a power meter (Modbus or simulated), a control pilot board where one
 * is fitted and a status indicator, per connector board support and a cable lock, the safety
 * inputs, the card readers, the supply's grid meter and grid operator input, and the system. GPIO roles run on sysfs lines or on the simulated
 * world's lines; with the world's, its physics (contactors, cable locks, meters, the vehicle behind
 * a simulated pilot) is wired to them here, and nowhere else: the drivers carry no simulation branch.
 */

export interface ConnectorHardware {
  connectorId: number;
  /** Its power path: contactor, the contactor's feedback, plug detect. */
  board: BoardSupport;
  /** Its socket's cable lock; absent when none is fitted. */
  cableLock?: ConnectorLock;
  /** The lines behind the roles (diagnostics, tests): the contactor's coil, the lock actuator, the inputs. */
  relay: DigitalOutput;
  lock?: DigitalOutput;
  lockFeedback?: DigitalInput;
  relayFeedback?: DigitalInput;
  plugDetect?: DigitalInput;
}

export interface EvseHardware {
  evseId: number;
  meter: PowerMeter;
  /** The registers through which the meter signs OCMF itself, when its profile has signedData. */
  meterSignedData?: MeterSignedData;
  /** Its control pilot board (IEC 61851-1), polling from the start; absent where none is fitted. */
  pilot?: ControlPilot;
  connectors: ConnectorHardware[];
  leds: StatusIndicator;
}

export interface StationHardware {
  evses: EvseHardware[];
  inputs: SafetyInput[];
  /** The card readers, reading from the start, each with its config (the EVSE it authorizes at). */
  readers: Array<{ config: CardReaderConfig; reader: CardReader }>;
  /** The supply's grid meter (polling from the start) and grid operator input, where configured. */
  supply?: SupplyHardware;
  system: StationSystem;
  gpio: GpioDriver;
  simulation: StationSimulation;
  /** Opens every relay now, synchronously: safe in exit and crash handlers. Returns the failures. */
  openAllRelays(): Error[];
  /** Opens every relay, takes the pilots' offers back to 0 A, stops the meters and readers, releases the buses. */
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
  /** Time for the meters', pilots' and readers' polls and timestamps, the inputs' debounce, an unlock's wait and the system role; default the system clock. */
  clock?: Clock;
  logger?: Logger;
}

export function createGpioDriver(config: StationConfig): GpioDriver {
  return config.gpio.driver === 'simulated' ? new SimulatedGpio() : new SysfsGpio({ root: config.gpio.sysfsRoot, chip: config.gpio.chip });
}

interface ConnectorOutputs {
  relay: DigitalOutput;
  lock?: DigitalOutput;
}

export async function openStationHardware(config: StationConfig, options: HardwareOptions = {}): Promise<StationHardware> {
  const log = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const ownWorld = options.world === undefined;
  const world = options.world ?? new SimulatedWorld({ gpio: options.gpio, clock });
  const gpio = options.gpio ?? (config.gpio.driver === 'simulated' ? world.gpio : createGpioDriver(config));
  if (gpio instanceof SimulatedGpio && gpio !== world.gpio) throw new Error('a simulated GPIO given with a simulated world must be the world\'s');
  /** The lines are the simulated world's: its physics is wired to them. */
  const simulatedLines = gpio instanceof SimulatedGpio;
  const buses = new ModbusBusRegistry();
  const subscriptions: Subscription[] = [];
  const evses: EvseHardware[] = [];
  const inputs: SafetyInput[] = [];
  const readers: StationHardware['readers'] = [];
  let supply: OpenedSupply | undefined;
  const relays: DigitalOutput[] = [];
  const openOutput = (spec: OutputLineSpec): Promise<DigitalOutput> => DigitalOutput.open(gpio, spec);
  const openInput = (spec: InputLineSpec): Promise<DigitalInput> => DigitalInput.open(gpio, spec, clock);

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

  /** The world's parts outlive this hardware; its own GPIO driver (sysfs, a test's) does not. */
  const closeWorldOrGpio = async (): Promise<void> => {
    if (ownWorld) await world.close();
    else world.saveRegisters();
    if (!simulatedLines) await gpio.close();
  };

  try {
    // Outputs first, all inactive: from here on no relay is closed until the agent decides so.
    const outputs: Array<{ connectors: ConnectorOutputs[]; leds: Partial<Record<LedColour, DigitalOutput>> }> = [];
    for (const e of config.evses) {
      const connectors: ConnectorOutputs[] = [];
      for (const c of e.connectors) {
        const relay = await openOutput(c.relay);
        relays.push(relay);
        connectors.push({ relay, lock: c.lock ? await openOutput(c.lock) : undefined });
      }
      const leds: Partial<Record<LedColour, DigitalOutput>> = {};
      for (const [colour, spec] of Object.entries(e.leds) as Array<[LedColour, OutputLineSpec]>) leds[colour] = await openOutput(spec);
      outputs.push({ connectors, leds });
    }
    // The world's inputs get their levels before they are opened, so each reads true from the start.
    if (simulatedLines) {
      restSimulatedInputs(world, config);
      for (const [k, e] of config.evses.entries()) {
        for (const [j, c] of e.connectors.entries()) subscriptions.push(...wireConnectorToWorld(world, e.id, c, outputs[k]!.connectors[j]!));
      }
    }
    for (const [k, e] of config.evses.entries()) {
      const connectors: ConnectorHardware[] = [];
      for (const [j, c] of e.connectors.entries()) {
        const { relay, lock } = outputs[k]!.connectors[j]!;
        const plugDetect = c.plugDetect ? await openInput(c.plugDetect) : undefined;
        const relayFeedback = c.relayFeedback ? await openInput(c.relayFeedback) : undefined;
        const lockFeedback = lock && c.lockFeedback ? await openInput(c.lockFeedback) : undefined;
        connectors.push({
          connectorId: c.id,
          board: new GpioBoardSupport({ relay, relayFeedback, plugDetect }),
          cableLock: lock ? new GpioConnectorLock(lock, lockFeedback, clock) : undefined,
          relay,
          lock,
          lockFeedback,
          relayFeedback,
          plugDetect,
        });
      }
      const simulatedDevice = e.meter.driver === 'simulated' ? world.meterDevice(e, config.storage.dir) : undefined;
      const { meter, device } = createEvseMeter(e, buses, simulatedDevice, clock);
      const board = e.pilot?.driver === 'simulated' ? world.pilotBoard(e) : undefined;
      const pilot = createEvsePilot(e, buses, { simulatedBoard: board, clock });
      // A simulated meter measures what the vehicle behind a simulated pilot draws.
      if (device && board) subscriptions.push(wireMeterToPilotBoard(board, device.physics, e.phases));
      if (device) {
        // The simulated meter measures current while any of the EVSE's contactors is closed (the
        // contacts, not the coil: a welded contactor carries current with its coil off).
        const closed$: Array<Observable<boolean>> = e.connectors.map((c, j) =>
          simulatedLines ? world.contactor(e.id, c.id).contactClosed$ : connectors[j]!.relay.active$,
        );
        subscriptions.push(
          combineLatest(closed$)
            .pipe(map((states) => states.some(Boolean)))
            .subscribe((closed) => device.physics.setRelayClosed(closed)),
        );
      }
      const meterSignedData = meterSignedDataOf(e, buses, device, clock);
      evses.push({ evseId: e.id, meter, ...(meterSignedData ? { meterSignedData } : {}), ...(pilot ? { pilot } : {}), connectors, leds: new GpioStatusIndicator(outputs[k]!.leds) });
    }
    for (const i of config.inputs) inputs.push(new GpioSafetyInput(i, await openInput(i.line)));
    const gridMeterConfig = config.supply?.gridMeter;
    supply = await openSupplyHardware(config, {
      buses,
      clock,
      openInput,
      simulatedGridMeter: gridMeterConfig?.meter.driver === 'simulated' ? world.gridMeter(gridMeterConfig) : undefined,
    });
    for (const r of config.readers) {
      const reader = createCardReader(r, { clock, simulated: r.driver === 'simulated' ? world.cardReader(r.name) : undefined, log: (line) => log.info(line) });
      readers.push({ config: r, reader });
      subscriptions.push(logReaderHealth(reader, log));
    }
    // Everything is built: the pilots and readers start reading now (the agent starts the meters).
    for (const [k, e] of config.evses.entries()) if (e.pilot) evses[k]!.pilot?.start(e.pilot.pollIntervalMs);
    for (const r of readers) r.reader.start();
    supply.start();
  } catch (err) {
    openAllRelays();
    for (const s of subscriptions) s.unsubscribe();
    // The error that got us here is the one to report: a failing close does not replace it.
    await Promise.allSettled([...evses.map((e) => e.pilot?.close()), ...readers.map((r) => r.reader.close()), supply?.close()]);
    await buses.closeAll();
    if (ownWorld) await world.close();
    throw err;
  }

  log.info(
    `hardware ready: ${gpio.kind} GPIO, ${relays.length} relay${relays.length === 1 ? '' : 's'} open, ` +
      [
        ...evses.flatMap((e) => (e.pilot ? [e.meter.name, e.pilot.name] : [e.meter.name])),
        ...readers.map((r) => r.reader.name),
        ...(supply.hardware.gridMeter ? [supply.hardware.gridMeter.name] : []),
      ].join(', '),
  );

  return {
    evses,
    inputs,
    readers,
    ...(config.supply ? { supply: supply.hardware } : {}),
    system: new InProcessSystem(clock),
    gpio,
    simulation: new StationSimulation(config, world),
    openAllRelays,
    close: async () => {
      const failures = openAllRelays();
      for (const f of failures) log.error(`could not open a relay: ${f.message}`);
      for (const s of subscriptions) s.unsubscribe();
      // The pilots first, while their bus is still open: each takes its offer back to 0 A.
      await Promise.all(evses.map((e) => e.pilot?.close()));
      await Promise.all(evses.map((e) => e.meter.close()));
      await Promise.all(readers.map((r) => r.reader.close()));
      await supply?.close();
      await buses.closeAll();
      for (const i of inputs) await i.close();
      for (const e of evses) for (const c of e.connectors) await c.board.close();
      for (const e of evses) await e.leds.close();
      for (const e of evses) for (const c of e.connectors) await c.cableLock?.close();
      await closeWorldOrGpio();
    },
  };
}

/** A reader that fails (unplugged, refused) is a warning; back to ok is said once it reads again. */
function logReaderHealth(reader: CardReader, log: Logger): Subscription {
  let last: CardReaderHealth['state'] = 'unknown';
  return reader.health$.subscribe((h) => {
    if (h.state === 'failed' && last !== 'failed') log.warning(`${reader.name}: ${h.lastError ?? 'failed'}; retrying`);
    if (h.state === 'ok' && last === 'failed') log.info(`${reader.name}: reading again`);
    last = h.state;
  });
}
