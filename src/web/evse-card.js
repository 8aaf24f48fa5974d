// One card per EVSE, built once and then updated in place from each status event (GET /api/status's
// EvseStatusView), so that focus, selection and screen readers are not disturbed by the 1 s updates.
import { byTestId, el, formatCurrent, formatDuration, formatEnergy, formatPower, formatTime, setText } from './dom.js';

/** IEC 61851-1 control pilot states, as a driver or installer would say them. */
const VEHICLE_STATES = {
  A: 'A: no vehicle',
  B: 'B: vehicle connected, not charging',
  C: 'C: vehicle charging',
  D: 'D: charging, ventilation required',
  E: 'E: error (pilot shorted or no power)',
  F: 'F: charger not available (pilot fault)',
};

const LIMIT_SOURCES = {
  ChargingStationMaxProfile: 'the CSMS (station maximum profile)',
  TxDefaultProfile: 'the CSMS (default profile)',
  TxProfile: "the CSMS (this session's profile)",
  station: "the station's local limit",
  'grid-meter': 'load balancing (grid meter)',
  'grid-operator': "the grid operator's signal",
  evse: "the EVSE's own maximum",
};

/** What each fault means and what to do about it, for whoever stands at the charger. */
export const FAULT_HELP = {
  'emergency-stop': { title: 'Emergency stop', todo: 'Make sure the area is safe, release (turn) the emergency stop button, then clear the faults.' },
  'rcd-trip': { title: 'Residual current device tripped', todo: 'Find the earth fault first (vehicle, cable, socket), then reset the RCD and clear the faults. If it trips again, call an electrician.' },
  'contactor-welded': { title: 'Contactor welded', todo: 'The contactor does not open: service is needed. Switch the charger off at its breaker and do not use it.' },
  'contactor-failed': { title: 'Contactor does not close', todo: "Check the contactor's coil supply and its feedback wiring; if it persists, service is needed." },
  meter: { title: 'Energy meter', todo: "Check the meter's RS485 wiring (A/B not swapped, termination, meter powered) and its address and baud rate in the config." },
  overcurrent: { title: 'Overcurrent', todo: 'The vehicle drew more than offered: unplug, check the vehicle and the cable, then clear the faults.' },
  vehicle: { title: 'Vehicle error', todo: 'The vehicle signals an error on the pilot (diode or state E/F): unplug and plug in again; try another cable or vehicle.' },
  ventilation: { title: 'Ventilation required', todo: 'The vehicle asks for ventilation (state D), which this site does not provide: charge it in a ventilated place.' },
  pilot: { title: 'Control pilot board', todo: "The pilot board does not answer or reports an error: check its wiring (serial / Modbus) and its power supply." },
  'cable-lock': { title: 'Cable lock', todo: 'Push the plug fully in (or pull it gently when unlocking); check the lock actuator and its feedback wiring.' },
};

function faultHelp(kind) {
  return FAULT_HELP[kind] ?? { title: kind, todo: 'See the agent log (journalctl -u evse-agent) for details.' };
}

const AUTHORIZED_BY = { token: 'a card or token at the station', remote: 'the CSMS (remote start)', free: 'free charging' };

const FIELDS = [
  ['Charging state', 'charging-state'],
  ['Vehicle', 'vehicle-state'],
  ['Power', 'power'],
  ['Current', 'currents'],
  ['Session energy', 'energy'],
  ['Session duration', 'duration'],
  ['Limit in force', 'limit'],
  ['Status light', 'led'],
  ['Meter', 'meter-health'],
  ['Pilot', 'pilot-health'],
  ['Authorization', 'authorization'],
];

