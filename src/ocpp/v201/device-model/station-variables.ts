import type { Secret } from '../../../config/station-config.js';
import { DeviceModel, type ComponentAddress, type LiveVariableDefinition, type VariableDefinition } from './device-model.js';
import { boolean, definedOnly, integer, liveValue, memberList, optionList, sequenceList, stored, text } from './definition-helpers.js';
import { listMembers } from './value-format.js';
import { MEASURANDS, type MeasurandName } from '../../common/measurands.js';
import type { StationDevice } from '../../../station/events.js';
import type { FaultKind } from '../../../station/types.js';
import { DEVICE_COMPONENT, FAULT_COMPONENT } from '../fault-components.js';
import { smartChargingVariables, type SmartChargingLive } from './smart-charging-variables.js';
import { monitoringVariables, type MonitoringLive } from './monitoring-variables.js';
import { renewalVariables } from './renewal-variables.js';
import { firmwareVariables } from './firmware-variables.js';
import { evseMeasurementVariables, type MeasurementLive } from './measurement-variables.js';
import { healthVariables, type HealthLive } from './health-variables.js';
import { NETWORK_PROFILE_SLOTS } from '../../../services/network-profiles/index.js';

/**
 * The device model of this station: the standardized components and variables (Part 2
 * "Referenced Components and Variables" and the appendices, names as in dm_components_vars.csv)
 * that the station really has. Defaults are the spec's where it gives one.
 */

export type AvailabilityState = 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted';

/** What the meters can measure, in OCPP's MeasurandEnumType words. */
export type Measurand = MeasurandName;
export const METER_MEASURANDS: readonly Measurand[] = MEASURANDS;

/** The transaction start/stop points this station can detect: no parking bay sensor, no signing meter. */
export const TX_POINTS = ['EVConnected', 'Authorized', 'PowerPathClosed', 'EnergyTransfer'] as const;

export interface StationDescription {
  vendor: string;
  model: string;
  serialNumber?: string;
  firmwareVersion: string;
  identity: string;
  securityProfile: 0 | 1 | 2 | 3;
  evses: ReadonlyArray<{
    id: number;
    phases: 1 | 3;
    maxCurrentA: number;
    connectors: ReadonlyArray<{ id: number; type: string }>;
    /** A control pilot board serves it: CPPWMController is added. */
    pilot?: boolean;
  }>;
  /** Default: all of METER_MEASURANDS. */
  measurands?: readonly Measurand[];
  /** NetworkConnectionProfile configuration slots; default NETWORK_PROFILE_SLOTS (B09.FR.06: at least two), slot 1 the config file's. */
  networkProfileSlots?: readonly number[];
  /** The Basic auth password from the config file, in effect until the CSMS sets another. */
  basicAuthPassword?: Secret;
  organizationName?: string;
  /** For EVSE.Power's maxLimit; default 230 V. */
  nominalVoltageV?: number;
  /** The hardware faults the station watches for (no evseId: the whole station's); their components are added. */
  hardwareFaults?: ReadonlyArray<{ fault: FaultKind; evseId?: number }>;
  /** The devices whose problems are no faults (card readers), with their EVSE; their components are added. */
  devices?: ReadonlyArray<{ device: StationDevice; evseId?: number }>;
}

