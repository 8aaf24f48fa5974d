import { readdirSync } from 'node:fs';
import type { ModbusLink } from '../hal/drivers/modbus/modbus-bus.js';
import { loadPilotProfile, pilotProfileDir, PilotProfileError, resolvePilotProfilePath, type PilotProfile } from '../hal/pilot/profile.js';
import { formatProblem, renderFound } from '../util/json-schema.js';
import type { ConfigContext } from './config-context.js';
import type { RawEvse, RawPilot } from './raw-config.js';
import type { DeviceClaim, LineDevice } from './shared-lines.js';
import type { PilotConfig, PilotDriver } from './station-config.js';

/** The board the first profile describes (EVSE DIN / EVSE-WB), for Modbus and simulated boards alike. */
const DEFAULT_PROFILE = 'evse-wb';
/** As the meter's: a pilot on the meter's line is then timed alike unless the installer says otherwise. */
const TIMING_DEFAULTS = { timeoutMs: 500, interRequestDelayMs: 20 };
/** RAPI's serial speed on the OpenEVSE controller. */
const OPENEVSE_BAUD_RATE = 115200;

/** Keys that belong to some pilot drivers only (a key the driver ignores is a mistake to point at). */
const KEYS_OF_DRIVER: Record<string, PilotDriver[]> = {
  profile: ['modbus-rtu', 'modbus-tcp', 'simulated'],
  port: ['modbus-rtu', 'openevse'],
  baudRate: ['modbus-rtu', 'openevse'],
  parity: ['modbus-rtu'],
  stopBits: ['modbus-rtu'],
  host: ['modbus-tcp'],
  tcpPort: ['modbus-tcp'],
  tcpFraming: ['modbus-tcp'],
  unitId: ['modbus-rtu', 'modbus-tcp', 'simulated'],
  timeoutMs: ['modbus-rtu', 'modbus-tcp'],
  interRequestDelayMs: ['modbus-rtu', 'modbus-tcp'],
};

