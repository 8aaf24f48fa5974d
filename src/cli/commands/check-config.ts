import { ConfigError, loadConfig, type LoadedConfig, type Warning } from '../../config/load-config.js';
import type { PilotConfig, SupplyConfig } from '../../config/station-config.js';
import { describeLink } from '../../hal/drivers/modbus/modbus-bus.js';
import { EXIT } from '../../process/lifecycle.js';
import { formatProblem } from '../../util/json-schema.js';
import type { CliIo } from '../io.js';

export function printWarnings(io: CliIo, warnings: Warning[]): void {
  for (const w of warnings) io.stderr.write(`warning: ${w.path}: ${w.message}\n`);
}

/** Prints every problem of a config that does not load; returns the exit code (78). */
export function printConfigError(io: CliIo, err: ConfigError): number {
  if (err.unreadable !== undefined) {
    // Not a config with mistakes: no config at all. Say so, naming the file (the error's message).
    io.stderr.write(`${err.message}\n`);
    return EXIT.config;
  }
  io.stderr.write(`${err.file}: invalid configuration (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}):\n`);
  for (const p of err.problems) io.stderr.write(`  ${formatProblem(p)}\n`);
  if (err.stage === 'syntax' || err.stage === 'schema') {
    io.stderr.write(`more checks follow once ${err.problems.length === 1 ? 'this is' : 'these are'} fixed (meter profiles, secret files, serial lines, GPIO line conflicts, ids)\n`);
  }
  return EXIT.config;
}

/** Loads a config, printing problems (and warnings, unless the caller logs them); the exit code when invalid. */
export function loadConfigForCommand(io: CliIo, file: string, options: { printWarnings?: boolean } = {}): LoadedConfig | number {
  try {
    const loaded = loadConfig(file);
    if (options.printWarnings !== false) printWarnings(io, loaded.warnings);
    return loaded;
  } catch (err) {
    if (err instanceof ConfigError) return printConfigError(io, err);
    throw err;
  }
}

function describePilot(p: PilotConfig): string {
  if (p.driver === 'openevse') return `openevse on ${p.port} at ${p.baudRate ?? 115200} baud`;
  if (p.link) return `${p.profile?.id ?? 'evse-wb'} (${p.driver}, ${describeLink(p.link)} unit ${p.unitId})`;
  return `${p.profile?.id ?? 'evse-wb'} (${p.driver}, in-process)`;
}

function describeSupply(s: SupplyConfig): string {
  const parts: string[] = [];
  if (s.maxCurrentA !== undefined) parts.push(`${s.maxCurrentA} A per phase shared`);
  const g = s.gridMeter;
  if (g) parts.push(`grid meter ${g.meter.profile.id} (${g.meter.driver}, ${g.meter.link ? `${describeLink(g.meter.link)} unit ${g.meter.unitId}` : 'in-process'}), fuse ${g.mainFuseA} A less ${g.marginA} A`);
  if (s.gridOperator) parts.push(`grid operator on BCM ${s.gridOperator.line.line}: ${s.gridOperator.maxPowerW} W while active`);
  return parts.length > 0 ? parts.join('; ') : 'no limits';
}

/** A short summary of a valid config. Never shows a secret, only where it comes from. */
export function summarise({ config: c }: LoadedConfig): string {
  const lines: string[] = [];
  const url = `${c.ocpp.url.replace(/\/+$/, '')}/${encodeURIComponent(c.station.identity)}`;
  const auth = c.ocpp.password ? `, password from ${c.ocpp.passwordSource === 'inline' ? 'the config file' : c.ocpp.passwordSource}` : '';
  lines.push(`station  ${c.station.identity} (${c.station.vendor} ${c.station.model})`);
  lines.push(`ocpp     ${c.ocpp.version} at ${url}, security profile ${c.ocpp.securityProfile}${auth}`);
  for (const e of c.evses) {
    const m = e.meter;
    const where = m.link ? `${describeLink(m.link)} unit ${m.unitId}` : 'in-process';
    lines.push(`evse ${e.id}   ${e.phases} phase${e.phases === 1 ? '' : 's'}, ${e.maxCurrentA} A, ${e.connectors.length} connector${e.connectors.length === 1 ? '' : 's'}; meter ${m.profile.id} (${m.driver}, ${where})`);
    if (e.pilot) lines.push(`         pilot ${describePilot(e.pilot)}${e.pilot.ventilation ? ', ventilation fitted' : ''}`);
  }
  for (const r of c.readers) lines.push(`reader   ${r.name}: ${r.driver}${r.device ? ` on ${r.device}` : ''}, EVSE ${r.evseId}`);
  lines.push(`gpio     ${c.gpio.driver}${c.gpio.chip ? ` on ${c.gpio.chip}` : ''}`);
  if (c.inputs.length > 0) lines.push(`inputs   ${c.inputs.map((i) => `${i.name} (${i.function})`).join(', ')}`);
  if (c.supply) lines.push(`supply   ${describeSupply(c.supply)}`);
  lines.push(`storage  ${c.storage.dir}`);
  const extras = [c.api.token ? 'bearer token required' : 'no token (loopback only)', ...(c.api.allowFaultClearing ? ['fault clearing on'] : []), ...(c.api.simulation ? ['sim routes on'] : [])];
  lines.push(`api      ${c.api.host}:${c.api.port}, ${extras.join(', ')}`);
  return lines.join('\n');
}

export function checkConfigCommand(io: CliIo, file: string): number {
  const loaded = loadConfigForCommand(io, file);
  if (typeof loaded === 'number') return loaded;
  io.stdout.write(`${file}: valid\n${summarise(loaded)}\n`);
  return EXIT.ok;
}
