import { startWith, type Subscription } from 'rxjs';
import type { ConnectorConfig, StationConfig } from '../../../config/station-config.js';
import { inactiveLevel, type DigitalOutput, type InputLineSpec } from '../../gpio/gpio.js';
import type { SimulatedWorld } from '../../simulated-world.js';
import type { MeterPhysics } from './meter-physics.js';
import type { SimulatedPilotBoard } from './simulated-pilot.js';

/**
 * What makes GPIO-line drivers simulated drivers: the simulated world's physics wired to the
 * world's lines. The hardware factory calls these only when the lines are the world's; the
 * drivers on the lines (drivers/gpio) are the same as on a real board.
 */

const levelOf = (active: boolean, spec: InputLineSpec): 0 | 1 => (active !== spec.activeLow ? 1 : 0);

/**
 * Simulated inputs start at rest (not plugged, no fault, no grid operator signal), whatever their
 * polarity, unless the world has them otherwise already (a vehicle still plugged in after a restart).
 */
export function restSimulatedInputs(world: SimulatedWorld, config: StationConfig): void {
  const gpio = world.gpio;
  const atRest = (spec: InputLineSpec | undefined): void => {
    if (spec && !gpio.hasLevel(spec)) gpio.setInputLevel(spec, inactiveLevel(spec));
  };
  for (const e of config.evses) {
    for (const c of e.connectors) for (const spec of [c.plugDetect, c.relayFeedback]) atRest(spec);
  }
  for (const i of config.inputs) atRest(i.line);
  atRest(config.supply?.gridOperator?.line);
}

/**
 * Wires a connector's outputs to the world, before its inputs are opened: the relay drives a
 * simulated contactor's coil, whose auxiliary contact (the feedback input) follows the main
 * contacts, which may misbehave; the lock output drives a simulated cable lock, whose feedback
 * contact follows the pin, which may jam.
 */
export function wireConnectorToWorld(
  world: SimulatedWorld,
  evseId: number,
  connector: ConnectorConfig,
  outputs: { relay: DigitalOutput; lock?: DigitalOutput },
): Subscription[] {
  const gpio = world.gpio;
  const subscriptions: Subscription[] = [];
  const contactor = world.contactor(evseId, connector.id);
  subscriptions.push(outputs.relay.active$.subscribe((on) => contactor.setCoil(on)));
  const relayFeedback = connector.relayFeedback;
  if (relayFeedback) subscriptions.push(contactor.contactClosed$.subscribe((closed) => gpio.setInputLevel(relayFeedback, levelOf(closed, relayFeedback))));
  if (outputs.lock) {
    const cableLock = world.cableLock(evseId, connector.id);
    subscriptions.push(outputs.lock.active$.subscribe((on) => cableLock.setActuator(on)));
    const lockFeedback = connector.lockFeedback;
    if (lockFeedback) subscriptions.push(cableLock.holding$.subscribe((holding) => gpio.setInputLevel(lockFeedback, levelOf(holding, lockFeedback))));
  }
  return subscriptions;
}

/**
 * With a simulated pilot board the meter measures what the vehicle behind it draws: the offered
 * current, at most the vehicle's limit, on each of the EVSE's `phases` while it is in C or D
 * (IEC 61851-1), nothing in A or B. The contactor still decides whether any of it flows (wired by
 * the hardware factory). Followed at once and on every change of offer or vehicle.
 */
export function wireMeterToPilotBoard(board: SimulatedPilotBoard, physics: MeterPhysics, phases: number): Subscription {
  physics.setEvDrawing(true);
  return board.changes$.pipe(startWith(undefined)).subscribe(() => {
    const amps = board.drawnCurrentA;
    physics.setEvCurrent(Array.from({ length: physics.phases }, (_, i) => (i < phases ? amps : 0)));
  });
}
