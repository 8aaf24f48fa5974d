/**
 * Firmware updates for either OCPP version (2.0.1 L01/L02, 1.6 UpdateFirmware, the 1.6 security
 * whitepaper's SignedUpdateFirmware): download, verification, install and the statuses; the
 * version's messages are made by its adapter's actions.
 */
export * from './firmware-types.js';
export * from './firmware-updates.js';
export * from './firmware-download.js';
export * from './firmware-statuses.js';
