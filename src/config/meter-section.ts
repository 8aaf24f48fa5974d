import type { ModbusLink } from '../hal/drivers/modbus/modbus-bus.js';
import { loadMeterProfile, MeterProfileError, resolveProfilePath, shippedProfileNames, type MeterProfile } from '../hal/meter/profile.js';
import { formatProblem, renderFound } from '../util/json-schema.js';
import type { ConfigContext } from './config-context.js';
import type { RawEvse, RawMeter } from './raw-config.js';
import type { LineDevice } from './shared-lines.js';
import type { EvseConfig, MeterConfig, MeterDriver } from './station-config.js';

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

/**
 * The meters of one config: each EVSE's meter merged over the top-level one, its profile loaded
 * (once per name, however many EVSEs use it) and its Modbus link resolved.
 */
export class MeterSection {
  private readonly profiles = new Map<string, MeterProfile | null>();

  constructor(private readonly ctx: ConfigContext) {}

  private profile(p: string, name: string): MeterProfile | undefined {
    if (!this.profiles.has(name)) {
      try {
        this.profiles.set(name, loadMeterProfile(name.includes('/') || name.endsWith('.json') ? this.ctx.resolvePath(name) : name));
      } catch (err) {
        this.profiles.set(name, null);
        if (err instanceof MeterProfileError && err.problems[0]?.path === '' && err.problems.length === 1 && /ENOENT/.test(err.problems[0].found)) {
          this.ctx.problem(p, `a profile name from hardware/meters (${shippedProfileNames().join(', ')}) or the path of a profile file`, renderFound(name));
        } else if (err instanceof MeterProfileError) {
          this.ctx.problem(p, `a valid meter profile (${resolveProfilePath(name)}: ${err.problems.map(formatProblem).join('; ')})`, renderFound(name));
        } else {
          this.ctx.problem(p, 'a loadable meter profile', `${renderFound(name)} (${(err as Error).message})`);
        }
      }
    }
    return this.profiles.get(name) ?? undefined;
  }

  /** Merges an EVSE's meter over the top-level one and resolves it; p is the EVSE meter's path. */
  meter(top: RawMeter, own: RawMeter | undefined, p: string): MeterConfig | undefined {
    const m: RawMeter = { ...top, ...own };
    for (const [obj, objPath] of [
      [top, '/meter'],
      [own, p],
    ] as const) {
      if (!obj?.driver) continue;
      for (const key of Object.keys(obj)) {
        const drivers = KEYS_OF_DRIVER[key];
        if (drivers && !drivers.includes(obj.driver)) {
          this.ctx.problem(`${objPath}/${key}`, `absent with driver "${obj.driver}" (it applies to ${drivers.join(', ')})`, renderFound((obj as Record<string, unknown>)[key]));
        }
      }
    }
    const where = own?.driver ? p : '/meter';
    if (!m.driver) {
      this.ctx.problem(`${where}/driver`, 'one of "modbus-rtu", "modbus-tcp", "simulated"', 'nothing');
      return undefined;
    }
    const profileName = m.profile ?? (m.driver === 'simulated' ? 'eastron-sdm630' : undefined);
    if (!profileName) {
      this.ctx.problem(`${own?.profile !== undefined || own?.driver ? p : '/meter'}/profile`, `a meter profile (${shippedProfileNames().join(', ')})`, 'nothing');
      return undefined;
    }
    const profilePath = own?.profile !== undefined ? `${p}/profile` : '/meter/profile';
    const profile = this.profile(profilePath, profileName);
    if (!profile) return undefined;
    const link = this.link(m, profile, where);
    if (link === null) return undefined;
    const d = profile.serialDefaults ?? {};
    return {
      driver: m.driver,
      profile,
      link,
      unitId: m.unitId ?? d.unitId ?? 1,
      timing: {
        timeoutMs: m.timeoutMs ?? METER_DEFAULTS.timeoutMs,
        interRequestDelayMs: m.interRequestDelayMs ?? METER_DEFAULTS.interRequestDelayMs,
      },
      retries: m.retries ?? METER_DEFAULTS.retries,
      pollIntervalMs: m.pollIntervalMs ?? METER_DEFAULTS.pollIntervalMs,
      failAfterPolls: m.failAfterPolls ?? METER_DEFAULTS.failAfterPolls,
      simulation: { ...SIMULATION_DEFAULTS, ...top.simulation, ...own?.simulation },
    };
  }

  /** The Modbus link of a merged meter: none for a simulated one, null when it is incomplete (reported). */
  private link(m: RawMeter, profile: MeterProfile, where: string): ModbusLink | undefined | null {
    const d = profile.serialDefaults ?? {};
    if (m.driver === 'modbus-rtu') {
      if (!m.port) {
        this.ctx.problem(`${where}/port`, 'a serial device path (driver modbus-rtu), e.g. /dev/ttyUSB0', 'nothing');
        return null;
      }
      return {
        kind: 'rtu',
        path: m.port,
        baudRate: m.baudRate ?? d.baudRate ?? 9600,
        parity: m.parity ?? d.parity ?? 'none',
        stopBits: m.stopBits ?? d.stopBits ?? 1,
      };
    }
    if (m.driver === 'modbus-tcp') {
      if (!m.host) {
        this.ctx.problem(`${where}/host`, 'the host of the meter or gateway (driver modbus-tcp)', 'nothing');
        return null;
      }
      return { kind: 'tcp', host: m.host, port: m.tcpPort ?? 502, framing: m.tcpFraming ?? 'mbap' };
    }
    return undefined;
  }

  /**
   * The meters on Modbus lines, for checkSharedLines: two EVSEs must not bill from one meter, and
   * meters sharing a serial line (with each other or with pilot boards) must agree on its settings.
   */
  lineDevices(evses: EvseConfig[], raw: RawEvse[]): LineDevice[] {
    const devices: LineDevice[] = [];
    for (const e of evses) {
      const link = e.meter.link;
      const i = raw.findIndex((r) => r.id === e.id);
      if (!link || i < 0) continue;
      const own = raw[i]?.meter;
      devices.push({
        what: `the meter of EVSE ${e.id} at ${own ? `/evses/${i}/meter` : '/meter'}`,
        path: `/evses/${i}/meter`,
        unitIdPath: own?.unitId !== undefined ? `/evses/${i}/meter/unitId` : `/evses/${i}/meter`,
        link,
        unitId: e.meter.unitId,
        timing: e.meter.timing,
      });
    }
    return devices;
  }
}
