import type { ChargingConfig, StationConfig } from '../../config/station-config.js';
import type { StationHardware } from '../../hal/station-hardware.js';
import { configChargingSettings } from '../../ocpp/common/charging-settings.js';
import type { ProtocolAdapter } from '../../ocpp/protocol-adapter.js';
import type { DeviceModel } from '../../ocpp/v201/device-model/device-model.js';
import type { AvailabilityState, StationLive } from '../../ocpp/v201/device-model/station-variables.js';
import { buildDeviceModelFromConfig } from '../../ocpp/v201/station-device-model.js';
import { HostHealth } from '../../process/host-health.js';
import type { Logger } from '../../process/logger.js';
import { JOURNAL_FILE } from '../../store/transaction-journal.js';
import type { ChargingSettings } from '../../station/ports.js';
import type { Station } from '../../station/station.js';
import type { FaultKind, TxPoint } from '../../station/types.js';
import type { LocalAuthorizationList, LocalAuthorizationSettings } from '../authorization/index.js';
import type { ChargingRateUnit } from '../smart-charging/charging-profile.js';
import type { SmartChargingRules } from '../smart-charging/smart-charging.js';
import { LOWEST_SEVERITY, type VariableMonitoring } from '../monitoring/index.js';
import { SMART_CHARGING_CAPACITY, SMART_CHARGING_CTRLR } from '../../ocpp/v201/device-model/smart-charging-variables.js';
import type { HostHealthLive } from '../../ocpp/v201/device-model/health-variables.js';
import type { DeviceConfiguration } from './station-settings.js';

/** The station's settings as the OCPP 2.0.1 device model (Part 1 chapter 4) holds them. */

/** The charging rules, as the device model holds them now (TxCtrlr) and the config adds. */
export function deviceModelChargingSettings(dm: DeviceModel, charging: ChargingConfig): ChargingSettings {
  return {
    txStartPoints: dm.getList('TxCtrlr', 'TxStartPoint') as TxPoint[],
    txStopPoints: dm.getList('TxCtrlr', 'TxStopPoint') as TxPoint[],
    evConnectionTimeoutS: dm.getInt('TxCtrlr', 'EVConnectionTimeOut'),
    stopTxOnInvalidId: dm.getBool('TxCtrlr', 'StopTxOnInvalidId'),
    maxEnergyOnInvalidIdWh: dm.getInt('TxCtrlr', 'MaxEnergyOnInvalidId'),
    limitChangeSignificancePercent: dm.has('SmartChargingCtrlr', 'LimitChangeSignificance') ? dm.getDecimal('SmartChargingCtrlr', 'LimitChangeSignificance') : undefined,
    ...configChargingSettings(charging),
  };
}

/**
 * The local authorization rules as the device model holds them now (AuthCtrlr, AuthCacheCtrlr,
 * LocalAuthListCtrlr), for a LocalAuthorizer. A model without the cache and list variables reads as
 * both disabled.
 */
export function deviceModelLocalAuthorizationSettings(model: DeviceModel): LocalAuthorizationSettings {
  const flag = (component: string, variable: string): boolean => model.has(component, variable) && model.getBool(component, variable);
  return {
    localAuthorizeOffline: flag('AuthCtrlr', 'LocalAuthorizeOffline'),
    localPreAuthorize: flag('AuthCtrlr', 'LocalPreAuthorize'),
    offlineTxForUnknownIdEnabled: flag('AuthCtrlr', 'OfflineTxForUnknownIdEnabled'),
    disableRemoteAuthorization: flag('AuthCtrlr', 'DisableRemoteAuthorization'),
    cacheEnabled: flag('AuthCacheCtrlr', 'Available') && flag('AuthCacheCtrlr', 'Enabled'),
    cacheDisablePostAuthorize: flag('AuthCacheCtrlr', 'DisablePostAuthorize'),
    localListEnabled: flag('LocalAuthListCtrlr', 'Available') && flag('LocalAuthListCtrlr', 'Enabled'),
    localListDisablePostAuthorize: flag('LocalAuthListCtrlr', 'DisablePostAuthorize'),
  };
}

/**
 * The smart charging service's limits as SmartChargingCtrlr holds them now (Part 2 2.9):
 * ProfileStackLevel, PeriodsPerSchedule, RateUnit, and Entries' maxLimit for the profiles installed.
 */
