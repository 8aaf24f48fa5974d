import type { VariableDefinition } from './device-model.js';
import { boolean, stored } from './definition-helpers.js';

/**
 * The firmware update's variable (L01.FR.07 / L02.FR.04; name as in dm_components_vars.csv):
 * whether new sessions may start while an install waits for the running transactions to end.
 * False by default, as the spec reads a missing one: the station stops taking new sessions.
 */
export function firmwareVariables(): VariableDefinition[] {
  return [stored({ name: 'ChargingStation' }, 'AllowNewSessionsPendingFirmwareUpdate', 'ReadWrite', boolean, 'false')];
}
