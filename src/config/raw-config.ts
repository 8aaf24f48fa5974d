import { readFileSync } from 'node:fs';
import type { InputLineSpec, OutputLineSpec } from '../hal/gpio/gpio.js';
import { configSchemaPath } from '../paths.js';
import { documentChecker } from '../util/document-schemas.js';
import type { SchemaChecker } from '../util/json-schema.js';
import type { RawApiConfig } from './api-config.js';
import type { CardReaderConfig, CardReaderDriver, ChargingConfig, LedColour, MeterConfig, MeterDriver, OcppConfig, PilotDriver, StationConfig } from './station-config.js';

// The file as config/config.schema.json describes it, after the schema's defaults are filled in.

export interface RawLine {
  line: number;
  chip?: string;
  activeLow: boolean;
  debounceMs?: number;
}

/** A Modbus device's line and address, named alike for meters and pilot boards. */
export interface RawModbusDevice {
  profile?: string;
  port?: string;
  baudRate?: number;
  parity?: 'none' | 'even' | 'odd';
  stopBits?: 1 | 2;
  host?: string;
  tcpPort?: number;
  tcpFraming?: 'mbap' | 'rtu';
  unitId?: number;
  timeoutMs?: number;
  interRequestDelayMs?: number;
}

export interface RawMeter extends RawModbusDevice {
  driver?: MeterDriver;
  retries?: number;
  pollIntervalMs?: number;
  failAfterPolls?: number;
  simulation?: Partial<MeterConfig['simulation']>;
}

/** An EVSE's pilot board: the Modbus keys as the meter's; the schema fills in the poll and release defaults. */
export interface RawPilot extends RawModbusDevice {
  driver: PilotDriver;
  pollIntervalMs: number;
  failAfterPolls: number;
  ventilation: boolean;
  releaseTimeoutMs: number;
}

export interface RawCardReader {
  driver: CardReaderDriver;
  evseId: number;
  device?: string;
  baudRate?: number;
  format?: Partial<NonNullable<CardReaderConfig['format']>>;
  interKeyTimeoutMs?: number;
}

export interface RawOcpp {
  version: '2.0.1' | '1.6';
  url: string;
  securityProfile: 0 | 1 | 2 | 3;
  password?: string;
  passwordFile?: string;
  caFile?: string;
  clientCertificateFile?: string;
  clientKeyFile?: string;
  heartbeatIntervalS: number;
  messageTimeoutS: number;
  reconnect: OcppConfig['reconnect'];
  webSocketPingIntervalS: number;
  shutdownDeliveryTimeoutS: number;
}

export interface RawConnector {
  id: number;
  type: string;
  tethered: boolean;
  relay: RawLine;
  lock?: RawLine;
  lockFeedback?: RawLine;
  relayFeedback?: RawLine;
  plugDetect?: RawLine;
}

export interface RawEvse {
  id: number;
  maxCurrentA: number;
  phases: 1 | 3;
  meter?: RawMeter;
  pilot?: RawPilot;
  leds?: Partial<Record<LedColour, RawLine>>;
  connectors: RawConnector[];
}

/** supply.gridMeter: a meter's keys (nothing inherited from the top-level meter) and the fuse's; the schema fills in the limit's defaults. */
export interface RawGridMeter extends Omit<RawMeter, 'simulation'> {
  driver: MeterDriver;
  mainFuseA: number;
  marginA: number;
  hysteresisA: number;
  raiseAfterS: number;
  failsafeCurrentA: number;
  simulation?: Partial<Pick<MeterConfig['simulation'], 'voltageV' | 'voltageNoiseV' | 'frequencyHz'>> & { houseCurrentA?: number[] };
}

export interface RawSupply {
  maxCurrentA?: number;
  gridMeter?: RawGridMeter;
  gridOperator?: RawLine & { maxPowerW: number };
}

export type RawInputs = Record<string, RawLine & { function: 'emergency-stop' | 'rcd-trip'; evseId?: number }>;

export interface RawConfig {
  station: { identity: string; vendor: string; model: string; serialNumber?: string };
  ocpp: RawOcpp;
  meter: RawMeter;
  gpio: { driver: 'sysfs' | 'simulated'; chip?: string; sysfsRoot: string };
  evses: RawEvse[];
  inputs: RawInputs;
  /** Card readers by name (schema default {}). */
  readers: Record<string, RawCardReader>;
  supply?: RawSupply;
  charging: ChargingConfig;
  safety: StationConfig['safety'];
  meterValues: StationConfig['meterValues'];
  signedMeterValues: StationConfig['signedMeterValues'];
  ledPatterns: Partial<StationConfig['ledPatterns']>;
  storage: { dir: string; maxQueuedMessages: number };
  api: RawApiConfig;
  firmware: StationConfig['firmware'];
  ocpi?: StationConfig['ocpi'];
  log: { level: StationConfig['log']['level'] };
}

export interface ConfigSchema {
  checker: SchemaChecker<RawConfig>;
  /** The schema's own LED defaults, that a partial ledPatterns is merged over. */
  ledDefaults: StationConfig['ledPatterns'];
}

// Loaded once per process and never changed after: the schema file is part of the package.
let compiled: ConfigSchema | undefined;

/** The config schema's checker (precompiled when built) and its LED defaults. */
export function configSchema(): ConfigSchema {
  if (!compiled) {
    const doc = JSON.parse(readFileSync(configSchemaPath, 'utf8')) as { properties: { ledPatterns: { default: StationConfig['ledPatterns'] } } };
    compiled = { checker: documentChecker<RawConfig>('config'), ledDefaults: doc.properties.ledPatterns.default };
  }
  return compiled;
}

export function outputLine(raw: RawLine): OutputLineSpec {
  return { line: raw.line, activeLow: raw.activeLow, chip: raw.chip || undefined };
}

export function inputLine(raw: RawLine): InputLineSpec {
  return { ...outputLine(raw), debounceMs: raw.debounceMs ?? 50 };
}
