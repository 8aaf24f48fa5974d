import { setTimeout as delay } from 'node:timers/promises';
import { bootAccepted, type FleetStation } from './fleet.js';
import { drawSession, type ScriptedSession, type SessionStep } from './fleet-profile.js';

// Issue 18, "Many stations in one process": one station of the fleet playing scripted sessions
// through its simulation levers (plug, card, EV current, unplug), at random arrivals.

/** What the fleet's stations did, summed over all of them. */
export interface FleetCounts {
  started: number;
  failed: number;
  /** Sessions whose card was accepted (a transaction started or authorized). */
  sessions: number;
  /** Sessions whose card was refused (or the EVSE was not available). */
  sessionsRefused: number;
  /** Scripts played to their end. */
  sessionsDone: number;
}

export interface SessionPlan {
  sessions: ScriptedSession[];
  /** Sessions per station per hour; gaps drawn from the exponential distribution of this rate. */
  sessionsPerHour: number;
}

/** Resolves after ms, or false at once when the fleet stops (no timer left behind). */
async function pause(ms: number, stop: AbortSignal): Promise<boolean> {
  if (stop.aborted) return false;
  try {
    await delay(ms, undefined, { signal: stop });
    return true;
  } catch {
    return false;
  }
}

/** The station's sessions until `stop`: a gap, a session drawn by weight, played step by step; again. */
export async function playSessions(station: FleetStation, plan: SessionPlan, counts: FleetCounts, stop: AbortSignal, random: () => number = Math.random): Promise<void> {
  if (plan.sessionsPerHour <= 0) return;
  const meanGapMs = 3_600_000 / plan.sessionsPerHour;
  while (await pause(-Math.log(1 - random()) * meanGapMs, stop)) {
    if (!bootAccepted(station)) continue;
    await playSession(station, drawSession(plan.sessions, random()), counts, stop);
  }
}

/** One scripted session; whatever it left (a transaction running, a cable in) is undone at its end. */
export async function playSession(station: FleetStation, session: ScriptedSession, counts: FleetCounts, stop: AbortSignal): Promise<void> {
  const sim = station.agent.hardware.simulation;
  const state: PlayState = { plugged: false, card: undefined };
  let played = 0;
  while (played < session.steps.length && !stop.aborted && (await playStep(station, session.steps[played]!, state, counts, stop))) played++;
  if (played === session.steps.length && !stop.aborted) counts.sessionsDone++;
  // Left plugged: the cable pulled (a transaction still running ends on EVConnected / 1.6 EVDisconnected).
  if (state.plugged) sim.setPlugged(1, 1, false);
}

interface PlayState {
  plugged: boolean;
  card: { idToken: string; type: Extract<SessionStep, { do: 'card' }>['type'] } | undefined;
}

/** Plays one step; false: the session cannot go on (its card refused). */
async function playStep(station: FleetStation, step: SessionStep, state: PlayState, counts: FleetCounts, stop: AbortSignal): Promise<boolean> {
  const { agent, identity } = station;
  const sim = agent.hardware.simulation;
  switch (step.do) {
    case 'plug':
    case 'unplug':
      state.plugged = step.do === 'plug';
      sim.setPlugged(1, 1, state.plugged);
      return true;
    case 'card': {
      const card = { idToken: step.idTag.replace(/\{identity\}/g, identity), type: step.type };
      const result = await agent.station.presentIdToken(1, card);
      if (result.outcome === 'rejected') {
        counts.sessionsRefused++;
        return false;
      }
      if (result.outcome === 'authorized') counts.sessions++;
      state.card = card;
      return true;
    }
    case 'charge': {
      const device = sim.meterDevice(1);
      if (device) sim.setEvCurrent(1, [step.currentA, step.currentA, step.currentA]);
      if (step.seconds === undefined) return untilEnergy(station, step.untilWh!, step.maxSeconds, stop);
      await pause(step.seconds * 1000, stop);
      return true;
    }
    case 'stop':
      // The session's card again stops its transaction (E07; 1.6 StopTransaction reason Local).
      if (state.card && agent.station.transactions().length > 0) await agent.station.presentIdToken(1, state.card);
      return true;
    case 'wait':
      await pause(step.seconds * 1000, stop);
      return true;
  }
}

/** Waits until the EVSE's meter counted `wh` more, at most maxSeconds (a session whose EV never draws ends too). */
async function untilEnergy(station: FleetStation, wh: number, maxSeconds: number, stop: AbortSignal): Promise<boolean> {
  const meter = station.agent.hardware.evses[0]!.meter;
  const startWh = meter.latest?.energyImportWh;
  const endMs = performance.now() + maxSeconds * 1000;
  while (performance.now() < endMs && (await pause(1000, stop))) {
    const nowWh = meter.latest?.energyImportWh;
    if (startWh !== undefined && nowWh !== undefined && nowWh - startWh >= wh) break;
  }
  return true;
}
