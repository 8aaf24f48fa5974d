import type { StationConfig } from '../../../config/station-config.js';
import { LOCAL_LIST_MAX_ENTRIES } from '../../../services/authorization/index.js';
import { MEASURANDS } from '../../common/measurands.js';
import { renewalKeyDefinitions } from './renewal-keys.js';
import { signedMeterKeyDefinitions, stationMeterPublicKey } from './signed-meter-keys.js';
import { ConfigurationStore, listMembers, MAX_KEYS_KEY, type ConfigurationKeyDefinition, type StoredKeyDefinition } from './configuration-store.js';

/**
 * The OCPP 1.6 configuration keys this station really has: chapter 9 (Core, Local Auth List
 * Management, Reservation, Smart Charging; Firmware Management only with firmware.allowUnsigned), the errata sheet's additions that apply (3.83 MessageTimeout) and the security
 * whitepaper's AuthorizationKey and SecurityProfile. Defaults come from the installer's config where
 * it has the setting, else from the spec or the station's hardware.
 *
 * No key needs a restart: the agent reads every value when it uses it (heartbeat and ping timers,
 * message timeouts, authorization rules) or follows changes$ (samplers, aligned timer, the
 * AuthorizationKey's reconnect), so every accepted change is Accepted, never RebootRequired.
 *
 * Connectors are numbered as 1.6 numbers them, 1..n over the whole station: the EVSEs in config
 * order, each EVSE's connectors in config order.
 */

export const SUPPORTED_FEATURE_PROFILES = ['Core', 'LocalAuthListManagement', 'Reservation', 'SmartCharging', 'RemoteTrigger'] as const;
/**
 * Firmware Management once its UpdateFirmware is carried out: only with config firmware.allowUnsigned
 * (the security whitepaper's L01.FR.20 otherwise answers it NotSupported; SignedUpdateFirmware is no profile's).
 */
export function supportedFeatureProfiles(config: StationConfig): string[] {
  const profiles: string[] = [...SUPPORTED_FEATURE_PROFILES];
  if (config.firmware.allowUnsigned) profiles.splice(1, 0, 'FirmwareManagement');
  return profiles;
}
const ALL_FEATURE_PROFILES: readonly string[] = ['Core', 'FirmwareManagement', 'LocalAuthListManagement', 'Reservation', 'SmartCharging', 'RemoteTrigger'];

/** The rotations of 9.1.7 (R is L1, S is L2, T is L3). */
const PHASE_ROTATIONS = ['RST', 'RTS', 'SRT', 'STR', 'TRS', 'TSR'] as const;

/** Timers take milliseconds in a signed 32-bit number: about 24.8 days is the longest wait. */
const MAX_TIMER_S = Math.floor((2 ** 31 - 1) / 1000);
/** Enough to name every key in one request, and then some. */
const GET_CONFIGURATION_MAX_KEYS = 64;
/** A SendLocalList.req's most entries: about 15 kB of AuthorizationData. */
const SEND_LOCAL_LIST_MAX_ENTRIES = 100;

/**
 * 9.4: what the smart charging service holds, as the agent's defaults for 2.0.1 too: a daily
 * tariff by the hour (24 periods), stack levels 0..9 for exceptions, 20 profiles in all.
 */
export const SMART_CHARGING_CAPACITY_16 = { maxStackLevel: 9, maxPeriodsPerSchedule: 24, maxProfiles: 20 } as const;
/** 9.4.2's names for the rate units, both of which the service converts (A <-> W). */
export const RATE_UNIT_NAMES_16 = ['Current', 'Power'] as const;

/** What the agent knows at the moment it is asked. */
export interface StationConfigurationLive {
  /** The security profile of the connection now; default: the config's ocpp.securityProfile. */
  securityProfile?(): number;
  /** The most id tags the Local Authorization List holds; default LOCAL_LIST_MAX_ENTRIES. */
  localListMaxEntries?: number;
}

type Options = Omit<StoredKeyDefinition, 'key' | 'type' | 'readonly' | 'default'>;
const rw = (key: string, type: StoredKeyDefinition['type'], value: string, options: Options = {}): StoredKeyDefinition => ({
  key,
  type,
  readonly: false,
  default: value,
  ...options,
});
const ro = (key: string, type: StoredKeyDefinition['type'], value: string, options: Options = {}): StoredKeyDefinition => ({
  key,
  type,
  readonly: true,
  default: value,
  ...options,
});
const list = (xs: readonly string[]): string => xs.join(',');

/** The 1.6 connectors in 1.6 numbering, with the phases of their EVSE. */
export function ocpp16Connectors(config: StationConfig): Array<{ connectorId: number; phases: 1 | 3; tethered: boolean }> {
  return config.evses
    .flatMap((evse) => evse.connectors.map((c) => ({ phases: evse.phases, tethered: c.tethered })))
    .map((c, i) => ({ connectorId: i + 1, ...c }));
}

