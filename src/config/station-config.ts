import type { OcpiConfig } from '../services/ocpi/ocpi-config.js';
import type { ModbusLink, ModbusTiming } from '../hal/drivers/modbus/modbus-bus.js';
import type { InputLineSpec, OutputLineSpec } from '../hal/gpio/gpio.js';
import type { MeterProfile } from '../hal/meter/profile.js';
import type { PilotProfile } from '../hal/pilot/profile.js';

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

export type PilotDriver = 'modbus-rtu' | 'modbus-tcp' | 'openevse' | 'simulated';

/**
 * The EVSE's control pilot board (IEC 61851-1), when one is fitted: the vehicle's state comes from
 * it instead of plug detect and meter current, and the current offered to the vehicle goes to it.
 */
export interface PilotConfig {
  driver: PilotDriver;
  /** Modbus drivers and the simulated one: the register map (hardware/pilots/, default evse-wb). */
  profile?: PilotProfile;
  /** Modbus drivers: the line (an RTU line may be the meter's, with the same serial settings). */
  link?: ModbusLink;
  /** OpenEVSE: its serial port and speed (RAPI). */
  port?: string;
  baudRate?: number;
  /** Modbus drivers: the board's address on the line. */
  unitId: number;
  timing: ModbusTiming;
  /** How often the board is asked for the vehicle's state: the contactor opens at most this late after the vehicle leaves C. */
  pollIntervalMs: number;
  failAfterPolls: number;
  /** The station has ventilation for vehicles that ask for it (state D); without it state D is refused. */
  ventilation: boolean;
  /**
   * After the offer drops to 0 A for a stop that is no fault, how long a vehicle still in C is given
   * to stop drawing before the contactor opens under load anyway, ms.
   */
  releaseTimeoutMs: number;
}

export interface EvseConfig {
  id: number;
  maxCurrentA: number;
  phases: 1 | 3;
  meter: MeterConfig;
  /** Absent: no pilot board; plug detect and the meter's current say what the vehicle does. */
  pilot?: PilotConfig;
  leds: Partial<Record<LedColour, OutputLineSpec>>;
  connectors: ConnectorConfig[];
}

export type CardReaderDriver = 'pn532' | 'evdev' | 'simulated';

/** A card reader at the charger, mapped to the EVSE a card held to it authorizes at. */
export interface CardReaderConfig {
  /** Its key under "readers" in the file: for logs and the status page. */
  name: string;
  driver: CardReaderDriver;
  evseId: number;
  /** pn532: the UART (e.g. /dev/serial0); evdev: the input device (e.g. /dev/input/by-id/usb-...-event-kbd). */
  device?: string;
  /** pn532 only (HSU is 115200 after power-up). */
  baudRate?: number;
  /** evdev only: how the reader types the UID. */
  format?: { typed: 'decimal' | 'hex'; byteLength: number; byteOrder: 'big' | 'little' };
  /** evdev only: the longest pause between two keys of one card, ms. */
  interKeyTimeoutMs?: number;
}

/** The building's main meter and the fuse it guards (supply.gridMeter). */
export interface GridMeterConfig {
  /** Read as an EVSE's meter is; its simulation's evCurrentA is unused (houseCurrentA and the EVSEs' draw instead). */
  meter: MeterConfig;
  /** A per phase. */
  mainFuseA: number;
  marginA: number;
  hysteresisA: number;
  raiseAfterS: number;
  /** What the EVSEs get together while the meter has failed or before its first reading, A per phase. */
  failsafeCurrentA: number;
  /** Driver simulated: the house's load per phase at start, A. */
  houseCurrentA: number[];
}

/** The grid operator's signal: while its input is active the station draws at most maxPowerW (supply.gridOperator). */
export interface GridOperatorConfig {
  line: InputLineSpec;
  maxPowerW: number;
}

/** The supply the EVSEs share and what limits it (supply); each part absent when not configured. */
export interface SupplyConfig {
  /** The station's EVSEs together, A per phase. */
  maxCurrentA?: number;
  gridMeter?: GridMeterConfig;
  gridOperator?: GridOperatorConfig;
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

/** The config's "signedMeterValues": "station" signs with the station's key (transparency, not legal metrology). */
export interface SignedMeterValuesConfig {
  source: 'off' | 'meter' | 'station';
  /** Source "meter": how long a transaction's end waits for the meter's signed documents, s (app note: up to 30). */
  meterWaitS?: number;
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
  /** Card readers, each mapped to an EVSE; empty when none is fitted. */
  readers: CardReaderConfig[];
  /** Absent: no supply section (each EVSE takes its own maxCurrentA). */
  supply?: SupplyConfig;
  charging: ChargingConfig;
  safety: SafetyConfig;
  meterValues: MeterValuesConfig;
  /** Issue 17: who signs the transactions' start and end values (OCMF); default off. */
  signedMeterValues: SignedMeterValuesConfig;
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
  /** Firmware updates: whether unsigned ones are taken, and the launcher's keep and rollback settings. */
  firmware: FirmwareConfig;
  /** Issue 17: the station's place for OCPI CDRs and Location (sessions export); absent: none given. */
  ocpi?: OcpiConfig;
  log: { level: LogLevel };
}

/** The config's "firmware" section (issue 15); the launcher reads the last three. */
export interface FirmwareConfig {
  /** 2.0.1 L02 and 1.6 UpdateFirmware: off by default, only signed updates are taken. */
  allowUnsigned: boolean;
  keepReleases: number;
  maxFailedStarts: number;
  confirmTimeoutS: number;
}
