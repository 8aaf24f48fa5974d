import type { ComponentAddress, LiveVariableDefinition, VariableDefinition } from './device-model.js';
import { boolean, integer, optionList, stored } from './definition-helpers.js';

/**
 * Part 2 2.7: MonitoringCtrlr, for the variable monitors of block N (names as in
 * dm_components_vars.csv). Present only when the station runs the monitoring service.
 */

export const MONITORING_CTRLR: ComponentAddress = { name: 'MonitoringCtrlr' };

/** The most items the station takes in one SetVariableMonitoring or ClearVariableMonitoring (N04.FR.09, N06.FR.04). */
export const MONITORING_ITEMS_PER_MESSAGE = 20;
export const MONITORING_BYTES_PER_MESSAGE = 8192;

/** What the variables read from the service. */
export interface MonitoringLive {
  /** The monitoring level in effect (N05). */
  level(): number;
  /** The monitoring base last set (N03). */
  base(): string;
}

/** Until the CSMS sets OfflineQueuingSeverity: Error (4) and graver wait while offline (N07.FR.04). */
export const DEFAULT_OFFLINE_QUEUING_SEVERITY = 4;

export function monitoringVariables(live: MonitoringLive): VariableDefinition[] {
  const mc = MONITORING_CTRLR;
  const activeLevel: LiveVariableDefinition = {
    component: mc,
    variable: { name: 'ActiveMonitoringLevel' },
    mutability: 'ReadOnly',
    characteristics: integer(undefined, 0, 9),
    read: () => String(live.level()),
  };
  const limits = ['SetVariableMonitoring', 'ClearVariableMonitoring'].flatMap((message) => [
    stored(mc, 'ItemsPerMessage', 'ReadOnly', integer(), String(MONITORING_ITEMS_PER_MESSAGE), { instance: message }),
    stored(mc, 'BytesPerMessage', 'ReadOnly', integer(), String(MONITORING_BYTES_PER_MESSAGE), { instance: message }),
  ]);
  const activeBase: LiveVariableDefinition = {
    component: mc,
    variable: { name: 'ActiveMonitoringBase' },
    mutability: 'ReadOnly',
    characteristics: optionList(['All', 'FactoryDefault', 'HardWiredOnly']),
    read: () => live.base(),
  };
  return [
    stored(mc, 'Available', 'ReadOnly', boolean, 'true'),
    // While false no monitor is evaluated and none raises an event.
    stored(mc, 'Enabled', 'ReadWrite', boolean, 'true'),
    activeLevel,
    activeBase,
    stored(mc, 'OfflineQueuingSeverity', 'ReadWrite', integer(undefined, 0, 9), String(DEFAULT_OFFLINE_QUEUING_SEVERITY)),
    ...limits,
  ];
}
