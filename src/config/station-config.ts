import type { ModbusLink, ModbusTiming } from '../hal/drivers/modbus/modbus-bus.js';
import type { InputLineSpec, OutputLineSpec } from '../hal/gpio/gpio.js';
import type { MeterProfile } from '../hal/meter/profile.js';

/**
 * The configuration as the agent uses it: validated against config/config.schema.json, defaults
 * filled in, relative paths resolved, each EVSE's meter merged with the top-level one, secrets read.
 * The schema defines the file; this is what loading it yields.
 */

/** A secret that does not print itself: logs, JSON and string templates show a mask. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '********';
  }
  toJSON(): string {
    return '********';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Secret(********)';
  }
}

export type OcppVersion = '2.0.1' | '1.6';
export type MeterDriver = 'modbus-rtu' | 'modbus-tcp' | 'simulated';
export type LedColour = 'red' | 'green' | 'blue' | 'yellow' | 'white';

export interface MeterSimulationConfig {
  voltageV: number;
  voltageNoiseV: number;
  frequencyHz: number;
  startEnergyWh: number;
  evCurrentA: number[];
}

export interface MeterConfig {
  driver: MeterDriver;
  profile: MeterProfile;
  /** Modbus drivers only. */
  link?: ModbusLink;
  unitId: number;
  timing: ModbusTiming;
  retries: number;
  pollIntervalMs: number;
  failAfterPolls: number;
  simulation: MeterSimulationConfig;
}

export interface ConnectorConfig {
  id: number;
  type: string;
  tethered: boolean;
  relay: OutputLineSpec;
  lock?: OutputLineSpec;
  /** The lock's feedback contact, active while the cable is held: confirms an unlock (F05.FR.05). */
  lockFeedback?: InputLineSpec;
  relayFeedback?: InputLineSpec;
  plugDetect?: InputLineSpec;
}

export interface EvseConfig {
  id: number;
  maxCurrentA: number;
  phases: 1 | 3;
  meter: MeterConfig;
  leds: Partial<Record<LedColour, OutputLineSpec>>;
  connectors: ConnectorConfig[];
}

export type SafetyInputFunction = 'emergency-stop' | 'rcd-trip';
export interface SafetyInputConfig {
  name: string;
  function: SafetyInputFunction;
  /** Undefined: the whole station. */
  evseId?: number;
  line: InputLineSpec;
}

export interface OcppConfig {
  version: OcppVersion;
  url: string;
  securityProfile: 0 | 1 | 2 | 3;
  password?: Secret;
  /** Where the password came from, for messages that must not show it. */
  passwordSource?: 'inline' | string;
  /** Absolute paths. */
  caFile?: string;
  clientCertificateFile?: string;
  clientKeyFile?: string;
  heartbeatIntervalS: number;
  messageTimeoutS: number;
  reconnect: { waitMinimumS: number; randomRangeS: number; repeatTimes: number };
  webSocketPingIntervalS: number;
  /** On a clean stop: how long the CSMS is given to have the ended transactions' messages, seconds. */
  shutdownDeliveryTimeoutS: number;
}

export type TxPointName = 'EVConnected' | 'Authorized' | 'PowerPathClosed' | 'EnergyTransfer';
export type IdTokenTypeName = 'Central' | 'eMAID' | 'ISO14443' | 'ISO15693' | 'KeyCode' | 'Local' | 'MacAddress' | 'NoAuthorization';

export interface ChargingConfig {
  authorization: 'csms' | 'free';
  freeIdToken?: { idToken: string; type: IdTokenTypeName };
  txStartPoints: TxPointName[];
  txStopPoints: TxPointName[];
  evConnectionTimeoutS: number;
  authorizeRemoteStart: boolean;
  stopTxOnInvalidId: boolean;
  maxEnergyWh?: number;
  maxDurationS?: number;
  evIdleCurrentA: number;
  evIdleAfterS: number;
  onMeterFailure: 'suspend' | 'stop';
  resumeAfterPowerLoss: boolean;
}

/** How hardware faults are detected (the config's "safety"). */
export interface SafetyConfig {
  contactorFeedbackTimeoutMs: number;
  overcurrentMarginPercent: number;
  overcurrentAfterS: number;
  /** After a trip: a new authorization or an unplug brings energy back, or only an unplug. */
  resumeAfterTrip: 'authorization' | 'replug';
}

export type MeasurandName = 'Energy.Active.Import.Register' | 'Energy.Active.Export.Register' | 'Power.Active.Import' | 'Current.Import' | 'Voltage' | 'Frequency';

export interface MeterValuesConfig {
  txStartedMeasurands: MeasurandName[];
  txUpdatedMeasurands: MeasurandName[];
  txUpdatedIntervalS: number;
  txEndedMeasurands: MeasurandName[];
  txEndedIntervalS: number;
  alignedMeasurands: MeasurandName[];
  alignedIntervalS: number;
  alignedSendDuringIdle: boolean;
}

export type LedState = 'Available' | 'Occupied' | 'Charging' | 'SuspendedEV' | 'SuspendedEVSE' | 'Reserved' | 'Unavailable' | 'Faulted';
export interface LedPattern {
  colours: LedColour[];
  pattern: 'steady' | 'blink' | 'blink-slow' | 'off';
}

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error';

export interface StationConfig {
  /** Absolute path of the file this came from. */
  file: string;
  station: { identity: string; vendor: string; model: string; serialNumber?: string };
  ocpp: OcppConfig;
  gpio: { driver: 'sysfs' | 'simulated'; chip?: string; sysfsRoot: string };
  evses: EvseConfig[];
  inputs: SafetyInputConfig[];
  charging: ChargingConfig;
  safety: SafetyConfig;
  meterValues: MeterValuesConfig;
  ledPatterns: Record<LedState, LedPattern>;
  storage: { dir: string; maxQueuedMessages: number };
  api: {
    host: string;
    port: number;
    /** Every request must carry it (Authorization: Bearer); required off loopback. */
    token?: Secret;
    /** POST /api/faults/clear with real hardware. */
    allowFaultClearing: boolean;
    /** The /api/sim routes with real hardware. */
    simulation: boolean;
  };
  log: { level: LogLevel };
}
