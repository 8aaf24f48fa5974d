import type { StationConfig } from '../../config/station-config.js';
import type { StationDevice } from '../../station/events.js';
import type { FaultKind } from '../../station/types.js';
import { DeviceModel, type VariableDefinition } from './device-model/device-model.js';
import { ocppPublicKeyValue, StationSigner } from '../../services/signed-metering/index.js';
import { signedMeterVariables } from './device-model/signed-meter-variables.js';
import { stationVariableDefinitions, type StationLive } from './device-model/station-variables.js';

/**
 * The station's 2.0.1 device model, with the installer's config as the starting values of the
 * variables it covers. Values the CSMS set later are persisted and win over the config.
 */
export function configDefaults(config: StationConfig): Record<string, string> {
  const c = config.charging;
  const m = config.meterValues;
  const list = (xs: readonly string[]): string => xs.join(',');
  return {
    'OCPPCommCtrlr/HeartbeatInterval': String(config.ocpp.heartbeatIntervalS),
    'OCPPCommCtrlr/MessageTimeout[Default]': String(config.ocpp.messageTimeoutS),
    'OCPPCommCtrlr/RetryBackOffWaitMinimum': String(config.ocpp.reconnect.waitMinimumS),
    'OCPPCommCtrlr/RetryBackOffRandomRange': String(config.ocpp.reconnect.randomRangeS),
    'OCPPCommCtrlr/RetryBackOffRepeatTimes': String(config.ocpp.reconnect.repeatTimes),
    'OCPPCommCtrlr/WebSocketPingInterval': String(config.ocpp.webSocketPingIntervalS),
    'TxCtrlr/TxStartPoint': list(c.txStartPoints),
    'TxCtrlr/TxStopPoint': list(c.txStopPoints),
    'TxCtrlr/EVConnectionTimeOut': String(c.evConnectionTimeoutS),
    'TxCtrlr/StopTxOnInvalidId': String(c.stopTxOnInvalidId),
    'AuthCtrlr/AuthorizeRemoteStart': String(c.authorizeRemoteStart),
    'SampledDataCtrlr/TxStartedMeasurands': list(m.txStartedMeasurands),
    'SampledDataCtrlr/TxUpdatedMeasurands': list(m.txUpdatedMeasurands),
    'SampledDataCtrlr/TxUpdatedInterval': String(m.txUpdatedIntervalS),
    'SampledDataCtrlr/TxEndedMeasurands': list(m.txEndedMeasurands),
    'SampledDataCtrlr/TxEndedInterval': String(m.txEndedIntervalS),
    'AlignedDataCtrlr/Measurands': list(m.alignedMeasurands),
    'AlignedDataCtrlr/Interval': String(m.alignedIntervalS),
    'AlignedDataCtrlr/SendDuringIdle': String(m.alignedSendDuringIdle),
  };
}

/** The hardware faults the config lets the agent see: per EVSE its meter, current and (with feedback wired) contactors; each safety input. */
export function watchedFaults(config: StationConfig): Array<{ fault: FaultKind; evseId?: number }> {
  const faults: Array<{ fault: FaultKind; evseId?: number }> = [];
  for (const e of config.evses) {
    faults.push({ fault: 'meter', evseId: e.id }, { fault: 'overcurrent', evseId: e.id });
    if (e.connectors.some((c) => c.relayFeedback)) faults.push({ fault: 'contactor-welded', evseId: e.id }, { fault: 'contactor-failed', evseId: e.id });
    if (e.pilot) faults.push({ fault: 'vehicle', evseId: e.id }, { fault: 'ventilation', evseId: e.id }, { fault: 'pilot', evseId: e.id });
    if (e.connectors.some((c) => c.lock)) faults.push({ fault: 'cable-lock', evseId: e.id });
  }
  for (const i of config.inputs) faults.push(i.evseId === undefined ? { fault: i.function } : { fault: i.function, evseId: i.evseId });
  return faults;
}

/** The devices whose problems are no faults: each card reader, at the EVSE it authorizes at. */
export function watchedDevices(config: StationConfig): Array<{ device: StationDevice; evseId?: number }> {
  return config.readers.map((r) => ({ device: 'token-reader', evseId: r.evseId }));
}

/** FiscalMetering.PublicKey (app note 4.3.2, 3.2.2 format): the station's OCMF key, read when asked; one key for every EVSE. */
function stationPublicKey(config: StationConfig): (() => string | undefined) | undefined {
  if (config.signedMeterValues.source !== 'station') return undefined;
  let value: string | undefined;
  return () => {
    try {
      value ??= ocppPublicKeyValue(StationSigner.open(config.storage.dir).publicKeyHex);
    } catch {
      // No usable key: no Actual value (the agent's log says why at its start).
    }
    return value;
  };
}

function keyOf(def: VariableDefinition): string {
  const inst = def.variable.instance ? `[${def.variable.instance}]` : '';
  return `${def.component.name}/${def.variable.name}${inst}`;
}

export function buildDeviceModelFromConfig(
  config: StationConfig,
  firmwareVersion: string,
  live: StationLive,
  onWarning: (message: string) => void,
): DeviceModel {
  const defaults = configDefaults(config);
  const definitions = stationVariableDefinitions(
    {
      vendor: config.station.vendor,
      model: config.station.model,
      serialNumber: config.station.serialNumber || undefined, // an empty one is none
      firmwareVersion,
      identity: config.station.identity,
      securityProfile: config.ocpp.securityProfile,
      evses: config.evses.map((e) => ({
        id: e.id,
        phases: e.phases,
        maxCurrentA: e.maxCurrentA,
        connectors: e.connectors.map((c) => ({ id: c.id, type: c.type })),
        pilot: e.pilot !== undefined,
      })),
      basicAuthPassword: config.ocpp.password,
      hardwareFaults: watchedFaults(config),
      devices: watchedDevices(config),
    },
    live,
  )
    // Issue 17: SampledDataCtrlr's signing flags, OCPPCommCtrlr.PublicKeyWithSignedMeterValue. Only the station signs so far (no meter driver hands over signed readings).
    .concat(signedMeterVariables({ canSign: config.signedMeterValues.source !== 'off', evseIds: config.evses.map((e) => e.id), publicKey: stationPublicKey(config) }))
    .map((def) => {
      const value = defaults[keyOf(def)];
      return value !== undefined && 'default' in def ? { ...def, default: value } : def;
    });
  return new DeviceModel({ definitions, storageDir: config.storage.dir, onWarning });
}