/** What the agent knows at the moment it is asked. Optional getters add the variables they feed (measured and health values: their files). */
export interface StationLive extends MeasurementLive, HealthLive {
  /** No EVSE: the station's; no connector: the EVSE's. */
  availabilityState(evseId?: number, connectorId?: number): AvailabilityState;
  /** Now, RFC 3339. */
  dateTime(): string;
  /** The EVSE's present power (EVSE.Power's Actual value). */
  evsePowerW?(evseId: number): number | undefined;
  /** The vehicle's state on the EVSE's control pilot, IEC 61851-1's letter (CPPWMController.State). */
  pilotState?(evseId: number): string | undefined;
  /** A fault on the station (no EVSE) or on an EVSE; adds the Problem variables. */
  problem?(evseId?: number): boolean;
  /** Whether a hardware fault is active now (on that EVSE, or anywhere for no evseId). */
  faultActive?(fault: FaultKind, evseId?: number): boolean;
  /** Whether a device of that kind fails now (on that EVSE, or anywhere for no evseId). */
  deviceProblemActive?(device: StationDevice, evseId?: number): boolean;
  /** Default: the first slot of NetworkConfigurationPriority. */
  activeNetworkProfile?(): number;
  /** Default: StationDescription.securityProfile. */
  securityProfile?(): number;
  /** Whether a slot holds a usable NetworkConnectionProfile (B10.FR.02); default: only slot 1. */
  networkProfileSlotUsable?(slot: number): boolean;
  /** SecurityCtrlr.CertificateEntries: how many certificates are installed; default 0. */
  certificateEntries?(): number;
  /**
   * Adds AuthCacheCtrlr and LocalAuthListCtrlr, for a station that keeps an Authorization Cache and
   * a Local Authorization List (C10, D01): how many id tokens the list holds now, and at most.
   */
  localAuthorization?: { listEntries(): number; readonly listMaxEntries: number };
  /** SmartChargingCtrlr.Entries: the charging profiles installed; without it, 0. */
  smartCharging?: SmartChargingLive;
  /** The monitoring service (block N); adds MonitoringCtrlr. */
  monitoring?: MonitoringLive;
}

const nonEmpty = (what: string) => (value: string) => (value === '' ? `${what} cannot be empty` : undefined);
const PASSWORD = /^[A-Za-z0-9*\-_=:+|@.]{16,40}$/;
const AVAILABILITY_STATES: readonly AvailabilityState[] = ['Available', 'Occupied', 'Reserved', 'Unavailable', 'Faulted'];

/**
 * The definitions alone. `profileInEffect` answers ActiveNetworkProfile when the agent has no
 * getter for it; buildStationDeviceModel reads it from the model.
 */
