import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ModbusLink } from '../hal/drivers/modbus/modbus-bus.js';
import { linkKey } from '../hal/drivers/modbus/modbus-bus.js';
import type { InputLineSpec, OutputLineSpec } from '../hal/gpio/gpio.js';
import { loadMeterProfile, MeterProfileError, resolveProfilePath, shippedProfileNames, type MeterProfile } from '../hal/meter/profile.js';
import { configSchemaPath } from '../paths.js';
import { isLoopbackHost, resolveApiConfig, type RawApiConfig } from './api-config.js';
import { formatProblem, parseJsonText, renderFound, SchemaChecker, type Problem } from '../util/json-schema.js';
import {
  Secret,
  type ConnectorConfig,
  type EvseConfig,
  type LedColour,
  type MeterConfig,
  type MeterDriver,
  type OcppConfig,
  type SafetyInputConfig,
  type StationConfig,
  type ChargingConfig,
} from './station-config.js';

/** A problem that does not stop the agent, e.g. a password file others can read. */
export interface Warning {
  path: string;
  message: string;
}

/** How far checking got: past a syntax or schema problem nothing else was checked yet. */
export type ConfigStage = 'read' | 'syntax' | 'schema' | 'checks';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
    readonly stage: ConfigStage = 'checks',
    /** Stage 'read': why the file cannot be read, in words ("the file does not exist (ENOENT)"). */
    readonly unreadable?: string,
  ) {
    super(
      unreadable !== undefined
        ? `${file}: cannot read the config: ${unreadable}`
        : `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: StationConfig;
  warnings: Warning[];
}

// The file as the schema describes it, after defaults are filled in.
interface RawLine {
  line: number;
  chip?: string;
  activeLow: boolean;
  debounceMs?: number;
}
interface RawMeter {
  driver?: MeterDriver;
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
  retries?: number;
  interRequestDelayMs?: number;
  pollIntervalMs?: number;
  failAfterPolls?: number;
  simulation?: Partial<MeterConfig['simulation']>;
}
interface RawConfig {
  station: { identity: string; vendor: string; model: string; serialNumber?: string };
  ocpp: {
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
  };
  meter: RawMeter;
  gpio: { driver: 'sysfs' | 'simulated'; chip?: string; sysfsRoot: string };
  evses: Array<{
    id: number;
    maxCurrentA: number;
    phases: 1 | 3;
    meter?: RawMeter;
    leds?: Partial<Record<LedColour, RawLine>>;
    connectors: Array<{ id: number; type: string; tethered: boolean; relay: RawLine; lock?: RawLine; relayFeedback?: RawLine; plugDetect?: RawLine }>;
  }>;
  inputs: Record<string, RawLine & { function: 'emergency-stop' | 'rcd-trip'; evseId?: number }>;
  charging: ChargingConfig;
  safety: StationConfig['safety'];
  meterValues: StationConfig['meterValues'];
  ledPatterns: Partial<StationConfig['ledPatterns']>;
  storage: { dir: string; maxQueuedMessages: number };
  api: RawApiConfig;
  log: { level: StationConfig['log']['level'] };
}

let schema: { checker: SchemaChecker<RawConfig>; ledDefaults: StationConfig['ledPatterns'] } | undefined;
/** The compiled schema, and its own LED defaults that a partial ledPatterns is merged over. */
function configSchema(): NonNullable<typeof schema> {
  if (!schema) {
    const doc = JSON.parse(readFileSync(configSchemaPath, 'utf8')) as { properties: { ledPatterns: { default: StationConfig['ledPatterns'] } } };
    const ledDefaults = doc.properties.ledPatterns.default;
    schema = { checker: new SchemaChecker<RawConfig>(doc), ledDefaults };
  }
  return schema;
}

const METER_DEFAULTS = { timeoutMs: 500, retries: 2, interRequestDelayMs: 20, pollIntervalMs: 1000, failAfterPolls: 3 };
const SIMULATION_DEFAULTS: MeterConfig['simulation'] = {
  voltageV: 230,
  voltageNoiseV: 1,
  frequencyHz: 50,
  startEnergyWh: 0,
  evCurrentA: [16, 16, 16],
};
/** Keys that belong to one kind of meter link only. */
const KEYS_OF_DRIVER: Record<string, MeterDriver[]> = {
  port: ['modbus-rtu'],
  baudRate: ['modbus-rtu'],
  parity: ['modbus-rtu'],
  stopBits: ['modbus-rtu'],
  host: ['modbus-tcp'],
  tcpPort: ['modbus-tcp'],
  tcpFraming: ['modbus-tcp'],
  simulation: ['simulated'],
};

function outputLine(raw: RawLine): OutputLineSpec {
  return { line: raw.line, activeLow: raw.activeLow, ...(raw.chip ? { chip: raw.chip } : {}) };
}
function inputLine(raw: RawLine): InputLineSpec {
  return { ...outputLine(raw), debounceMs: raw.debounceMs ?? 50 };
}

/** Checks and resolves everything past the schema; collects problems rather than stopping at the first. */
class Resolver {
  readonly problems: Problem[] = [];
  readonly warnings: Warning[] = [];
  private readonly profiles = new Map<string, MeterProfile | null>();

  constructor(
    private readonly raw: RawConfig,
    private readonly file: string,
  ) {}

  private get dir(): string {
    return path.dirname(this.file);
  }

  problem(p: string, expected: string, found: string): void {
    this.problems.push({ path: p, expected, found });
  }

  private resolvePath(p: string): string {
    return path.resolve(this.dir, p);
  }

  /** Warns when a file holding a secret can be read by users other than its owner and group. */
  private checkSecretFileMode(p: string, file: string): void {
    try {
      const mode = statSync(file).mode;
      if (mode & 0o004) {
        this.warnings.push({
          path: p,
          message: `${file} holds a secret and is readable by every user (mode ${(mode & 0o777).toString(8)}); chmod o-r it`,
        });
      }
    } catch {
      // Unreadable files are reported where they are read.
    }
  }

  private profile(p: string, name: string): MeterProfile | undefined {
    if (!this.profiles.has(name)) {
      try {
        this.profiles.set(name, loadMeterProfile(name.includes('/') || name.endsWith('.json') ? path.resolve(this.dir, name) : name));
      } catch (err) {
        this.profiles.set(name, null);
        if (err instanceof MeterProfileError && err.problems[0]?.path === '' && err.problems.length === 1 && /ENOENT/.test(err.problems[0].found)) {
          this.problem(p, `a profile name from hardware/meters (${shippedProfileNames().join(', ')}) or the path of a profile file`, renderFound(name));
        } else if (err instanceof MeterProfileError) {
          this.problem(p, `a valid meter profile (${resolveProfilePath(name)}: ${err.problems.map(formatProblem).join('; ')})`, renderFound(name));
        } else {
          this.problem(p, 'a loadable meter profile', `${renderFound(name)} (${(err as Error).message})`);
        }
      }
    }
    return this.profiles.get(name) ?? undefined;
  }

  ocpp(): OcppConfig {
    const o = this.raw.ocpp;
    const out: OcppConfig = {
      version: o.version,
      url: o.url,
      securityProfile: o.securityProfile,
      heartbeatIntervalS: o.heartbeatIntervalS,
      messageTimeoutS: o.messageTimeoutS,
      reconnect: o.reconnect,
      webSocketPingIntervalS: o.webSocketPingIntervalS,
      shutdownDeliveryTimeoutS: o.shutdownDeliveryTimeoutS,
    };
    for (const key of ['caFile', 'clientCertificateFile', 'clientKeyFile'] as const) {
      const value = o[key];
      if (value === undefined) continue;
      const file = this.resolvePath(value);
      try {
        readFileSync(file);
        out[key] = file;
      } catch (err) {
        this.problem(`/ocpp/${key}`, 'a readable PEM file', `${renderFound(value)} (${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
    }
    if (out.clientKeyFile) this.checkSecretFileMode('/ocpp/clientKeyFile', out.clientKeyFile);
    if (o.securityProfile === 3 && (!o.clientCertificateFile || !o.clientKeyFile)) {
      this.problem(o.clientCertificateFile ? '/ocpp/clientKeyFile' : '/ocpp/clientCertificateFile', 'a PEM file for security profile 3 (TLS client certificate)', 'nothing');
    }
    if (o.securityProfile < 3 && (o.clientCertificateFile || o.clientKeyFile)) {
      this.problem('/ocpp/securityProfile', '3 when a client certificate is configured', String(o.securityProfile));
    }
    const tls = o.url.startsWith('wss://');
    if (o.password !== undefined && o.passwordFile !== undefined) {
      this.problem('/ocpp/passwordFile', 'absent when /ocpp/password is given (one source of the password)', renderFound(o.passwordFile));
    }
    if (o.password !== undefined) {
      out.password = new Secret(o.password);
      out.passwordSource = 'inline';
      this.checkSecretFileMode('/ocpp/password', this.file);
    } else if (o.passwordFile !== undefined) {
      const file = this.resolvePath(o.passwordFile);
      try {
        const value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
        if (value.length < 16 || value.length > 40) {
          this.problem('/ocpp/passwordFile', `a file holding a password of 16 to 40 characters (${file})`, `${value.length} characters`);
        } else {
          out.password = new Secret(value);
          out.passwordSource = file;
        }
        this.checkSecretFileMode('/ocpp/passwordFile', file);
      } catch (err) {
        this.problem('/ocpp/passwordFile', 'a readable file', `${renderFound(o.passwordFile)} (${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
    }
    const hasPassword = o.password !== undefined || o.passwordFile !== undefined;
    switch (o.securityProfile) {
      case 0:
        if (hasPassword) {
          this.problem('/ocpp/securityProfile', '1 or 2 when a password is set (profile 0 sends no credentials)', '0');
        }
        this.warnAboutProfile0(o.url);
        break;
      case 1:
        if (!hasPassword) this.problem('/ocpp/password', 'a password (or /ocpp/passwordFile) for security profile 1', 'nothing');
        if (tls) this.problem('/ocpp/securityProfile', '2 for a wss:// URL with a password (profile 1 is Basic auth without TLS)', '1');
        break;
      case 2:
        if (!hasPassword) this.problem('/ocpp/password', 'a password (or /ocpp/passwordFile) for security profile 2', 'nothing');
        if (!tls) this.problem('/ocpp/url', 'a wss:// URL for security profile 2 (TLS)', renderFound(o.url));
        break;
      case 3:
        if (!tls) this.problem('/ocpp/url', 'a wss:// URL for security profile 3 (TLS)', renderFound(o.url));
        if (hasPassword) this.problem('/ocpp/password', 'absent for security profile 3 (the client certificate authenticates)', 'a password');
        break;
    }
    return out;
  }

  /** Profile 0 authenticates nobody: fine for a CSMS on this machine, not for one across a network. */
  private warnAboutProfile0(url: string): void {
    let host: string;
    try {
      host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    } catch {
      return;
    }
    if (isLoopbackHost(host)) return;
    this.warnings.push({
      path: '/ocpp/securityProfile',
      message: `security profile 0 to ${host}, which is not this machine: the station sends no credentials, so anything that can reach the CSMS can claim this identity; use 1, 2 or 3 outside development`,
    });
  }

  /** Merges an EVSE's meter over the top-level one and resolves it; p is the EVSE meter's path. */
  meter(top: RawMeter, own: RawMeter | undefined, p: string): MeterConfig | undefined {
    const m: RawMeter = { ...top, ...(own ?? {}) };
    for (const [obj, objPath] of [
      [top, '/meter'],
      [own, p],
    ] as const) {
      if (!obj?.driver) continue;
      for (const key of Object.keys(obj)) {
        const drivers = KEYS_OF_DRIVER[key];
        if (drivers && !drivers.includes(obj.driver)) {
          this.problem(`${objPath}/${key}`, `absent with driver "${obj.driver}" (it applies to ${drivers.join(', ')})`, renderFound((obj as Record<string, unknown>)[key]));
        }
      }
    }
    const where = own?.driver ? p : '/meter';
    if (!m.driver) {
      this.problem(`${where}/driver`, 'one of "modbus-rtu", "modbus-tcp", "simulated"', 'nothing');
      return undefined;
    }
    const profileName = m.profile ?? (m.driver === 'simulated' ? 'eastron-sdm630' : undefined);
    if (!profileName) {
      this.problem(`${own?.profile !== undefined || own?.driver ? p : '/meter'}/profile`, `a meter profile (${shippedProfileNames().join(', ')})`, 'nothing');
      return undefined;
    }
    const profilePath = own?.profile !== undefined ? `${p}/profile` : '/meter/profile';
    const profile = this.profile(profilePath, profileName);
    if (!profile) return undefined;
    const d = profile.serialDefaults ?? {};
    let link: ModbusLink | undefined;
    if (m.driver === 'modbus-rtu') {
      if (!m.port) {
        this.problem(`${where}/port`, 'a serial device path (driver modbus-rtu), e.g. /dev/ttyUSB0', 'nothing');
        return undefined;
      }
      link = {
        kind: 'rtu',
        path: m.port,
        baudRate: m.baudRate ?? d.baudRate ?? 9600,
        parity: m.parity ?? d.parity ?? 'none',
        stopBits: m.stopBits ?? d.stopBits ?? 1,
      };
    } else if (m.driver === 'modbus-tcp') {
      if (!m.host) {
        this.problem(`${where}/host`, 'the host of the meter or gateway (driver modbus-tcp)', 'nothing');
        return undefined;
      }
      link = { kind: 'tcp', host: m.host, port: m.tcpPort ?? 502, framing: m.tcpFraming ?? 'mbap' };
    }
    return {
      driver: m.driver,
      profile,
      ...(link ? { link } : {}),
      unitId: m.unitId ?? d.unitId ?? 1,
      timing: {
        timeoutMs: m.timeoutMs ?? METER_DEFAULTS.timeoutMs,
        interRequestDelayMs: m.interRequestDelayMs ?? METER_DEFAULTS.interRequestDelayMs,
      },
      retries: m.retries ?? METER_DEFAULTS.retries,
      pollIntervalMs: m.pollIntervalMs ?? METER_DEFAULTS.pollIntervalMs,
      failAfterPolls: m.failAfterPolls ?? METER_DEFAULTS.failAfterPolls,
      simulation: { ...SIMULATION_DEFAULTS, ...(top.simulation ?? {}), ...(own?.simulation ?? {}) },
    };
  }

  evses(): EvseConfig[] {
    const out: EvseConfig[] = [];
    const seenIds = new Map<number, number>();
    this.raw.evses.forEach((e, i) => {
      const p = `/evses/${i}`;
      if (seenIds.has(e.id)) this.problem(`${p}/id`, `an id not used by another EVSE (/evses/${seenIds.get(e.id)} has it)`, String(e.id));
      seenIds.set(e.id, i);
      const meter = this.meter(this.raw.meter, e.meter, `${p}/meter`);
      const connectors: ConnectorConfig[] = [];
      const connectorIds = new Map<number, number>();
      e.connectors.forEach((c, j) => {
        if (connectorIds.has(c.id)) {
          this.problem(`${p}/connectors/${j}/id`, `an id not used by another connector of EVSE ${e.id}`, String(c.id));
        }
        connectorIds.set(c.id, j);
        connectors.push({
          id: c.id,
          type: c.type,
          tethered: c.tethered,
          relay: outputLine(c.relay),
          ...(c.lock ? { lock: outputLine(c.lock) } : {}),
          ...(c.relayFeedback ? { relayFeedback: inputLine(c.relayFeedback) } : {}),
          ...(c.plugDetect ? { plugDetect: inputLine(c.plugDetect) } : {}),
        });
      });
      // OCPP numbers connectors 1..n within an EVSE (2.0.1 Part 1, 3-tier model).
      [...connectorIds.keys()].sort((a, b) => a - b).forEach((id, k) => {
        if (id !== k + 1) this.problem(`${p}/connectors/${connectorIds.get(id)}/id`, `connector ids numbered 1..${e.connectors.length} without gaps`, String(id));
      });
      const leds: EvseConfig['leds'] = {};
      for (const [colour, line] of Object.entries(e.leds ?? {}) as Array<[LedColour, RawLine]>) leds[colour] = outputLine(line);
      if (meter && meter.profile.phases === 1 && e.phases === 3) {
        this.warnings.push({ path: `${p}/phases`, message: `EVSE ${e.id} has 3 phases but its meter (${meter.profile.id}) measures one` });
      }
      if (meter) out.push({ id: e.id, maxCurrentA: e.maxCurrentA, phases: e.phases, meter, leds, connectors });
    });
    // OCPP numbers EVSEs 1..n (2.0.1 Part 1, 3-tier model).
    [...seenIds.keys()].sort((a, b) => a - b).forEach((id, k) => {
      if (id !== k + 1) this.problem(`/evses/${seenIds.get(id)}/id`, `EVSE ids numbered 1..${this.raw.evses.length} without gaps`, String(id));
    });
    this.checkSharedMeters(out);
    return out;
  }

  /** Two EVSEs must not bill from one meter, and meters sharing a serial line must agree on its settings. */
  private checkSharedMeters(evses: EvseConfig[]): void {
    const byMeter = new Map<string, number>();
    const byLine = new Map<string, { evse: number; link: ModbusLink }>();
    evses.forEach((e, i) => {
      const link = e.meter.link;
      if (!link) return;
      const key = `${linkKey(link)}#${e.meter.unitId}`;
      const other = byMeter.get(key);
      const p = this.raw.evses[i]?.meter?.unitId !== undefined ? `/evses/${i}/meter/unitId` : `/evses/${i}/meter`;
      if (other !== undefined) {
        this.problem(p, `a meter of its own (EVSE ${other} already reads unit ${e.meter.unitId} on ${linkKey(link)}); set a different unitId`, String(e.meter.unitId));
      }
      byMeter.set(key, e.id);
      const lineKey = linkKey(link);
      const first = byLine.get(lineKey);
      if (first && JSON.stringify(first.link) !== JSON.stringify(link)) {
        this.problem(`/evses/${i}/meter`, `the same serial settings as EVSE ${first.evse} on the shared line ${lineKey}`, JSON.stringify(link));
      }
      if (!first) byLine.set(lineKey, { evse: e.id, link });
    });
  }

  inputs(evseIds: Set<number>): SafetyInputConfig[] {
    return Object.entries(this.raw.inputs).map(([name, i]) => {
      if (i.evseId !== undefined && !evseIds.has(i.evseId)) {
        this.problem(`/inputs/${name}/evseId`, `the id of a configured EVSE (${[...evseIds].join(', ')})`, String(i.evseId));
      }
      return { name, function: i.function, ...(i.evseId !== undefined ? { evseId: i.evseId } : {}), line: inputLine(i) };
    });
  }

  /** A GPIO line drives one thing: the same line as a relay and an LED would switch both. */
  checkLineConflicts(): void {
    const used = new Map<string, string>();
    const visit = (line: RawLine | undefined, p: string): void => {
      if (!line) return;
      const key = `${line.chip ?? this.raw.gpio.chip ?? ''}#${line.line}`;
      const other = used.get(key);
      if (other) this.problem(`${p}/line`, `a line not used elsewhere (BCM ${line.line} is already ${other})`, String(line.line));
      else used.set(key, p);
    };
    this.raw.evses.forEach((e, i) => {
      e.connectors.forEach((c, j) => {
        visit(c.relay, `/evses/${i}/connectors/${j}/relay`);
        visit(c.lock, `/evses/${i}/connectors/${j}/lock`);
        visit(c.relayFeedback, `/evses/${i}/connectors/${j}/relayFeedback`);
        visit(c.plugDetect, `/evses/${i}/connectors/${j}/plugDetect`);
      });
      for (const [colour, line] of Object.entries(e.leds ?? {})) visit(line, `/evses/${i}/leds/${colour}`);
    });
    for (const [name, line] of Object.entries(this.raw.inputs)) visit(line, `/inputs/${name}`);
  }

  charging(): ChargingConfig {
    const c = this.raw.charging;
    if (c.authorization === 'free' && !c.freeIdToken) {
      this.problem('/charging/freeIdToken', 'the id token free charging runs under (charging.authorization is "free")', 'nothing');
    }
    return c;
  }

  api(): StationConfig['api'] {
    return resolveApiConfig(this.raw.api, {
      problem: (p, expected, found) => this.problem(p, expected, found),
      resolvePath: (p) => this.resolvePath(p),
      checkSecretFileMode: (p, file) => this.checkSecretFileMode(p, file),
      file: this.file,
    });
  }

  resolve(): StationConfig {
    const r = this.raw;
    const ocpp = this.ocpp();
    const evses = this.evses();
    const inputs = this.inputs(new Set(r.evses.map((e) => e.id)));
    this.checkLineConflicts();
    return {
      file: this.file,
      station: r.station,
      ocpp,
      gpio: { driver: r.gpio.driver, ...(r.gpio.chip ? { chip: r.gpio.chip } : {}), sysfsRoot: r.gpio.sysfsRoot },
      evses,
      inputs,
      charging: this.charging(),
      safety: r.safety,
      meterValues: r.meterValues,
      ledPatterns: { ...configSchema().ledDefaults, ...r.ledPatterns },
      storage: { dir: this.resolvePath(r.storage.dir), maxQueuedMessages: r.storage.maxQueuedMessages },
      api: this.api(),
      log: r.log,
    };
  }
}

/** Validates a parsed config document; file is used to resolve relative paths and in messages. */
export function resolveConfig(doc: unknown, file: string): LoadedConfig {
  const checked = configSchema().checker.check(doc);
  if (!checked.ok) throw new ConfigError(file, checked.problems, 'schema');
  const resolver = new Resolver(checked.value, path.resolve(file));
  const config = resolver.resolve();
  if (resolver.problems.length > 0) throw new ConfigError(file, resolver.problems);
  return { config, warnings: resolver.warnings };
}

/** Why a file cannot be read, in words, from the error of a read (its code kept in brackets). */
export function unreadableBecause(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'the file does not exist (ENOENT)';
    case 'EACCES':
    case 'EPERM':
      return `it cannot be read: permission denied (${code})`;
    case 'EISDIR':
      return 'it is a folder, not a file (EISDIR)';
    case 'ENOTDIR':
      return 'a folder on its path is a file (ENOTDIR)';
    default:
      return code ?? (err instanceof Error ? err.message : String(err));
  }
}

/** Reads, parses, validates and resolves a config file; throws ConfigError listing every problem. */
export function loadConfig(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', expected: 'a readable config file', found: (err as NodeJS.ErrnoException).code ?? String(err) }], 'read', unreadableBecause(err));
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new ConfigError(file, [parsed.problem], 'syntax');
  return resolveConfig(parsed.value, file);
}