/**
 * 9.1.7: per connector "<id>.<rotation>"; index 0 is the grid connection. A three-phase connector
 * has a rotation or Unknown; a single-phase one only NotApplicable or Unknown.
 */
function phaseRotationMembers(connectors: ReturnType<typeof ocpp16Connectors>): string[] {
  const members = ['NotApplicable', 'Unknown', ...PHASE_ROTATIONS].map((r) => `0.${r}`);
  for (const c of connectors) {
    const allowed = c.phases === 3 ? ['Unknown', ...PHASE_ROTATIONS] : ['NotApplicable', 'Unknown'];
    members.push(...allowed.map((r) => `${c.connectorId}.${r}`));
  }
  return members;
}

function oneRotationPerConnector(value: string): string | undefined {
  const seen = new Set<string>();
  for (const member of listMembers(value)) {
    const id = member.slice(0, member.indexOf('.'));
    if (seen.has(id)) return `connector ${id} is given twice`;
    seen.add(id);
  }
  return undefined;
}

const HEX_KEY = /^(?:[0-9a-fA-F]{2})+$/;
const PRINTABLE = /^[\x21-\x7e]+$/;

/**
 * Whitepaper A00.FR.205 / 7.2: a key of 16 to 20 bytes in hexadecimal (32 to 40 digits), which the
 * transport sends as its octets. A value that is not hexadecimal is taken as a text password of 16
 * to 40 characters, as the installer's config allows, and sent as its text.
 */
export function authorizationKeyProblem(value: string): string | undefined {
  if (HEX_KEY.test(value)) return value.length >= 32 && value.length <= 40 ? undefined : 'a hexadecimal key must be 16 to 20 bytes (32 to 40 digits)';
  if (value.length < 16 || value.length > 40) return 'must be 16 to 40 characters';
  return PRINTABLE.test(value) ? undefined : 'must be printable ASCII without spaces';
}