export function stationVariableDefinitions(
  station: StationDescription,
  live: StationLive,
  profileInEffect: () => number = () => station.networkProfileSlots?.[0] ?? 1,
): VariableDefinition[] {
  const measurands = station.measurands ?? METER_MEASURANDS;
  const slots = (station.networkProfileSlots ?? NETWORK_PROFILE_SLOTS).map(String);
  const slotUsable = (slot: number): boolean => (live.networkProfileSlotUsable ? live.networkProfileSlotUsable(slot) : slot === 1);
  const voltage = station.nominalVoltageV ?? 230;
  const defs: VariableDefinition[] = [];

  // Charging infrastructure (Part 2 2.13): ChargingStation, then each EVSE and its connectors.
  const cs: ComponentAddress = { name: 'ChargingStation' };
  defs.push(
    liveValue(cs, 'AvailabilityState', optionList(AVAILABILITY_STATES), () => live.availabilityState(), { inSummary: true }),
    stored(cs, 'Available', 'ReadOnly', boolean, 'true'),
    stored(cs, 'SupplyPhases', 'ReadOnly', integer(), String(Math.max(0, ...station.evses.map((e) => e.phases)))),
    stored(cs, 'VendorName', 'ReadOnly', text(), station.vendor),
    stored(cs, 'Model', 'ReadOnly', text(), station.model),
    stored(cs, 'FirmwareVersion', 'ReadOnly', text(), station.firmwareVersion),
  );
  if (station.serialNumber !== undefined) defs.push(stored(cs, 'SerialNumber', 'ReadOnly', text(), station.serialNumber));
  const hasProblems = live.problem !== undefined;
  if (hasProblems) {
    defs.push(liveValue(cs, 'Problem', boolean, () => String(live.problem?.() ?? false), { inSummary: (v) => v === 'true' }));
  }

  for (const evse of station.evses) {
    const e: ComponentAddress = { name: 'EVSE', evse: { id: evse.id } };
    defs.push(
      liveValue(e, 'AvailabilityState', optionList(AVAILABILITY_STATES), () => live.availabilityState(evse.id), { inSummary: true }),
      stored(e, 'Available', 'ReadOnly', boolean, 'true'),
      // Required for its maxLimit only (errata TC_B_53); the Actual value is there when the agent gives it.
      liveValue(e, 'Power', { dataType: 'decimal', unit: 'W', maxLimit: evse.phases * evse.maxCurrentA * voltage }, () => {
        const w = live.evsePowerW?.(evse.id);
        return w === undefined ? undefined : String(Math.round(w));
      }, { supportsMonitoring: true }),
      stored(e, 'SupplyPhases', 'ReadOnly', integer(), String(evse.phases)),
      ...evseMeasurementVariables(evse, live),
    );
    if (hasProblems) {
      defs.push(liveValue(e, 'Problem', boolean, () => String(live.problem?.(evse.id) ?? false), { inSummary: (v) => v === 'true' }));
    }
    if (evse.pilot) defs.push(liveValue({ name: 'CPPWMController', evse: { id: evse.id } }, 'State', text(), () => live.pilotState?.(evse.id)));
    for (const connector of evse.connectors) {
      const c: ComponentAddress = { name: 'Connector', evse: { id: evse.id, connectorId: connector.id } };
      defs.push(
        // B07.FR.09: in a summary only when it says something the EVSE's state does not.
        liveValue(c, 'AvailabilityState', optionList(AVAILABILITY_STATES), () => live.availabilityState(evse.id, connector.id), {
          inSummary: (v) => v !== live.availabilityState(evse.id),
        }),
        stored(c, 'Available', 'ReadOnly', boolean, 'true'),
        stored(c, 'ConnectorType', 'ReadOnly', text(), connector.type),
        stored(c, 'SupplyPhases', 'ReadOnly', integer(), String(evse.phases)),
      );
    }
  }
  defs.push(...hardwareFaultVariables(station.hardwareFaults ?? [], live));
  defs.push(...deviceProblemVariables(station.devices ?? [], live));

  const comm: ComponentAddress = { name: 'OCPPCommCtrlr' };
  const allFixedCables = station.evses.every((e) => e.connectors.every((c) => c.type.startsWith('c')));
  defs.push(
    // Errata 2.57 makes it required, and an integer.
    liveValue(comm, 'ActiveNetworkProfile', integer(), () => String(live.activeNetworkProfile?.() ?? profileInEffect())),
    stored(comm, 'FileTransferProtocols', 'ReadOnly', memberList(['HTTP', 'HTTPS']), 'HTTP,HTTPS'),
    stored(comm, 'HeartbeatInterval', 'ReadWrite', integer('s', 1), '300'),
    // ReadOnly per Part 2 2.1.3: it is set through the NetworkConnectionProfile.
    stored(comm, 'MessageTimeout', 'ReadOnly', integer('s', 1), '30', { instance: 'Default' }),
    stored(comm, 'MessageAttempts', 'ReadWrite', integer(undefined, 1), '3', { instance: 'TransactionEvent' }),
    stored(comm, 'MessageAttemptInterval', 'ReadWrite', integer('s', 0), '60', { instance: 'TransactionEvent' }),
    // B10.FR.01/04: the station connects by the new order after a reboot; B10.FR.02: every slot must be usable.
    stored(comm, 'NetworkConfigurationPriority', 'ReadWrite', sequenceList(slots), slots[0] ?? '1', {
      rebootRequired: true,
      validate: (value) => {
        const chosen = listMembers(value);
        if (chosen.length === 0) return 'at least one profile slot is needed';
        const unusable = chosen.filter((s) => !slotUsable(Number(s)));
        return unusable.length ? `no usable network connection profile in slot ${unusable.join(',')}` : undefined;
      },
    }),
    stored(comm, 'NetworkProfileConnectionAttempts', 'ReadWrite', integer(undefined, 1), '3'),
    stored(comm, 'OfflineThreshold', 'ReadWrite', integer('s', 0), '60'),
    stored(comm, 'ResetRetries', 'ReadWrite', integer(undefined, 0), '2'),
    stored(comm, 'RetryBackOffRandomRange', 'ReadWrite', integer('s', 0), '10'),
    stored(comm, 'RetryBackOffRepeatTimes', 'ReadWrite', integer(undefined, 0), '5'),
    stored(comm, 'RetryBackOffWaitMinimum', 'ReadWrite', integer('s', 0), '3'),
    // No connector lock on this hardware: a socket never holds the cable, so it is always free once
    // unplugged at the EV. Fixed cables only: ReadOnly false, as 2.1.12 requires.
    stored(comm, 'UnlockOnEVSideDisconnect', 'ReadOnly', boolean, String(!allFixedCables)),
    stored(comm, 'WebSocketPingInterval', 'ReadWrite', integer('s', 0), '30'),
  );

  const tx: ComponentAddress = { name: 'TxCtrlr' };
  defs.push(
    stored(tx, 'EVConnectionTimeOut', 'ReadWrite', integer('s', 1), '60'),
    // Unplugging always ends the charging session here; there is no resuming on re-plug.
    stored(tx, 'StopTxOnEVSideDisconnect', 'ReadOnly', boolean, 'true'),
    stored(tx, 'StopTxOnInvalidId', 'ReadWrite', boolean, 'true'),
    stored(tx, 'MaxEnergyOnInvalidId', 'ReadWrite', integer('Wh', 0), '0'),
    stored(tx, 'TxBeforeAcceptedEnabled', 'ReadWrite', boolean, 'false'),
    // Defaults: the OCPP 1.6 compatible settings of Part 2 E, table 95. An empty list would never
    // start, or never end, a transaction.
    stored(tx, 'TxStartPoint', 'ReadWrite', memberList(TX_POINTS), 'PowerPathClosed', { validate: nonEmpty('TxStartPoint') }),
    stored(tx, 'TxStopPoint', 'ReadWrite', memberList(TX_POINTS), 'EVConnected,Authorized', { validate: nonEmpty('TxStopPoint') }),
  );

  const sampled: ComponentAddress = { name: 'SampledDataCtrlr' };
  defs.push(
    stored(sampled, 'Available', 'ReadOnly', boolean, 'true'),
    stored(sampled, 'Enabled', 'ReadWrite', boolean, 'true'),
    // The recommended defaults (2.7.4-2.7.8): the energy register, intermediate Ended values off.
    stored(sampled, 'TxStartedMeasurands', 'ReadWrite', memberList(measurands), 'Energy.Active.Import.Register'),
    stored(sampled, 'TxUpdatedMeasurands', 'ReadWrite', memberList(measurands), 'Energy.Active.Import.Register'),
    stored(sampled, 'TxUpdatedInterval', 'ReadWrite', integer('s', 0), '60'),
    stored(sampled, 'TxEndedMeasurands', 'ReadWrite', memberList(measurands), 'Energy.Active.Import.Register'),
    stored(sampled, 'TxEndedInterval', 'ReadWrite', integer('s', 0), '0'),
    // The meters give total energy only, never per phase.
    stored(sampled, 'RegisterValuesWithoutPhases', 'ReadOnly', boolean, 'true'),
  );

  const aligned: ComponentAddress = { name: 'AlignedDataCtrlr' };
  defs.push(
    stored(aligned, 'Available', 'ReadOnly', boolean, 'true'),
    stored(aligned, 'Enabled', 'ReadWrite', boolean, 'true'),
    stored(aligned, 'Measurands', 'ReadWrite', memberList(measurands), 'Energy.Active.Import.Register'),
    // 0: no clock-aligned data until the CSMS asks for it.
    stored(aligned, 'Interval', 'ReadWrite', integer('s', 0), '0'),
    stored(aligned, 'SendDuringIdle', 'ReadWrite', boolean, 'false'),
    stored(aligned, 'TxEndedMeasurands', 'ReadWrite', memberList(measurands), 'Energy.Active.Import.Register'),
    stored(aligned, 'TxEndedInterval', 'ReadWrite', integer('s', 0), '0'),
  );

  const auth: ComponentAddress = { name: 'AuthCtrlr' };
  defs.push(
    stored(auth, 'Enabled', 'ReadWrite', boolean, 'true'),
    stored(auth, 'AuthorizeRemoteStart', 'ReadWrite', boolean, 'false'),
    stored(auth, 'LocalAuthorizeOffline', 'ReadWrite', boolean, 'true'),
    stored(auth, 'LocalPreAuthorize', 'ReadWrite', boolean, 'false'),
    stored(auth, 'OfflineTxForUnknownIdEnabled', 'ReadWrite', boolean, 'false'),
    stored(auth, 'DisableRemoteAuthorization', 'ReadWrite', boolean, 'false'),
  );

  if (live.localAuthorization) defs.push(...localAuthorizationVariables(live.localAuthorization));

  // Part 2 2.8: reservations (H01), of an EVSE, a connector type or any EVSE.
  const reservation: ComponentAddress = { name: 'ReservationCtrlr' };
  defs.push(
    stored(reservation, 'Available', 'ReadOnly', boolean, 'true'),
    // H01.FR.01: while false, ReserveNow is Rejected.
    stored(reservation, 'Enabled', 'ReadWrite', boolean, 'true'),
    // H01.FR.18: reservations without an evseId are accepted.
    stored(reservation, 'NonEvseSpecific', 'ReadOnly', boolean, 'true'),
  );

  // Part 2 2.9: charging profiles (block K).
  defs.push(...smartChargingVariables(live.smartCharging));

  // Part 2 2.7: variable monitors (block N), when the station runs them.
  if (live.monitoring) defs.push(...monitoringVariables(live.monitoring));

  const data: ComponentAddress = { name: 'DeviceDataCtrlr' };
  for (const message of ['GetReport', 'GetVariables', 'SetVariables']) {
    defs.push(
      stored(data, 'ItemsPerMessage', 'ReadOnly', integer(), '50', { instance: message }),
      stored(data, 'BytesPerMessage', 'ReadOnly', integer(), '65536', { instance: message }),
    );
  }

  const clock: ComponentAddress = { name: 'ClockCtrlr' };
  defs.push(
    liveValue(clock, 'DateTime', { dataType: 'dateTime' }, () => live.dateTime()),
    // The system clock is kept by the OS's NTP client; the CSMS's Heartbeat time is the fallback.
    stored(clock, 'TimeSource', 'ReadWrite', sequenceList(['NTP', 'Heartbeat']), 'NTP,Heartbeat', { validate: nonEmpty('TimeSource') }),
    // A clock moved by more than this raises SettingSystemTime (A04, security-events' watch); 20 s as Part 2 suggests.
    stored(clock, 'TimeAdjustmentReportingThreshold', 'ReadWrite', integer('s', 0), '20'),
  );

  const security: ComponentAddress = { name: 'SecurityCtrlr' };
  defs.push(
    // A00.FR.205: 16 to 40 characters of passwordString. Never readable (B06.FR.09).
    stored(security, 'BasicAuthPassword', 'WriteOnly', text(40), station.basicAuthPassword?.reveal() ?? '', {
      validate: (value) => (PASSWORD.test(value) ? undefined : 'must be 16 to 40 characters of a-z A-Z 0-9 * - _ = : + | @ .'),
    }),
    stored(security, 'Identity', 'ReadOnly', text(48), station.identity),
    stored(security, 'OrganizationName', 'ReadWrite', text(), station.organizationName ?? ''),
    liveValue(security, 'SecurityProfile', integer(), () => String(live.securityProfile?.() ?? station.securityProfile)),
    // Required with TLS profiles; false says the feature is not offered (2.2.6, note 2).
    stored(security, 'AdditionalRootCertificateCheck', 'ReadOnly', boolean, 'false'),
  );
  // A02/A03: the renewal of the station certificate.
  defs.push(...renewalVariables());
  // L01/L02: new sessions while a firmware install waits.
  defs.push(...firmwareVariables());
  // Part 2 2.2.4, required: the installed certificates (none until certificate management exists).
  defs.push(liveValue(security, 'CertificateEntries', integer(), () => String(live.certificateEntries?.() ?? 0)));
  // The station's health (Controller) and its connection's (OCPPCommCtrlr.ReconnectCount), for monitors.
  defs.push(...healthVariables(live));
  return defs;
}