export function deviceModelSmartChargingRules(dm: DeviceModel): SmartChargingRules {
  const component = SMART_CHARGING_CTRLR.name;
  return {
    maxProfiles: SMART_CHARGING_CAPACITY.maxProfiles,
    maxPeriodsPerSchedule: dm.getInt(component, 'PeriodsPerSchedule'),
    maxStackLevel: dm.getInt(component, 'ProfileStackLevel'),
    rateUnits: dm.getList(component, 'RateUnit').filter((u): u is ChargingRateUnit => u === 'A' || u === 'W'),
  };
}

/** What the device model's live variables read from the rest of the station. */
export interface V201ConfigurationSources {
  station: () => Station | undefined;
  hardware: StationHardware;
  localList: LocalAuthorizationList;
  adapter: () => ProtocolAdapter;
  /** SmartChargingCtrlr.Entries: how many charging profiles are installed (the service may be made after the model). */
  installedProfiles?: () => number;
  /** MonitoringCtrlr.ActiveMonitoringLevel and ActiveMonitoringBase: the monitoring service's (made with the adapter, after the model). */
  monitoring?: () => Pick<VariableMonitoring, 'level' | 'base'> | undefined;
  /** OCPPCommCtrlr.ReconnectCount: the OCPP client's count (the client is made after the model); without it, no such variable. */
  reconnectCount?: () => number;
  /** SecurityCtrlr.CertificateEntries: how many certificates the certificate store holds. */
  certificateEntries?: () => number;
  /** The Controller variables' source; default: this host, read from the OS (storage.dir's filesystem, the transaction journal in it). */
  host?: HostHealthLive;
  /** ActiveNetworkProfile, SecurityProfile and which slots NetworkConfigurationPriority may name: the network profiles'. */
  network?: Pick<StationLive, 'activeNetworkProfile' | 'securityProfile' | 'networkProfileSlotUsable'>;
}

/** The station's 2.0.1 device model (the installer's config as its defaults) and the settings read from it. */
export function v201DeviceConfiguration(config: StationConfig, firmware: string, log: Logger, sources: V201ConfigurationSources): DeviceConfiguration {
  const { station, hardware, localList, adapter } = sources;
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
  // A reader's health$ replays its latest at once: read it so, as the meters' health is read.
  const readerFailing = (evseId?: number): boolean =>
    hardware.readers.some(({ config: r, reader }) => {
      if (evseId !== undefined && r.evseId !== evseId) return false;
      let failed = false;
      reader.health$.subscribe((h) => (failed = h.state === 'failed')).unsubscribe();
      return failed;
    });
  const dm = buildDeviceModelFromConfig(
    config,
    firmware,
    {
      availabilityState: availability,
      localAuthorization: { listEntries: () => localList.size, listMaxEntries: localList.maxEntries },
      dateTime: () => adapter().clock.iso(),
      evsePowerW: (evseId) => hardware.evses.find((e) => e.evseId === evseId)?.meter.latest?.powerW,
      meterReading: (evseId) => hardware.evses.find((e) => e.evseId === evseId)?.meter.latest,
      meterCommErrors: (evseId) => hardware.evses.find((e) => e.evseId === evseId)?.meter.health.counters.failedPolls,
      pilotCommErrors: (evseId) => hardware.evses.find((e) => e.evseId === evseId)?.pilot?.health.failedPolls,
      host: sources.host ?? new HostHealth({ storageDir: config.storage.dir, journalFile: JOURNAL_FILE }),
      reconnectCount: sources.reconnectCount,
      certificateEntries: sources.certificateEntries,
      pilotState: (evseId) => hardware.evses.find((e) => e.evseId === evseId)?.pilot?.status?.vehicleState,
      problem: (evseId) => faultsOn(evseId).length > 0 || meterFailed(evseId),
      faultActive: (fault, evseId) => (fault === 'meter' ? meterFailed(evseId) : faultsOn(evseId).includes(fault)),
      deviceProblemActive: (device, evseId) => device === 'token-reader' && readerFailing(evseId),
      smartCharging: { installedProfiles: () => sources.installedProfiles?.() ?? 0 },
      monitoring: { level: () => sources.monitoring?.()?.level ?? LOWEST_SEVERITY, base: () => sources.monitoring?.()?.base ?? 'All' },
      ...sources.network,
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
    localAuthorization: () => deviceModelLocalAuthorizationSettings(dm),
    charging: () => deviceModelChargingSettings(dm, config.charging),
  };
}
