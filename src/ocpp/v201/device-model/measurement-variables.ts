import type { MeterValues } from '../../../station/meter-reading.js';
import type { ComponentAddress, VariableDefinition } from './device-model.js';
import { decimal, integer, measuredValue } from './definition-helpers.js';

/**
 * What an EVSE's meter and pilot board measure, as device model variables that monitors (block N)
 * can watch and GetVariables reads. Names as in dm_components_vars.csv: the generic ACCurrent and
 * ACVoltage (one instance per phase, PhaseEnumType L1..L3) and Frequency on the EVSE,
 * FiscalMetering.EnergyImportRegister. CommErrors is vendor-specific (no appendix variable counts
 * a device's failed exchanges). Each variable has no Actual value while the meter does not give it.
 */

/** What these variables read from the agent; each optional getter adds the variables it feeds. */
export interface MeasurementLive {
  /** The EVSE meter's latest good reading; adds ACCurrent, ACVoltage, Frequency and EnergyImportRegister. */
  meterReading?(evseId: number): Partial<MeterValues> | undefined;
  /** Failed polls of the EVSE's meter since the agent started; adds FiscalMetering.CommErrors. */
  meterCommErrors?(evseId: number): number | undefined;
  /** Failed polls of the EVSE's control pilot board since the agent started; adds CPPWMController.CommErrors. */
  pilotCommErrors?(evseId: number): number | undefined;
}

export interface MeasuredEvse {
  id: number;
  phases: 1 | 3;
  /** A control pilot board serves it. */
  pilot?: boolean;
}

const PHASES = [
  { instance: 'L1', current: 'currentL1A', voltage: 'voltageL1V' },
  { instance: 'L2', current: 'currentL2A', voltage: 'voltageL2V' },
  { instance: 'L3', current: 'currentL3A', voltage: 'voltageL3V' },
] as const;

/** The measured variables of one EVSE: on the EVSE component, its FiscalMetering and its CPPWMController. */
export function evseMeasurementVariables(evse: MeasuredEvse, live: MeasurementLive): VariableDefinition[] {
  const defs: VariableDefinition[] = [];
  const at = { id: evse.id };
  const e: ComponentAddress = { name: 'EVSE', evse: at };
  const fiscal: ComponentAddress = { name: 'FiscalMetering', evse: at };
  const { meterReading } = live;
  if (meterReading) {
    const reading = (name: keyof MeterValues) => (): number | undefined => meterReading(evse.id)?.[name];
    // A 1-phase EVSE is wired to L1 only (Part 2 EVSE.SupplyPhases).
    const phases = PHASES.slice(0, evse.phases);
    for (const p of phases) defs.push(measuredValue(e, 'ACCurrent', decimal('A'), reading(p.current), p.instance));
    for (const p of phases) defs.push(measuredValue(e, 'ACVoltage', decimal('V'), reading(p.voltage), p.instance));
    defs.push(measuredValue(e, 'Frequency', decimal('Hz'), reading('frequencyHz')));
    defs.push(measuredValue(fiscal, 'EnergyImportRegister', decimal('Wh', 0), reading('energyImportWh')));
  }
  const { meterCommErrors, pilotCommErrors } = live;
  if (meterCommErrors) defs.push(measuredValue(fiscal, 'CommErrors', integer(undefined, 0), () => meterCommErrors(evse.id)));
  if (evse.pilot && pilotCommErrors) {
    defs.push(measuredValue({ name: 'CPPWMController', evse: at }, 'CommErrors', integer(undefined, 0), () => pilotCommErrors(evse.id)));
  }
  return defs;
}
