import type { ConfigContext } from './config-context.js';
import type { MeterSection } from './meter-section.js';
import type { PilotSection } from './pilot-section.js';
import { inputLine, outputLine, type RawConfig, type RawLine } from './raw-config.js';
import type { ConnectorConfig, EvseConfig, LedColour, SafetyInputConfig } from './station-config.js';

/** The EVSEs: ids numbered 1..n, each with its meter, pilot board, LEDs and connectors (numbered 1..n within it). */
export function resolveEvses(raw: RawConfig, ctx: ConfigContext, meters: MeterSection, pilots: PilotSection): EvseConfig[] {
  const out: EvseConfig[] = [];
  const seenIds = new Map<number, number>();
  raw.evses.forEach((e, i) => {
    const p = `/evses/${i}`;
    if (seenIds.has(e.id)) ctx.problem(`${p}/id`, `an id not used by another EVSE (/evses/${seenIds.get(e.id)} has it)`, String(e.id));
    seenIds.set(e.id, i);
    const meter = meters.meter(raw.meter, e.meter, `${p}/meter`);
    const pilot = e.pilot ? pilots.pilot(e.pilot, e, i) : undefined;
    const connectors: ConnectorConfig[] = [];
    const connectorIds = new Map<number, number>();
    e.connectors.forEach((c, j) => {
      if (connectorIds.has(c.id)) {
        ctx.problem(`${p}/connectors/${j}/id`, `an id not used by another connector of EVSE ${e.id}`, String(c.id));
      }
      connectorIds.set(c.id, j);
      if (c.lockFeedback && !c.lock) ctx.problem(`${p}/connectors/${j}/lockFeedback`, 'a lock line beside it (the feedback of which lock?)', 'lockFeedback without lock');
      connectors.push({
        id: c.id,
        type: c.type,
        tethered: c.tethered,
        relay: outputLine(c.relay),
        lock: c.lock ? outputLine(c.lock) : undefined,
        lockFeedback: c.lockFeedback ? inputLine(c.lockFeedback) : undefined,
        relayFeedback: c.relayFeedback ? inputLine(c.relayFeedback) : undefined,
        plugDetect: c.plugDetect ? inputLine(c.plugDetect) : undefined,
      });
    });
    // OCPP numbers connectors 1..n within an EVSE (2.0.1 Part 1, 3-tier model).
    [...connectorIds.keys()].sort((a, b) => a - b).forEach((id, k) => {
      if (id !== k + 1) ctx.problem(`${p}/connectors/${connectorIds.get(id)}/id`, `connector ids numbered 1..${e.connectors.length} without gaps`, String(id));
    });
    const leds: EvseConfig['leds'] = {};
    for (const [colour, line] of Object.entries(e.leds ?? {}) as Array<[LedColour, RawLine]>) leds[colour] = outputLine(line);
    if (meter && meter.profile.phases === 1 && e.phases === 3) {
      ctx.warn(`${p}/phases`, `EVSE ${e.id} has 3 phases but its meter (${meter.profile.id}) measures one`);
    }
    if (meter) out.push({ id: e.id, maxCurrentA: e.maxCurrentA, phases: e.phases, meter, pilot, leds, connectors });
  });
  // OCPP numbers EVSEs 1..n (2.0.1 Part 1, 3-tier model).
  [...seenIds.keys()].sort((a, b) => a - b).forEach((id, k) => {
    if (id !== k + 1) ctx.problem(`/evses/${seenIds.get(id)}/id`, `EVSE ids numbered 1..${raw.evses.length} without gaps`, String(id));
  });
  // The lines they share (with each other and the grid meter) are checked once all are known (load-config.ts).
  return out;
}

/** The safety inputs (emergency stop, RCD), each for the station or for one configured EVSE. */
export function resolveInputs(raw: RawConfig, ctx: ConfigContext): SafetyInputConfig[] {
  const evseIds = new Set(raw.evses.map((e) => e.id));
  return Object.entries(raw.inputs).map(([name, i]) => {
    if (i.evseId !== undefined && !evseIds.has(i.evseId)) {
      ctx.problem(`/inputs/${name}/evseId`, `the id of a configured EVSE (${[...evseIds].join(', ')})`, String(i.evseId));
    }
    return { name, function: i.function, evseId: i.evseId, line: inputLine(i) };
  });
}

/** A GPIO line drives one thing: the same line as a relay and an LED would switch both. */
export function checkLineConflicts(raw: RawConfig, ctx: ConfigContext): void {
  const used = new Map<string, string>();
  const visit = (line: RawLine | undefined, p: string): void => {
    if (!line) return;
    const key = `${line.chip ?? raw.gpio.chip ?? ''}#${line.line}`;
    const other = used.get(key);
    if (other) ctx.problem(`${p}/line`, `a line not used elsewhere (BCM ${line.line} is already ${other})`, String(line.line));
    else used.set(key, p);
  };
  raw.evses.forEach((e, i) => {
    e.connectors.forEach((c, j) => {
      visit(c.relay, `/evses/${i}/connectors/${j}/relay`);
      visit(c.lock, `/evses/${i}/connectors/${j}/lock`);
      visit(c.lockFeedback, `/evses/${i}/connectors/${j}/lockFeedback`);
      visit(c.relayFeedback, `/evses/${i}/connectors/${j}/relayFeedback`);
      visit(c.plugDetect, `/evses/${i}/connectors/${j}/plugDetect`);
    });
    for (const [colour, line] of Object.entries(e.leds ?? {})) visit(line, `/evses/${i}/leds/${colour}`);
  });
  for (const [name, line] of Object.entries(raw.inputs)) visit(line, `/inputs/${name}`);
  visit(raw.supply?.gridOperator, '/supply/gridOperator');
}