function buildCard(evseId) {
  const titleId = `evse-${evseId}-title`;
  const facts = el('dl', { class: 'facts' });
  for (const [label, testId] of FIELDS) {
    const value = el('dd', { 'data-testid': testId });
    if (testId === 'currents') {
      value.removeAttribute('data-testid');
      for (const phase of ['L1', 'L2', 'L3']) value.append(el('span', { class: 'phase' }, `${phase} `, el('span', { 'data-testid': `current-${phase}` }, '–')));
    } else if (testId === 'led') {
      // The LED as a picture too: a dot per colour lit, blinking as the LEDs do (text says the same).
      value.append(el('span', { class: 'swatches', 'aria-hidden': 'true' }), el('span', { class: 'led-text', text: '–' }));
    } else value.textContent = '–';
    facts.append(el('dt', { text: label }), value);
  }
  return el(
    'article',
    { class: 'card', 'data-testid': `evse-${evseId}`, 'aria-labelledby': titleId },
    el('div', { class: 'card-head' }, el('h3', { id: titleId, text: `EVSE ${evseId}` }), el('span', { class: 'badge', 'data-testid': 'status', text: '–' })),
    facts,
    el('p', { class: 'trip', 'data-testid': 'safety-trip', hidden: true }),
    el('div', { class: 'faults', 'data-testid': 'faults' }),
  );
}

function connectorStatus(evse) {
  const connectors = evse.connectors ?? [];
  if (connectors.length === 1) return connectors[0].status;
  return connectors.map((c) => `${c.connectorId}: ${c.status}`).join(' · ') || (evse.operative ? 'Available' : 'Unavailable');
}

function chargingState(evse) {
  if (evse.transaction) return evse.transaction.chargingState;
  const states = [...new Set((evse.connectors ?? []).map((c) => c.chargingState))];
  return states.join(' · ') || '–';
}

function vehicleState(evse) {
  if (evse.vehicleState === undefined) {
    // No pilot board: only the plug detection says whether a cable is in.
    return (evse.connectors ?? []).some((c) => c.plugged) ? 'plugged in' : 'not plugged in';
  }
  if (evse.vehicleState === null) return 'unknown (pilot board not read yet)';
  return VEHICLE_STATES[evse.vehicleState] ?? evse.vehicleState;
}

function ledText(leds) {
  if (!leds) return 'none';
  const colours = leds.colours && leds.colours.length > 0 ? leds.colours.join(' + ') : 'off';
  return `${colours}, ${leds.pattern} (${leds.state})`;
}

function renderLed(container, leds) {
  setText(container.querySelector('.led-text'), ledText(leds));
  const key = leds ? `${leds.colours.join('+')}/${leds.pattern}` : '';
  const swatches = container.querySelector('.swatches');
  if (swatches.dataset.key === key) return;
  swatches.dataset.key = key;
  const lit = leds && leds.pattern !== 'off' ? leds.colours : [];
  swatches.replaceChildren(...lit.map((colour) => el('span', { class: `swatch swatch-${colour} ${leds.pattern}` })));
}

function meterHealth(meter) {
  if (!meter) return 'no meter configured';
  const parts = [`${meter.name}: ${meter.health}`];
  if (meter.failure) parts.push(meter.failure);
  if (meter.latest) parts.push(meter.latest.stale ? `last good reading ${formatDuration(meter.latest.ageS)} ago` : `read ${formatDuration(meter.latest.ageS)} ago`);
  if (meter.registerWh !== null && meter.registerWh !== undefined) parts.push(`register ${formatEnergy(meter.registerWh)}`);
  return parts.join(' · ');
}

function pilotHealth(pilot) {
  if (!pilot) return 'no pilot board (plug detection only)';
  const parts = [`${pilot.name}: ${pilot.health}`];
  if (pilot.failure) parts.push(pilot.failure);
  if (pilot.boardErrors && pilot.boardErrors.length > 0) parts.push(`board errors: ${pilot.boardErrors.join(', ')}`);
  if (pilot.cableRatingA !== undefined) parts.push(`cable ${pilot.cableRatingA} A`);
  return parts.join(' · ');
}

