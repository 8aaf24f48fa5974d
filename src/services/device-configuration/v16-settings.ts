import type { ChargingConfig, StationConfig } from '../../config/station-config.js';
import { configChargingSettings } from '../../ocpp/common/charging-settings.js';
import type { ConfigurationStore } from '../../ocpp/v16/configuration/configuration-store.js';
import { buildStationConfiguration, type StationConfigurationLive } from '../../ocpp/v16/configuration/station-keys.js';
import type { Logger } from '../../process/logger.js';
import type { ChargingSettings } from '../../station/ports.js';
import type { LocalAuthorizationSettings } from '../authorization/index.js';
import type { ChargingRateUnit } from '../smart-charging/charging-profile.js';
import type { SmartChargingRules } from '../smart-charging/smart-charging.js';
import type { DeviceConfiguration } from './station-settings.js';

/** The station's settings as the OCPP 1.6 configuration keys (chapter 9) hold them. */

/**
 * 1.6's transaction rules in the core's terms: a transaction starts when the power path closes
 * (authorized and plugged in, as 1.6 has it) and stops when the driver is no longer authorized
 * or, with StopTransactionOnEVSideDisconnect, the cable leaves the EV (2.0.1 E 1.1.2).
 */
export function keysChargingSettings(keys: ConfigurationStore, charging: ChargingConfig): ChargingSettings {
  const settings: ChargingSettings = {
    txStartPoints: ['PowerPathClosed'],
    txStopPoints: keys.getBool('StopTransactionOnEVSideDisconnect') ? ['EVConnected', 'Authorized'] : ['Authorized'],
    evConnectionTimeoutS: keys.getInt('ConnectionTimeOut'),
    stopTxOnInvalidId: keys.getBool('StopTransactionOnInvalidId'),
    ...configChargingSettings(charging),
  };
  if (keys.has('MaxEnergyOnInvalidId')) settings.maxEnergyOnInvalidIdWh = keys.getInt('MaxEnergyOnInvalidId');
  return settings;
}

/** The local authorization rules as the 1.6 keys hold them now, for a LocalAuthorizer. */
export function keysLocalAuthorizationSettings(keys: ConfigurationStore): LocalAuthorizationSettings {
  return {
    localAuthorizeOffline: keys.getBool('LocalAuthorizeOffline'),
    localPreAuthorize: keys.getBool('LocalPreAuthorize'),
    offlineTxForUnknownIdEnabled: keys.getBool('AllowOfflineTxForUnknownId'),
    cacheEnabled: keys.getBool('AuthorizationCacheEnabled'),
    localListEnabled: keys.getBool('LocalAuthListEnabled'),
  };
}

/** 9.4.2's names of the rate units. */
const RATE_UNITS_BY_NAME: Readonly<Record<string, ChargingRateUnit>> = { current: 'A', power: 'W' };

/**
 * The smart charging service's limits as the 9.4 keys hold them now (3.13.5): stack levels, periods
 * per schedule, profiles installed, and the units a schedule may be in.
 */
export function v16SmartChargingRules(keys: ConfigurationStore): SmartChargingRules {
  const rateUnits = keys.getList('ChargingScheduleAllowedChargingRateUnit').flatMap((name) => {
    const unit = RATE_UNITS_BY_NAME[name.trim().toLowerCase()];
    return unit ? [unit] : [];
  });
  return {
    maxProfiles: keys.getInt('MaxChargingProfilesInstalled'),
    maxPeriodsPerSchedule: keys.getInt('ChargingScheduleMaxPeriods'),
    maxStackLevel: keys.getInt('ChargeProfileMaxStackLevel'),
    rateUnits,
    evseTxDefaultBesideStation: true,
  };
}

/** 1.6 has no keys for the back-off or the cache lifetime: the config gives them. */
export function v16DeviceConfiguration(config: StationConfig, log: Logger, live: StationConfigurationLive = {}): DeviceConfiguration {
  const keys = buildStationConfiguration(config, config.storage.dir, (m) => log.warning(`configuration: ${m}`), live);
  return {
    configuration: keys,
    password: () => keys.getSecret('AuthorizationKey'),
    backoff: () => config.ocpp.reconnect,
    pingIntervalS: () => keys.getInt('WebSocketPingInterval'),
    // Errata 3.83 MessageTimeout (its default is the config's messageTimeoutS): read at each call,
    // so that a ChangeConfiguration the station accepted is in effect at once.
    callTimeoutMs: () => keys.getInt('MessageTimeout') * 1000,
    cacheLifetimeS: () => 86400,
    localAuthorization: () => keysLocalAuthorizationSettings(keys),
    charging: () => keysChargingSettings(keys, config.charging),
  };
}
