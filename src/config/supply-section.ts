import { renderFound } from '../util/json-schema.js';
import type { ConfigContext } from './config-context.js';
import type { MeterSection } from './meter-section.js';
import { inputLine, type RawGridMeter, type RawMeter, type RawSupply } from './raw-config.js';
import type { LineDevice } from './shared-lines.js';
import type { EvseConfig, GridMeterConfig, SupplyConfig } from './station-config.js';

/** The least a vehicle charges at (IEC 61851-1). */
const MIN_CHARGING_CURRENT_A = 6;
/** The nominal phase-to-neutral voltage the power of maxPowerW is weighed at in check-config's warning. */
const NOMINAL_VOLTAGE_V = 230;
const P = '/supply';

/**
 * The supply section: the station maximum, the grid meter (read as an EVSE's meter, with the
 * fuse's keys) and the grid operator's input. The grid meter's Modbus line is kept for the
 * station-wide shared-line and device checks; the input's GPIO line is checked with the others
 * (checkLineConflicts).
 */
export class SupplySection {
  private readonly devices: LineDevice[] = [];

  constructor(private readonly ctx: ConfigContext) {}

  /** The grid meter on a Modbus line, for checkSharedLines (after the EVSEs' meters and pilots). */
  lineDevices(): LineDevice[] {
    return [...this.devices];
  }

  resolve(raw: RawSupply | undefined, meters: MeterSection, evses: readonly EvseConfig[]): SupplyConfig | undefined {
    if (!raw) return undefined;
    const supply: SupplyConfig = {};
    if (raw.maxCurrentA !== undefined) supply.maxCurrentA = raw.maxCurrentA;
    const gridMeter = raw.gridMeter && this.gridMeter(raw.gridMeter, meters);
    if (gridMeter) supply.gridMeter = gridMeter;
    if (raw.gridOperator) {
      const { maxPowerW } = raw.gridOperator;
      supply.gridOperator = { line: inputLine(raw.gridOperator), maxPowerW };
      const leastW = Math.min(...evses.map((e) => MIN_CHARGING_CURRENT_A * e.phases * NOMINAL_VOLTAGE_V));
      if (maxPowerW > 0 && maxPowerW < leastW) {
        this.ctx.warn(`${P}/gridOperator/maxPowerW`, `${maxPowerW} W is under 6 A on any EVSE (${leastW} W at ${NOMINAL_VOLTAGE_V} V): while the signal is active every session pauses`);
      }
    }
    return supply;
  }

  private gridMeter(raw: RawGridMeter, meters: MeterSection): GridMeterConfig | undefined {
    const p = `${P}/gridMeter`;
    const { mainFuseA, marginA, hysteresisA, raiseAfterS, failsafeCurrentA, simulation, ...meterKeys } = raw;
    const { houseCurrentA, ...electricity } = simulation ?? {};
    // A key present under "simulation" with another driver is a problem the meter section names.
    const own: RawMeter = simulation ? { ...meterKeys, simulation: electricity } : meterKeys;
    const meter = meters.meter({}, own, p);
    if (mainFuseA - marginA < MIN_CHARGING_CURRENT_A) {
      this.ctx.problem(`${p}/marginA`, `at most mainFuseA - 6 A (${mainFuseA - MIN_CHARGING_CURRENT_A} A), or no vehicle could ever charge`, String(marginA));
    }
    if (!meter) return undefined;
    const phasesRead = (['currentL1A', 'currentL2A', 'currentL3A'] as const).filter((name) => meter.profile.values[name] !== undefined);
    if (phasesRead.length === 0) {
      this.ctx.problem(raw.profile !== undefined ? `${p}/profile` : p, 'a meter profile that reads the phase currents (currentL1A...)', renderFound(meter.profile.id));
      return undefined;
    }
    if (meter.link) {
      this.devices.push({
        what: `the grid meter at ${p}`,
        path: p,
        unitIdPath: raw.unitId !== undefined ? `${p}/unitId` : p,
        link: meter.link,
        unitId: meter.unitId,
        timing: meter.timing,
      });
    }
    const phases = meter.profile.phases;
    return {
      meter,
      mainFuseA,
      marginA,
      hysteresisA,
      raiseAfterS,
      failsafeCurrentA,
      houseCurrentA: Array.from({ length: phases }, (_, i) => houseCurrentA?.[i] ?? 0),
    };
  }
}
