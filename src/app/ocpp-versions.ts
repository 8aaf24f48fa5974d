import { createRequire } from 'node:module';
import type { OcppVersion } from '../config/station-config.js';

// Issue 18: a station loads the adapter and settings of its own OCPP version only (a 2.0.1
// station never loads 1.6's ~40 modules, nor the reverse); the types stay static.

type V201AdapterModule = typeof import('../ocpp/v201/v201-adapter.js');
type V201SettingsModule = typeof import('../services/device-configuration/v201-settings.js');
type V16AdapterModule = typeof import('../ocpp/v16/v16-adapter.js');
type V16SettingsModule = typeof import('../services/device-configuration/v16-settings.js');

export interface V201Modules {
  V201Adapter: V201AdapterModule['V201Adapter'];
  v201DeviceConfiguration: V201SettingsModule['v201DeviceConfiguration'];
  deviceModelSmartChargingRules: V201SettingsModule['deviceModelSmartChargingRules'];
}

export interface V16Modules {
  V16Adapter: V16AdapterModule['V16Adapter'];
  v16DeviceConfiguration: V16SettingsModule['v16DeviceConfiguration'];
  v16SmartChargingRules: V16SettingsModule['v16SmartChargingRules'];
}

/** The configured version's adapter and settings: exactly one of the two is set. */
export type VersionModules = { v201: V201Modules; v16?: undefined } | { v16: V16Modules; v201?: undefined };

/**
 * Whether these sources run as CommonJS: mocha requires the TypeScript through tsx. There import()
 * would load a second copy of every module beneath the one asked for, whose classes then fail
 * instanceof against the first copy's (an RPC error thrown by one, caught by the other), so the
 * modules are required. As ESM (the built agent, tsx's ESM mode) they are imported, and in the
 * bundle (CommonJS too, but .cjs) import() is the bundler's: the module within the bundle.
 */
const runsAsCommonJs = typeof require === 'function' && import.meta.url.endsWith('.ts');
const requireHere = createRequire(import.meta.url);

async function v201Modules(): Promise<[V201AdapterModule, V201SettingsModule]> {
  if (runsAsCommonJs) return [requireHere('../ocpp/v201/v201-adapter.js') as V201AdapterModule, requireHere('../services/device-configuration/v201-settings.js') as V201SettingsModule];
  return Promise.all([import('../ocpp/v201/v201-adapter.js'), import('../services/device-configuration/v201-settings.js')]);
}

async function v16Modules(): Promise<[V16AdapterModule, V16SettingsModule]> {
  if (runsAsCommonJs) return [requireHere('../ocpp/v16/v16-adapter.js') as V16AdapterModule, requireHere('../services/device-configuration/v16-settings.js') as V16SettingsModule];
  return Promise.all([import('../ocpp/v16/v16-adapter.js'), import('../services/device-configuration/v16-settings.js')]);
}

export async function loadVersionModules(version: OcppVersion): Promise<VersionModules> {
  if (version === '2.0.1') {
    const [{ V201Adapter }, settings] = await v201Modules();
    return { v201: { V201Adapter, v201DeviceConfiguration: settings.v201DeviceConfiguration, deviceModelSmartChargingRules: settings.deviceModelSmartChargingRules } };
  }
  const [{ V16Adapter }, settings] = await v16Modules();
  return { v16: { V16Adapter, v16DeviceConfiguration: settings.v16DeviceConfiguration, v16SmartChargingRules: settings.v16SmartChargingRules } };
}
