import { ConfigError, loadConfig, type LoadedConfig } from '../config/load-config.js';
import type { EvseConfig, StationConfig } from '../config/station-config.js';
import { summarise } from '../cli/commands/check-config.js';
import { describeLink } from '../hal/drivers/modbus/modbus-bus.js';
import type { LineAddress } from '../hal/gpio/gpio.js';
import type { HostHealth } from '../process/host-health.js';
import { maskedUrl } from './masking.js';

/**
 * GET /api/installer: what an installer checks on site. The host's health (version, uptime, CPU
 * temperature, free storage), the config the agent runs on, summarised as `evse-agent
 * check-config` prints it (secrets never shown, only where they come from), check-config's
 * verdict on the config file as it is now (an edit made since the start shows here before the
 * restart that would refuse it), and the wiring: which line or bus does what.
 */

export interface InstallerSummary {
  version: string;
  uptimeS: number;
  cpuTemperatureC: number | null;
  storageFreeBytes: number | null;
  config: { file: string; identity: string; ocppVersion: string; csmsUrl: string; securityProfile: number; simulated: boolean; summary: string[] };
  checkConfig: ConfigVerdict;
  wiring: WiringEntry[];
}

export interface ConfigVerdict {
  ok: boolean;
  problems: Array<{ path: string; message: string }>;
  warnings: Array<{ path: string; message: string }>;
}

export type WiringRole = 'meter' | 'pilot' | 'relay' | 'relay-feedback' | 'lock' | 'lock-feedback' | 'plug-detect' | 'led' | 'reader' | 'input';

export interface WiringEntry {
  evseId?: number;
  role: WiringRole;
  /** A reader's or an input's name in the config (the sim routes' /api/sim/inputs/{name}). */
  name?: string;
  what: string;
  where: string;
}

export interface InstallerSources {
  config: StationConfig;
  version: string;
  host: Pick<HostHealth, 'cpuTemperatureC' | 'storageFreeBytes' | 'uptimeS'>;
  simulated: boolean;
  /** check-config's loader (tests: a stand-in); loadConfig by default. */
  load?: (file: string) => LoadedConfig;
}

/** A value found at a path that names a secret is not repeated in the verdict. */
const SECRET_PATH = /password|token|secret|key/i;

/** check-config's verdict on the file now: every problem, or the warnings of a valid config. */
export function configVerdict(file: string, load: (file: string) => LoadedConfig = loadConfig): ConfigVerdict {
  try {
    const loaded = load(file);
    return { ok: true, problems: [], warnings: loaded.warnings.map((w) => ({ path: w.path, message: w.message })) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (err.unreadable !== undefined) return { ok: false, problems: [{ path: '/', message: err.message }], warnings: [] };
    const problems = err.problems.map((p) => ({
      path: p.path || '/',
      message: `must be ${p.expected}, found ${SECRET_PATH.test(p.path) ? '(not shown)' : p.found}`,
    }));
    return { ok: false, problems, warnings: [] };
  }
}

export function installerSummary(s: InstallerSources): InstallerSummary {
  const { config } = s;
  const orNull = (v: number | undefined): number | null => (v === undefined ? null : v);
  return {
    version: s.version,
    uptimeS: s.host.uptimeS(),
    cpuTemperatureC: orNull(s.host.cpuTemperatureC()),
    storageFreeBytes: orNull(s.host.storageFreeBytes()),
    config: {
      file: config.file,
      identity: config.station.identity,
      ocppVersion: config.ocpp.version,
      csmsUrl: maskedUrl(config.ocpp.url),
      securityProfile: config.ocpp.securityProfile,
      simulated: s.simulated,
      // The running config: what check-config printed for it, secrets named by their source only.
      summary: summarise({ config, warnings: [] }).split('\n'),
    },
    checkConfig: configVerdict(config.file, s.load),
    wiring: wiringOf(config),
  };
}

function gpioLine(l: LineAddress & { activeLow?: boolean }): string {
  return `GPIO ${l.line}${l.chip ? ` on ${l.chip}` : ''}${l.activeLow ? ', active low' : ''}`;
}

function evseWiring(e: EvseConfig): WiringEntry[] {
  const entries: WiringEntry[] = [];
  const evseId = e.id;
  const m = e.meter;
  entries.push({ evseId, role: 'meter', what: `${m.profile.id} (${m.driver})`, where: m.link ? `${describeLink(m.link)} unit ${m.unitId}` : 'in-process' });
  const p = e.pilot;
  if (p) {
    const where = p.driver === 'openevse' ? `${p.port ?? '?'} at ${p.baudRate ?? 115200} baud` : p.link ? `${describeLink(p.link)} unit ${p.unitId}` : 'in-process';
    entries.push({ evseId, role: 'pilot', what: `${p.driver === 'openevse' ? 'OpenEVSE' : (p.profile?.id ?? 'evse-wb')} (${p.driver})${p.ventilation ? ', ventilation fitted' : ''}`, where });
  }
  for (const c of e.connectors) {
    const name = `connector ${c.id} (${c.type}${c.tethered ? ', tethered' : ''})`;
    entries.push({ evseId, role: 'relay', what: `${name} contactor`, where: gpioLine(c.relay) });
    if (c.relayFeedback) entries.push({ evseId, role: 'relay-feedback', what: `${name} contactor feedback`, where: gpioLine(c.relayFeedback) });
    if (c.lock) entries.push({ evseId, role: 'lock', what: `${name} cable lock`, where: gpioLine(c.lock) });
    if (c.lockFeedback) entries.push({ evseId, role: 'lock-feedback', what: `${name} cable lock feedback`, where: gpioLine(c.lockFeedback) });
    if (c.plugDetect) entries.push({ evseId, role: 'plug-detect', what: `${name} plug detect`, where: gpioLine(c.plugDetect) });
  }
  for (const [colour, line] of Object.entries(e.leds)) if (line) entries.push({ evseId, role: 'led', what: `${colour} LED`, where: gpioLine(line) });
  return entries;
}

/** The wiring as configured: per EVSE its meter, pilot, relays, locks and LEDs; the readers, inputs and supply. */
export function wiringOf(config: StationConfig): WiringEntry[] {
  const entries = config.evses.flatMap(evseWiring);
  for (const r of config.readers) entries.push({ evseId: r.evseId, role: 'reader', name: r.name, what: `${r.name} (${r.driver})`, where: r.device ?? 'in-process' });
  for (const i of config.inputs) entries.push({ ...(i.evseId !== undefined ? { evseId: i.evseId } : {}), role: 'input', name: i.name, what: `${i.name} (${i.function})`, where: gpioLine(i.line) });
  const g = config.supply?.gridMeter;
  if (g) entries.push({ role: 'meter', what: `grid meter ${g.meter.profile.id} (${g.meter.driver}), fuse ${g.mainFuseA} A`, where: g.meter.link ? `${describeLink(g.meter.link)} unit ${g.meter.unitId}` : 'in-process' });
  const op = config.supply?.gridOperator;
  if (op) entries.push({ role: 'input', what: `grid operator signal (${op.maxPowerW} W while active)`, where: gpioLine(op.line) });
  return entries;
}
