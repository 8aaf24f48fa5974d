import type { OcppVersion } from '../config/station-config.js';

// Issue 18: a station loads the adapter and settings of its own OCPP version only (a 2.0.1
// station never loads 1.6's ~40 modules, nor the reverse); the types stay static.

export interface V201Modules {
  V201Adapter: typeof import('../ocpp/v201/v201-adapter.js').V201Adapter;
  v201DeviceConfiguration: typeof import('../services/device-configuration/v201-settings.js').v201DeviceConfiguration;
  deviceModelSmartChargingRules: typeof import('../services/device-configuration/v201-settings.js').deviceModelSmartChargingRules;
}

export interface V16Modules {
  V16Adapter: typeof import('../ocpp/v16/v16-adapter.js').V16Adapter;
  v16DeviceConfiguration: typeof import('../services/device-configuration/v16-settings.js').v16DeviceConfiguration;
  v16SmartChargingRules: typeof import('../services/device-configuration/v16-settings.js').v16SmartChargingRules;
}

/** The configured version's adapter and settings: exactly one of the two is set. */
export type VersionModules = { v201: V201Modules; v16?: undefined } | { v16: V16Modules; v201?: undefined };

export async function loadVersionModules(version: OcppVersion): Promise<VersionModules> {
  if (version === '2.0.1') {
    const [{ V201Adapter }, settings] = await Promise.all([import('../ocpp/v201/v201-adapter.js'), import('../services/device-configuration/v201-settings.js')]);
    return { v201: { V201Adapter, v201DeviceConfiguration: settings.v201DeviceConfiguration, deviceModelSmartChargingRules: settings.deviceModelSmartChargingRules } };
  }
  const [{ V16Adapter }, settings] = await Promise.all([import('../ocpp/v16/v16-adapter.js'), import('../services/device-configuration/v16-settings.js')]);
  return { v16: { V16Adapter, v16DeviceConfiguration: settings.v16DeviceConfiguration, v16SmartChargingRules: settings.v16SmartChargingRules } };
}