/** The profiles shipped in hardware/pilots, by name. */
function shippedPilotProfileNames(): string[] {
  return readdirSync(pilotProfileDir)
    .filter((f) => f.endsWith('.json') && f !== 'profile.schema.json')
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * The EVSEs' pilot boards: each one's profile loaded (once per name) and its link resolved. What
 * they open is kept for the station-wide checks: the Modbus lines they share with meters, and the
 * serial ports no other part may open.
 */
export class PilotSection {
  private readonly profiles = new Map<string, PilotProfile | null>();
  private readonly devices: LineDevice[] = [];
  private readonly claims: DeviceClaim[] = [];

  constructor(private readonly ctx: ConfigContext) {}

  /** The pilots on Modbus lines, for checkSharedLines. */
  lineDevices(): LineDevice[] {
    return [...this.devices];
  }

  /** The serial ports the pilots open that are not Modbus lines (OpenEVSE). */
  deviceClaims(): DeviceClaim[] {
    return [...this.claims];
  }

  private profile(p: string, name: string): PilotProfile | undefined {
    if (!this.profiles.has(name)) {
      try {
        this.profiles.set(name, loadPilotProfile(name.includes('/') || name.endsWith('.json') ? this.ctx.resolvePath(name) : name));
      } catch (err) {
        this.profiles.set(name, null);
        if (err instanceof PilotProfileError && err.problems.length === 1 && err.problems[0]?.path === '' && /ENOENT/.test(err.problems[0].found)) {
          this.ctx.problem(p, `a profile name from hardware/pilots (${shippedPilotProfileNames().join(', ')}) or the path of a profile file`, renderFound(name));
        } else if (err instanceof PilotProfileError) {
          this.ctx.problem(p, `a valid pilot profile (${resolvePilotProfilePath(name)}: ${err.problems.map(formatProblem).join('; ')})`, renderFound(name));
        } else {
          this.ctx.problem(p, 'a loadable pilot profile', `${renderFound(name)} (${(err as Error).message})`);
        }
      }
    }
    return this.profiles.get(name) ?? undefined;
  }

  /** Resolves the pilot of the EVSE at /evses/<index>; undefined when it cannot be (reported). */
  pilot(raw: RawPilot, evse: RawEvse, index: number): PilotConfig | undefined {
    const p = `/evses/${index}/pilot`;
    for (const [key, value] of Object.entries(raw)) {
      const drivers = KEYS_OF_DRIVER[key];
      if (drivers && !drivers.includes(raw.driver)) {
        this.ctx.problem(`${p}/${key}`, `absent with driver "${raw.driver}" (it applies to ${drivers.join(', ')})`, renderFound(value));
      }
    }
    if (evse.connectors.length > 1) {
      // The pilot wire is part of one cable (IEC 61851-1): one board cannot tell two vehicles apart.
      this.ctx.problem(p, `on an EVSE with one connector (a pilot board serves one cable; give each connector an EVSE of its own)`, `${evse.connectors.length} connectors`);
    }
    const what = `the pilot board of EVSE ${evse.id} at ${p}`;
    const base = {
      driver: raw.driver,
      unitId: 1,
      timing: { timeoutMs: raw.timeoutMs ?? TIMING_DEFAULTS.timeoutMs, interRequestDelayMs: raw.interRequestDelayMs ?? TIMING_DEFAULTS.interRequestDelayMs },
      pollIntervalMs: raw.pollIntervalMs,
      failAfterPolls: raw.failAfterPolls,
      ventilation: raw.ventilation,
      releaseTimeoutMs: raw.releaseTimeoutMs,
    };
    if (raw.driver === 'openevse') {
      if (!raw.port) {
        this.ctx.problem(`${p}/port`, 'the serial device of the OpenEVSE controller (driver openevse), e.g. /dev/ttyUSB0', 'nothing');
        return undefined;
      }
      this.claims.push({ device: raw.port, what, path: `${p}/port`, modbusLine: false });
      return { ...base, port: raw.port, baudRate: raw.baudRate ?? OPENEVSE_BAUD_RATE };
    }
    const profile = this.profile(`${p}/profile`, raw.profile ?? DEFAULT_PROFILE);
    if (!profile) return undefined;
    const link = this.link(raw, profile, p);
    if (link === null) return undefined;
    const pilot: PilotConfig = { ...base, profile, link, unitId: raw.unitId ?? profile.serialDefaults?.unitId ?? 1 };
    if (link) {
      this.devices.push({ what, path: p, unitIdPath: raw.unitId !== undefined ? `${p}/unitId` : p, link, unitId: pilot.unitId, timing: pilot.timing });
    }
    return pilot;
  }

  /** The Modbus link: none for a simulated board, null when it is incomplete (reported). */
  private link(raw: RawPilot, profile: PilotProfile, p: string): ModbusLink | undefined | null {
    const d = profile.serialDefaults ?? {};
    if (raw.driver === 'modbus-rtu') {
      if (!raw.port) {
        this.ctx.problem(`${p}/port`, "a serial device path (driver modbus-rtu), e.g. /dev/ttyUSB0: the meter's when the board shares its RS485 line", 'nothing');
        return null;
      }
      return {
        kind: 'rtu',
        path: raw.port,
        baudRate: raw.baudRate ?? d.baudRate ?? 9600,
        parity: raw.parity ?? d.parity ?? 'none',
        stopBits: raw.stopBits ?? d.stopBits ?? 1,
      };
    }
    if (raw.driver === 'modbus-tcp') {
      if (!raw.host) {
        this.ctx.problem(`${p}/host`, 'the host of the board or its Modbus TCP gateway (driver modbus-tcp)', 'nothing');
        return null;
      }
      return { kind: 'tcp', host: raw.host, port: raw.tcpPort ?? 502, framing: raw.tcpFraming ?? 'mbap' };
    }
    return undefined;
  }
}
