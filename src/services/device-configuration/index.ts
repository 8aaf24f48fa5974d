/**
 * Device configuration: the station's settings as the features read them, with the OCPP version's
 * own store (2.0.1 device model, 1.6 configuration keys) as the view the CSMS reads and writes.
 */
export * from './station-settings.js';
export * from './v16-settings.js';
export * from './v201-settings.js';
