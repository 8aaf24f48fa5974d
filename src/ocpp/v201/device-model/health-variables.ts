import type { ComponentAddress, VariableDefinition } from './device-model.js';
import { decimal, integer, measuredValue } from './definition-helpers.js';

/**
 * The station's own health as device model variables that monitors (block N) can watch and
 * GetVariables reads, on the component Controller (components.csv: "An embedded logic
 * controller"): the generic Temperature and Storage of dm_components_vars.csv (Storage instance
 * Journal: the bytes the transaction journal occupies), and the vendor-specific StorageFree,
 * MemoryFree and Uptime, which the appendices do not have. OCPPCommCtrlr.ReconnectCount is
 * vendor-specific too.
 */

export const CONTROLLER: ComponentAddress = { name: 'Controller' };

/** What the host tells of itself (src/process/host-health.ts reads it from the OS). */
export interface HostHealthLive {
  /** Whether the CPU temperature could be read at start: without it there is no Temperature variable. */
  readonly hasCpuTemperature: boolean;
  /** °C; undefined when it cannot be read now. */
  cpuTemperatureC(): number | undefined;
  /** Free bytes on the storage folder's filesystem. */
  storageFreeBytes(): number | undefined;
  memoryFreeBytes(): number | undefined;
  /** Whole seconds since the agent started. */
  uptimeS(): number;
  /** Bytes the transaction journal's files occupy. */
  journalBytes(): number;
}

/** What these variables read from the agent; each optional one adds the variables it feeds. */
export interface HealthLive {
  /** Adds the Controller variables. */
  host?: HostHealthLive;
  /** How often the OCPP connection was made again after it was lost, since the agent started; adds OCPPCommCtrlr.ReconnectCount. */
  reconnectCount?(): number;
}

export function healthVariables(live: HealthLive): VariableDefinition[] {
  const defs: VariableDefinition[] = [];
  const { host, reconnectCount } = live;
  if (host) {
    const c = CONTROLLER;
    if (host.hasCpuTemperature) defs.push(measuredValue(c, 'Temperature', decimal('Celsius'), () => host.cpuTemperatureC()));
    defs.push(
      measuredValue(c, 'StorageFree', integer('B', 0), () => host.storageFreeBytes()),
      measuredValue(c, 'MemoryFree', integer('B', 0), () => host.memoryFreeBytes()),
      measuredValue(c, 'Uptime', integer('s', 0), () => host.uptimeS()),
      measuredValue(c, 'Storage', integer('B', 0), () => host.journalBytes(), 'Journal'),
    );
  }
  if (reconnectCount) defs.push(measuredValue({ name: 'OCPPCommCtrlr' }, 'ReconnectCount', integer(undefined, 0), () => reconnectCount()));
  return defs;
}
