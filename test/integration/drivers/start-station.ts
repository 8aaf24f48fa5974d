import type { Rig } from '../harness.js';
import type { OcppVersion, StationOptions } from './station-driver.js';
import { V16Driver } from './v16-driver.js';
import { V201Driver } from './v201-driver.js';

export * from './station-driver.js';
export { V16Driver } from './v16-driver.js';
export { V201Driver } from './v201-driver.js';

/** Either driver; `driver.version` tells them apart (and narrows the type) for a version's own details. */
export type AnyDriver = V16Driver | V201Driver;

/** A CSMS and a station of `version` connected to it, with the driver that speaks that version. */
export function startStation(version: '1.6', options?: StationOptions): Promise<V16Driver>;
export function startStation(version: '2.0.1', options?: StationOptions): Promise<V201Driver>;
export function startStation(version: OcppVersion, options?: StationOptions): Promise<AnyDriver>;
export function startStation(version: OcppVersion, options: StationOptions = {}): Promise<AnyDriver> {
  return version === '1.6' ? V16Driver.start(options) : V201Driver.start(options);
}

/** The driver of `version` for a rig started otherwise (a CSMS and agent brought back by a test's own steps). */
export function driverFor(version: OcppVersion, rig: Rig): AnyDriver {
  return version === '1.6' ? new V16Driver(rig) : new V201Driver(rig);
}

/** A value that differs by version, said once at the place that needs it. */
export function perVersion<T>(version: OcppVersion, values: Record<OcppVersion, T>): T {
  return values[version];
}