/** A SendLocalListRequest's most items (D01.FR.11): about 15 kB of AuthorizationData. */
const SEND_LOCAL_LIST_ITEMS = 100;

/** Part 2 2.4 and 2.5: the Authorization Cache's and the Local Authorization List's variables. */
function localAuthorizationVariables(local: NonNullable<StationLive['localAuthorization']>): VariableDefinition[] {
  const cache: ComponentAddress = { name: 'AuthCacheCtrlr' };
  const list: ComponentAddress = { name: 'LocalAuthListCtrlr' };
  return [
    stored(cache, 'Available', 'ReadOnly', boolean, 'true'),
    // C10.FR.11. Changing it leaves the entries as they are (2.4.1 note).
    stored(cache, 'Enabled', 'ReadWrite', boolean, 'true'),
    // C10.FR.08/10: seconds from the CSMS' last word on a token; at least 1, so no value reads as "forever".
    stored(cache, 'LifeTime', 'ReadWrite', integer('s', 1), '86400'),
    // When full, a token that is no longer valid goes first, then the least recently used (C10.FR.07).
    stored(cache, 'Policy', 'ReadWrite', optionList(['LRU']), 'LRU'),
    stored(cache, 'DisablePostAuthorize', 'ReadWrite', boolean, 'false'),
    stored(list, 'Available', 'ReadOnly', boolean, 'true'),
    // D01.FR.13; D02.FR.03: while false, GetLocalListVersion answers 0.
    stored(list, 'Enabled', 'ReadWrite', boolean, 'true'),
    // D01.FR.12: the maxLimit is the most id tokens the list holds.
    liveValue(list, 'Entries', integer(undefined, 0, local.listMaxEntries), () => String(local.listEntries())),
    stored(list, 'ItemsPerMessage', 'ReadOnly', integer(), String(Math.max(1, Math.min(SEND_LOCAL_LIST_ITEMS, local.listMaxEntries)))),
    stored(list, 'BytesPerMessage', 'ReadOnly', integer(), '65536'),
    stored(list, 'DisablePostAuthorize', 'ReadWrite', boolean, 'false'),
    // C13.FR.05/06, C14.FR.04/05: a listed token's cacheExpiryDateTime is honoured.
    stored(list, 'SupportsExpiryDateTime', 'ReadOnly', boolean, 'true'),
  ];
}

