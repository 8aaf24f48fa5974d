import type { ComponentAddress, LiveVariableDefinition, VariableDefinition } from './device-model.js';
import { boolean, integer, memberList, stored } from './definition-helpers.js';

/**
 * Part 2 2.9: SmartChargingCtrlr, for the charging profiles of block K (names as in
 * dm_components_vars.csv). What the station can hold is fixed here, once: the device model tells
 * it, and the smart charging service's rules are read from it (deviceModelSmartChargingRules).
 */

export const SMART_CHARGING_CAPACITY = {
  /** Entries[ChargingProfiles]'s maxLimit: the most profiles installed at any time. */
  maxProfiles: 64,
  /** PeriodsPerSchedule: a day in half hours. */
  periodsPerSchedule: 48,
  /** ProfileStackLevel: stack levels 0..8 per purpose and EVSE. */
  maxStackLevel: 8,
} as const;

export const SMART_CHARGING_CTRLR: ComponentAddress = { name: 'SmartChargingCtrlr' };

/** What the variables read from the service. */
export interface SmartChargingLive {
  /** How many charging profiles are installed now. */
  installedProfiles(): number;
}

export function smartChargingVariables(live: SmartChargingLive | undefined): VariableDefinition[] {
  const sc = SMART_CHARGING_CTRLR;
  const entries: LiveVariableDefinition = {
    component: sc,
    variable: { name: 'Entries', instance: 'ChargingProfiles' },
    mutability: 'ReadOnly',
    characteristics: integer(undefined, 0, SMART_CHARGING_CAPACITY.maxProfiles),
    read: () => String(live?.installedProfiles() ?? 0),
  };
  return [
    stored(sc, 'Available', 'ReadOnly', boolean, 'true'),
    // K01.FR.29 / K05.FR.04: while false the station acts as one without smart charging.
    stored(sc, 'Enabled', 'ReadWrite', boolean, 'true'),
    entries,
    // SC.03: a low value, as the spec recommends.
    stored(sc, 'LimitChangeSignificance', 'ReadWrite', { dataType: 'decimal', unit: 'Percent', minLimit: 0, maxLimit: 100 }, '1'),
    stored(sc, 'PeriodsPerSchedule', 'ReadOnly', integer(undefined, 1), String(SMART_CHARGING_CAPACITY.periodsPerSchedule)),
    stored(sc, 'ProfileStackLevel', 'ReadOnly', integer(undefined, 0), String(SMART_CHARGING_CAPACITY.maxStackLevel)),
    // K01.FR.26 / K08.FR.07: both units; W is turned into A per phase with the EVSE's voltage and phases.
    stored(sc, 'RateUnit', 'ReadOnly', memberList(['A', 'W']), 'A,W'),
    // The grid meter and the grid operator's input, when configured, do limit charging (K11-K14).
    stored(sc, 'ExternalControlSignalsEnabled', 'ReadOnly', boolean, 'true'),
    stored(sc, 'NotifyChargingLimitWithSchedules', 'ReadWrite', boolean, 'false'),
    // No contactor that switches phases: neither 3 to 1 during a transaction nor the phase of 1-phase charging (K01.FR.48).
    stored(sc, 'Phases3to1', 'ReadOnly', boolean, 'false'),
    stored(sc, 'ACPhaseSwitchingSupported', 'ReadOnly', boolean, 'false'),
  ];
}
