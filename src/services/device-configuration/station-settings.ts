import type { Secret } from '../../config/station-config.js';
import type { ConfigurationStore } from '../../ocpp/v16/configuration/configuration-store.js';
import type { DeviceModel } from '../../ocpp/v201/device-model/device-model.js';
import type { ChargingSettings } from '../../station/ports.js';
import type { LocalAuthorizationSettings } from '../authorization/index.js';

/**
 * The station's settings as the features read them, whatever the OCPP version: one owner, the
 * device configuration, with the version's own store behind it (the 2.0.1 device model, the 1.6
 * configuration keys) as the view the CSMS reads and writes. Each setting is read at the moment it
 * is used, so that a change the CSMS made is in effect at once; the stores persist what the CSMS set.
 */

/** How the station reaches the CSMS (A01, B10; 1.6 chapter 9 and the installer's config). */
export interface ConnectionSettings {
  password(): Secret | undefined;
  backoff(): { waitMinimumS: number; randomRangeS: number; repeatTimes: number };
  pingIntervalS(): number;
  callTimeoutMs(): number;
}

/** Every setting the core and the services read. */
export interface StationSettings extends ConnectionSettings {
  /** The charging rules for the core (transaction points, timeouts, limits). */
  charging(): ChargingSettings;
  /** AuthCacheCtrlr.LifeTime, seconds. */
  cacheLifetimeS(): number;
  /** The rules of the LocalAuthorizer (C10-C15). */
  localAuthorization(): LocalAuthorizationSettings;
}

/**
 * The device configuration of one station: its settings, and the version's store that holds them
 * (exactly one of deviceModel and configuration), for the actions that read and write it.
 */
export interface DeviceConfiguration extends StationSettings {
  deviceModel?: DeviceModel;
  configuration?: ConfigurationStore;
}
