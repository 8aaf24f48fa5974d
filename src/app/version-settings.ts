import type { Secret, StationConfig } from '../config/station-config.js';
import type { StationHardware } from '../hal/station-hardware.js';
import type { ProtocolAdapter } from '../ocpp/protocol-adapter.js';
import type { ConfigurationStore } from '../ocpp/v16/configuration/configuration-store.js';
import { buildStationConfiguration, localAuthorizationSettings as localAuthorizationSettings16 } from '../ocpp/v16/configuration/station-keys.js';
import type { DeviceModel } from '../ocpp/v201/device-model/device-model.js';
import { localAuthorizationSettings, type AvailabilityState } from '../ocpp/v201/device-model/station-variables.js';
import { buildDeviceModelFromConfig } from '../ocpp/v201/station-device-model.js';
import type { Logger } from '../process/logger.js';
import type { LocalAuthorizationList, LocalAuthorizationSettings } from '../services/authorization/index.js';
import type { Station } from '../station/station.js';
import type { FaultKind } from '../station/types.js';

/**
 * The settings the agent's composition needs from the OCPP version's own configuration: the 2.0.1
 * device model or the 1.6 configuration keys, each read at the moment it is used so that a change
 * the CSMS made is in effect at once.
 */

/** Where the connection and authorization settings come from: the version's own configuration. */
export interface VersionSettings {
  deviceModel?: DeviceModel;
  configuration?: ConfigurationStore;
  password(): Secret | undefined;
  backoff(): { waitMinimumS: number; randomRangeS: number; repeatTimes: number };
  pingIntervalS(): number;
  callTimeoutMs(): number;
  cacheLifetimeS(): number;
  localAuthorization(): LocalAuthorizationSettings;
}

export function v201Settings(
  config: StationConfig,
  firmware: string,
  log: Logger,
  station: () => Station | undefined,
  hardware: StationHardware,
  localList: LocalAuthorizationList,
  adapter: () => ProtocolAdapter,
): VersionSettings {
  const availability = (evseId?: number, connectorId?: number): AvailabilityState => {
    const s = station();
    const snapshot = s?.snapshot() ?? [];
    if (evseId !== undefined && connectorId !== undefined) return s?.statusOf(evseId, connectorId) ?? 'Unavailable';
    const evses = evseId === undefined ? snapshot : snapshot.filter((e) => e.evseId === evseId);
    const statuses = evses.flatMap((e) => e.connectors.map((c) => c.status));
    if (statuses.length === 0) return 'Unavailable';
    if (statuses.every((x) => x === 'Faulted')) return 'Faulted';
    if (statuses.every((x) => x === 'Unavailable' || x === 'Faulted')) return 'Unavailable';
    if (statuses.includes('Occupied')) return 'Occupied';
    if (statuses.every((x) => x === 'Reserved')) return 'Reserved';
    return 'Available';
  };
  /** The faults active on an EVSE's connectors (every EVSE's when evseId is undefined). */
  const faultsOn = (evseId?: number): FaultKind[] =>
    (station()?.snapshot() ?? []).filter((e) => evseId === undefined || e.evseId === evseId).flatMap((e) => e.connectors.flatMap((c) => c.faults));
  const meterFailed = (evseId?: number): boolean => hardware.evses.some((e) => (evseId === undefined || e.evseId === evseId) && e.meter.health.state === 'failed');
  const dm = buildDeviceModelFromConfig(
    config,
    firmware,
    {
      availabilityState: availability,
      localAuthorization: { listEntries: () => localList.size, listMaxEntries: localList.maxEntries },
      dateTime: () => adapter().clock.iso(),
      evsePowerW: (evseId) => hardware.evses.find((e) => e.evseId === evseId)?.meter.latest?.powerW,
      problem: (evseId) => faultsOn(evseId).length > 0 || meterFailed(evseId),
      faultActive: (fault, evseId) => (fault === 'meter' ? meterFailed(evseId) : faultsOn(evseId).includes(fault)),
    },
    (m) => log.warning(`device model: ${m}`),
  );
  return {
    deviceModel: dm,
    password: () => dm.getSecret('SecurityCtrlr', 'BasicAuthPassword'),
    backoff: () => ({
      waitMinimumS: dm.getInt('OCPPCommCtrlr', 'RetryBackOffWaitMinimum'),
      randomRangeS: dm.getInt('OCPPCommCtrlr', 'RetryBackOffRandomRange'),
      repeatTimes: dm.getInt('OCPPCommCtrlr', 'RetryBackOffRepeatTimes'),
    }),
    pingIntervalS: () => dm.getInt('OCPPCommCtrlr', 'WebSocketPingInterval'),
    callTimeoutMs: () => dm.getInt('OCPPCommCtrlr', 'MessageTimeout', { instance: 'Default' }) * 1000,
    cacheLifetimeS: () => dm.getInt('AuthCacheCtrlr', 'LifeTime'),
    localAuthorization: () => localAuthorizationSettings(dm),
  };
}

/** 1.6 has no keys for the back-off or the cache lifetime: the config gives them. */
export function v16Settings(config: StationConfig, log: Logger): VersionSettings {
  const keys = buildStationConfiguration(config, config.storage.dir, (m) => log.warning(`configuration: ${m}`));
  return {
    configuration: keys,
    password: () => keys.getSecret('AuthorizationKey'),
    backoff: () => config.ocpp.reconnect,
    pingIntervalS: () => keys.getInt('WebSocketPingInterval'),
    // Errata 3.83 MessageTimeout (its default is the config's messageTimeoutS): read at each call,
    // so that a ChangeConfiguration the station accepted is in effect at once.
    callTimeoutMs: () => keys.getInt('MessageTimeout') * 1000,
    cacheLifetimeS: () => 86400,
    localAuthorization: () => localAuthorizationSettings16(keys),
  };
}