/** The definitions alone, in the order of chapter 9 (GetConfiguration reports them in this order). */
export function stationKeyDefinitions(config: StationConfig, live: StationConfigurationLive = {}): ConfigurationKeyDefinition[] {
  const { ocpp, charging, meterValues: mv } = config;
  const connectors = ocpp16Connectors(config);
  const measurands = { members: MEASURANDS };
  const seconds = (min: number, max = MAX_TIMER_S): Options => ({ min, max });
  const localListMax = Math.max(0, Math.floor(live.localListMaxEntries ?? LOCAL_LIST_MAX_ENTRIES));
  const defaultRotation = connectors.map((c) => `${c.connectorId}.${c.phases === 3 ? 'Unknown' : 'NotApplicable'}`);

  return [
    // 9.1 Core
    rw('AllowOfflineTxForUnknownId', 'boolean', 'false'),
    rw('AuthorizationCacheEnabled', 'boolean', 'true'),
    rw('AuthorizeRemoteTxRequests', 'boolean', String(charging.authorizeRemoteStart)),
    // At most one interval a day, as the intervals start at midnight.
    rw('ClockAlignedDataInterval', 'integer', String(mv.alignedIntervalS), seconds(0, 86400)),
    rw('ConnectionTimeOut', 'integer', String(charging.evConnectionTimeoutS), seconds(1)),
    // The station cannot measure the rotation; the Central System may record what the installer
    // found. It is reported, never used.
    rw('ConnectorPhaseRotation', 'CSL', list(defaultRotation), {
      members: phaseRotationMembers(connectors),
      maxItemsKey: 'ConnectorPhaseRotationMaxLength',
      validate: oneRotationPerConnector,
    }),
    ro('ConnectorPhaseRotationMaxLength', 'integer', String(connectors.length + 1)),
    ro(MAX_KEYS_KEY, 'integer', String(GET_CONFIGURATION_MAX_KEYS)),
    rw('HeartbeatInterval', 'integer', String(ocpp.heartbeatIntervalS), seconds(1)),
    rw('LocalAuthorizeOffline', 'boolean', 'true'),
    rw('LocalPreAuthorize', 'boolean', 'false'),
    rw('MaxEnergyOnInvalidId', 'integer', '0', { min: 0 }),
    // Errata 3.83.
    rw('MessageTimeout', 'integer', String(ocpp.messageTimeoutS), seconds(1)),
    // Errata 3.14.4: only what the meters measure. Phase suffixes (Voltage.L1) are not offered:
    // every phase the meter has is reported anyway (errata 3.14.3).
    rw('MeterValuesAlignedData', 'CSL', list(mv.alignedMeasurands), { ...measurands, maxItemsKey: 'MeterValuesAlignedDataMaxLength' }),
    ro('MeterValuesAlignedDataMaxLength', 'integer', String(MEASURANDS.length)),
    rw('MeterValuesSampledData', 'CSL', list(mv.txUpdatedMeasurands), { ...measurands, maxItemsKey: 'MeterValuesSampledDataMaxLength' }),
    ro('MeterValuesSampledDataMaxLength', 'integer', String(MEASURANDS.length)),
    rw('MeterValueSampleInterval', 'integer', String(mv.txUpdatedIntervalS), seconds(0)),
    rw('MinimumStatusDuration', 'integer', '0', seconds(0)),
    ro('NumberOfConnectors', 'integer', String(connectors.length)),
    rw('ResetRetries', 'integer', '2', { min: 0 }),
    // Errata 3.80 allows R. Unplugging always ends the transaction here; it does not resume on re-plug.
    ro('StopTransactionOnEVSideDisconnect', 'boolean', 'true'),
    rw('StopTransactionOnInvalidId', 'boolean', String(charging.stopTxOnInvalidId)),
    // Empty: no clock-aligned values in StopTransaction.req (errata 3.14.5) unless the Central System asks.
    rw('StopTxnAlignedData', 'CSL', '', { ...measurands, maxItemsKey: 'StopTxnAlignedDataMaxLength' }),
    ro('StopTxnAlignedDataMaxLength', 'integer', String(MEASURANDS.length)),
    rw('StopTxnSampledData', 'CSL', list(mv.txEndedMeasurands), { ...measurands, maxItemsKey: 'StopTxnSampledDataMaxLength' }),
    ro('StopTxnSampledDataMaxLength', 'integer', String(MEASURANDS.length)),
    ro('SupportedFeatureProfiles', 'CSL', list(supportedFeatureProfiles(config)), { members: ALL_FEATURE_PROFILES }),
    rw('TransactionMessageAttempts', 'integer', '3', { min: 1 }),
    rw('TransactionMessageRetryInterval', 'integer', '60', seconds(0)),
    // Errata 3.84: R. The socket's lock holds the cable only while the relay is closed, so it is
    // always released once the EV side is unplugged; a fixed cable has nothing to unlock (false).
    ro('UnlockConnectorOnEVSideDisconnect', 'boolean', String(!connectors.every((c) => c.tethered))),
    rw('WebSocketPingInterval', 'integer', String(ocpp.webSocketPingIntervalS), seconds(0)),

    // 9.2 Local Auth List Management
    rw('LocalAuthListEnabled', 'boolean', 'true'),
    ro('LocalAuthListMaxLength', 'integer', String(localListMax)),
    ro('SendLocalListMaxLength', 'integer', String(Math.min(SEND_LOCAL_LIST_MAX_ENTRIES, localListMax))),

    // 9.3 Reservation. Connector 0: the core keeps a connector free for the idTag (ReservationDesk).
    ro('ReserveConnectorZeroSupported', 'boolean', 'true'),

    // 9.4 Smart Charging: what the service holds, read at each SetChargingProfile. The pilot
    // offers a current on the phases wired; switching 3 to 1 phase needs a contactor it lacks.
    ro('ChargeProfileMaxStackLevel', 'integer', String(SMART_CHARGING_CAPACITY_16.maxStackLevel)),
    ro('ChargingScheduleAllowedChargingRateUnit', 'CSL', list(RATE_UNIT_NAMES_16), { members: RATE_UNIT_NAMES_16 }),
    ro('ChargingScheduleMaxPeriods', 'integer', String(SMART_CHARGING_CAPACITY_16.maxPeriodsPerSchedule)),
    ro('ConnectorSwitch3to1PhaseSupported', 'boolean', 'false'),
    ro('MaxChargingProfilesInstalled', 'integer', String(SMART_CHARGING_CAPACITY_16.maxProfiles)),

    // Security whitepaper 7
    // Required with the TLS profiles; false: no extra rule on installing Central System root certificates.
    ro('AdditionalRootCertificateCheck', 'boolean', 'false'),
    // A02/A03: the renewal of the Charge Point certificate.
    ...renewalKeyDefinitions(),
    // OCA application note "Signed Meter Values in OCPP" 3.3 (issue 17).
    ...signedMeterKeyDefinitions(config, connectors.length, stationMeterPublicKey(config)),
    // Write-only (7.2): never reported nor announced in clear. Accepted changes apply on a new
    // connection the agent makes at once (A01 steps 3-4), so no reboot.
    {
      key: 'AuthorizationKey',
      type: 'string',
      readonly: false,
      writeOnly: true,
      maxLength: 40,
      default: ocpp.password?.reveal() ?? '',
      validate: authorizationKeyProblem,
    },
    // RW (7.6): the installer's choice (A00.FR.004) until the Central System raises it (A05), which
    // ChangeConfiguration's own handler does (actions/security-profile.ts); the store never writes it.
    {
      key: 'SecurityProfile',
      type: 'integer',
      readonly: false,
      read: () => String(live.securityProfile?.() ?? ocpp.securityProfile),
    },
  ];
}

/** The station's 1.6 configuration: the installer's config as defaults, values the Central System set persisted in storageDir. */
export function buildStationConfiguration(
  config: StationConfig,
  storageDir: string,
  onWarning: (message: string) => void,
  live: StationConfigurationLive = {},
): ConfigurationStore {
  return new ConfigurationStore({ definitions: stationKeyDefinitions(config, live), storageDir, onWarning });
}