export function buildStationDeviceModel(
  station: StationDescription,
  live: StationLive,
  storageDir: string,
  onWarning: (message: string) => void,
): DeviceModel {
  // Without a getter, the profile in effect is the first of the priority the station started with
  // (a new priority waits for the reboot, B10.FR.04).
  // The getter reads the model it is part of: held here until the model exists.
  const built: { model?: DeviceModel } = {};
  const profileInEffect = (): number => Number(built.model?.getList('OCPPCommCtrlr', 'NetworkConfigurationPriority')[0] ?? 1);
  const model = new DeviceModel({ definitions: stationVariableDefinitions(station, live, profileInEffect), storageDir, onWarning });
  built.model = model;
  return model;
}

/**
 * The components of the watched hardware faults (FiscalMetering.Problem, PowerContactor.Problem,
 * ...), one variable per component and EVSE; true while any fault placed there is active (both
 * contactor faults are PowerContactor.Problem).
 */
function hardwareFaultVariables(faults: NonNullable<StationDescription['hardwareFaults']>, live: StationLive): LiveVariableDefinition[] {
  const byVariable = new Map<string, { component: ComponentAddress; variable: string; evseId: number | undefined; faults: FaultKind[] }>();
  for (const { fault, evseId } of faults) {
    const { component, variable } = FAULT_COMPONENT[fault];
    const key = `${component}/${variable}/${evseId ?? ''}`;
    const entry = byVariable.get(key) ?? { component: definedOnly<ComponentAddress>({ name: component, evse: evseId === undefined ? undefined : { id: evseId } }), variable, evseId, faults: [] };
    if (!entry.faults.includes(fault)) entry.faults.push(fault);
    byVariable.set(key, entry);
  }
  return [...byVariable.values()].map((v) =>
    liveValue(v.component, v.variable, boolean, () => String(v.faults.some((f) => live.faultActive?.(f, v.evseId) ?? false)), { inSummary: (value) => value === 'true' }),
  );
}

/** The devices' problem variables (TokenReader.Problem), one per component and EVSE; true while any such device there fails. */
function deviceProblemVariables(devices: NonNullable<StationDescription['devices']>, live: StationLive): LiveVariableDefinition[] {
  const seen = new Set<string>();
  return devices.flatMap(({ device, evseId }) => {
    const key = `${device}/${evseId ?? ''}`;
    if (seen.has(key)) return [];
    seen.add(key);
    const { component, variable } = DEVICE_COMPONENT[device];
    const address = definedOnly<ComponentAddress>({ name: component, evse: evseId === undefined ? undefined : { id: evseId } });
    return [liveValue(address, variable, boolean, () => String(live.deviceProblemActive?.(device, evseId) ?? false), { inSummary: (value) => value === 'true' })];
  });
}
