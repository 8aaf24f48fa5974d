import type { VehicleState } from '../roles/board-support.js';
import type { PilotProfile } from './profile.js';

/** Register values of a pilot board to and from what the board-support role speaks. */

/**
 * The IEC 61851 letter for a raw state register value. A value the profile does not list is
 * the profile's unknownState (F for the EVSE DIN board: a board saying something we cannot read
 * must not be taken for a vehicle that may be charged).
 */
export function decodeVehicleState(profile: PilotProfile, raw: number): VehicleState {
  return profile.registers.vehicleState.states[String(raw)] ?? profile.registers.vehicleState.unknownState;
}

/** The raw state register value the profile gives for a letter, if any (the simulated board uses this). */
export function encodeVehicleState(profile: PilotProfile, state: VehicleState): number | undefined {
  const hit = Object.entries(profile.registers.vehicleState.states).find(([, letter]) => letter === state);
  return hit ? Number(hit[0]) : undefined;
}

/**
 * The current register's value for an offer of `amps`. IEC 61851-1 has no PWM below 6 A, so an
 * offer under the board's minimum becomes 0 (no PWM: the vehicle pauses) rather than a value the
 * board would refuse; above the maximum it is capped. Whole amps, rounded down, never more than asked.
 */
export function encodeOfferedCurrent(profile: PilotProfile, amps: number): number {
  if (!Number.isFinite(amps) || amps < profile.current.minA) return 0;
  return Math.floor(Math.min(amps, profile.current.maxA));
}

/** The turn-off register with the profile's bit set or cleared in an earlier value. */
export function withTurnOffBit(profile: PilotProfile, previous: number, on: boolean): number {
  const bit = profile.registers.turnOff?.bit ?? 0;
  return on ? previous | (1 << bit) : previous & ~(1 << bit) & 0xffff;
}