function renderFaults(container, faults) {
  const key = JSON.stringify(faults.map((f) => [f.fault, f.cause, f.scope]));
  if (container.dataset.key === key) return;
  container.dataset.key = key;
  if (faults.length === 0) {
    container.replaceChildren(el('p', { class: 'ok', text: 'No active faults.' }));
    return;
  }
  const list = el('ul', { class: 'fault-list' });
  for (const fault of faults) {
    const help = faultHelp(fault.fault);
    list.append(
      el(
        'li',
        { class: 'fault', 'data-testid': `fault-${fault.fault}` },
        el('strong', { text: help.title }),
        el('span', { class: 'muted', text: ` ${fault.scope === 'station' ? 'whole station' : 'this EVSE'}${fault.since ? `, since ${formatTime(fault.since)}` : ''}` }),
        el('p', { 'data-testid': 'fault-cause' }, 'Cause: ', fault.cause),
        el('p', { 'data-testid': 'fault-todo' }, 'What to do: ', help.todo),
      ),
    );
  }
  container.replaceChildren(el('h4', { text: 'Active faults' }), list);
}

/** Updates (or first builds) the card; returns what changed worth announcing. */
export function renderEvse(container, evse, serverNowMs) {
  let card = byTestId(container, `evse-${evse.evseId}`);
  if (!card) {
    card = buildCard(evse.evseId);
    container.append(card);
  }
  const before = card.dataset.summary;
  const field = (id) => byTestId(card, id);
  const status = connectorStatus(evse);
  const state = chargingState(evse);
  setText(field('status'), evse.operative ? status : `${status} (inoperative)`);
  field('status').dataset.status = state === 'Charging' ? 'charging' : (evse.connectors?.[0]?.status ?? '').toLowerCase();
  setText(field('charging-state'), state);
  setText(field('vehicle-state'), vehicleState(evse));

  const latest = evse.meter?.latest ?? null;
  const power = field('power');
  const watts = latest?.powerW;
  setText(power, `${formatPower(watts)}${latest?.stale ? ' (stale)' : ''}`);
  power.dataset.value = watts === undefined || watts === null ? '' : String(Math.round(watts));
  for (const phase of ['L1', 'L2', 'L3']) setText(field(`current-${phase}`), formatCurrent(latest?.[`current${phase}A`]));

  const tx = evse.transaction;
  const energy = field('energy');
  setText(energy, tx ? formatEnergy(tx.energyWh) : 'no session');
  energy.dataset.value = tx ? String(tx.energyWh) : '0';
  const duration = field('duration');
  const seconds = tx ? Math.max(0, Math.round((serverNowMs - Date.parse(tx.startedAt)) / 1000)) : 0;
  setText(duration, tx ? formatDuration(seconds) : 'no session');
  duration.dataset.value = String(seconds);

  const limit = evse.limit;
  const offered = evse.offeredCurrentA !== undefined ? `; offered to the vehicle now ${evse.offeredCurrentA} A` : '';
  setText(field('limit'), limit ? `${limit.valueA} A per phase, set by ${LIMIT_SOURCES[limit.source] ?? limit.source}${offered}` : '–');
  renderLed(field('led'), evse.leds);
  setText(field('meter-health'), meterHealth(evse.meter));
  setText(field('pilot-health'), pilotHealth(evse.pilot));
  const auth = evse.authorization;
  setText(field('authorization'), auth ? `${auth.text}, by ${AUTHORIZED_BY[auth.by] ?? auth.by}` : 'none');

  const trip = field('safety-trip');
  trip.hidden = !evse.safetyTrip;
  if (evse.safetyTrip) setText(trip, `Stopped by a safety trip (${faultHelp(evse.safetyTrip.cause).title}); charging resumes ${evse.safetyTrip.resumesWith}.`);
  renderFaults(field('faults'), evse.faults ?? []);

  const faultNames = (evse.faults ?? []).map((f) => faultHelp(f.fault).title);
  const summary = `EVSE ${evse.evseId}: ${status}, ${state}${faultNames.length ? `; fault: ${faultNames.join(', ')}` : ''}`;
  card.dataset.summary = summary;
  return before !== undefined && before !== summary ? summary : undefined;
}
