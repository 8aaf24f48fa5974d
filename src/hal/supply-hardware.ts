import type { Observable } from 'rxjs';
import type { GridMeterConfig, StationConfig } from '../config/station-config.js';
import type { Clock } from '../station/clock.js';
import { describeLink, ModbusRegisterReader, type ModbusBusRegistry } from './drivers/modbus/modbus-bus.js';
import type { SimulatedGridMeter } from './drivers/simulated/simulated-grid-meter.js';
import type { DigitalInput, InputLineSpec } from './gpio/gpio.js';
import { RegisterMeter } from './meter/register-meter.js';
import type { PowerMeter } from './roles/power-meter.js';

/**
 * The supply's hardware (config `supply`): the building's main meter, a power meter as an EVSE's
 * is (Modbus, on its own line or sharing the bus object of the EVSE meters and pilot boards on
 * its line, or simulated), and the grid operator's input on a GPIO line.
 */

/** The grid operator's signal (a ripple-control receiver, a control box contact): active caps the station to maxPowerW. */
export interface GridOperatorInput {
  /** Whether it is active now; replays the current state to a new subscriber. */
  readonly active$: Observable<boolean>;
  readonly active: boolean;
  readonly maxPowerW: number;
}

export interface SupplyHardware {
  /** The grid meter, polling from the start at its pollIntervalMs. */
  gridMeter?: PowerMeter;
  gridOperator?: GridOperatorInput;
}

/** The supply's parts as opened, with what closing them takes. */
export interface OpenedSupply {
  hardware: SupplyHardware;
  /** Starts the grid meter's polls. */
  start(): void;
  /** Stops the grid meter (before the buses close) and releases the input line. */
  close(): Promise<void>;
}

/** The grid meter on its driver: Modbus on the registry's bus for its line, or the simulated world's. */
export function createGridMeter(config: GridMeterConfig, buses: ModbusBusRegistry, simulated: SimulatedGridMeter | undefined, clock: Clock): RegisterMeter {
  const m = config.meter;
  if (m.driver === 'simulated' && !simulated) throw new Error('a simulated grid meter needs the simulated world\'s');
  const reader = simulated ? simulated.reader(m.timing.timeoutMs) : new ModbusRegisterReader(buses.get(m.link!, m.timing), m.unitId);
  const where = simulated ? 'simulated' : `${m.driver} ${describeLink(m.link!)}, unit ${m.unitId}`;
  return new RegisterMeter({
    name: `grid meter (${m.profile.id}, ${where})`,
    profile: m.profile,
    reader,
    retries: m.retries,
    failAfterPolls: m.failAfterPolls,
    clock,
  });
}

export async function openSupplyHardware(
  config: StationConfig,
  parts: {
    buses: ModbusBusRegistry;
    clock: Clock;
    openInput: (spec: InputLineSpec) => Promise<DigitalInput>;
    /** The world's grid meter, for a simulated one. */
    simulatedGridMeter?: SimulatedGridMeter;
  },
): Promise<OpenedSupply> {
  const supply = config.supply;
  const gridMeter = supply?.gridMeter ? createGridMeter(supply.gridMeter, parts.buses, parts.simulatedGridMeter, parts.clock) : undefined;
  let line: DigitalInput | undefined;
  try {
    line = supply?.gridOperator ? await parts.openInput(supply.gridOperator.line) : undefined;
  } catch (err) {
    await gridMeter?.close();
    throw err;
  }
  const hardware: SupplyHardware = {};
  if (gridMeter) hardware.gridMeter = gridMeter;
  if (line && supply?.gridOperator) {
    const input = line;
    const maxPowerW = supply.gridOperator.maxPowerW;
    hardware.gridOperator = {
      get active$() {
        return input.active$;
      },
      get active() {
        return input.active;
      },
      maxPowerW,
    };
  }
  return {
    hardware,
    start: () => {
      if (gridMeter && supply?.gridMeter) gridMeter.start(supply.gridMeter.meter.pollIntervalMs);
    },
    close: async () => {
      await gridMeter?.close();
      await line?.close();
    },
  };
}
