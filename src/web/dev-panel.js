// The developer panel, shown only with simulated hardware: the simulator's levers under POST /api/sim/...
// (src/api/sim-routes.ts) and the local "clear faults" action, so a session can be driven from the browser.
import { request } from './api.js';
import { el, setText } from './dom.js';

export class DevPanel {
  constructor(root, onError) {
    this.root = root;
    this.onError = onError;
    this.evseKey = '';
    this.inputKey = '';
    this.result = root.querySelector('#dev-result');
    this.tokenInput = root.querySelector('#sim-card-token');
    root.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-lever]');
      if (button) void this.pull(button);
    });
  }

  show(visible) {
    this.root.hidden = !visible;
    document.querySelector('#dev-link').hidden = !visible;
  }

  /** One row of buttons per EVSE (first connector: the simulator plugs per connector, the page per EVSE). */
  setEvses(evses) {
    const key = evses.map((e) => `${e.evseId}:${e.connectors?.[0]?.connectorId ?? 1}:${Boolean(e.pilot)}:${Boolean(e.meter)}`).join(',');
    if (key === this.evseKey) return;
    this.evseKey = key;
    const lever = (testId, text, path, body) => el('button', { type: 'button', 'data-testid': testId, 'data-lever': path, 'data-body': JSON.stringify(body ?? {}), text });
    this.root.querySelector('#dev-evses').replaceChildren(
      ...evses.map((e) => {
        const id = e.evseId;
        const connector = e.connectors?.[0]?.connectorId ?? 1;
        return el(
          'fieldset',
          { class: 'buttons' },
          el('legend', { text: `EVSE ${id}` }),
          lever(`sim-plug-${id}`, 'Plug in', `api/sim/evses/${id}/connectors/${connector}/plug`),
          lever(`sim-unplug-${id}`, 'Unplug', `api/sim/evses/${id}/connectors/${connector}/unplug`),
          lever(`sim-card-${id}`, 'Present card', `api/sim/evses/${id}/token`, { card: true }),
          lever(`sim-ev-charging-${id}`, 'Vehicle charges', `api/sim/evses/${id}/ev`, { state: 'charging' }),
          lever(`sim-ev-suspended-${id}`, 'Vehicle pauses', `api/sim/evses/${id}/ev`, { state: 'suspended' }),
          hardwareFaults(e, connector, lever),
        );
      }),
    );
  }

  /** An on/off pair per configured fault input (config "inputs": emergency stop, RCD, ...). */
  setInputs(names) {
    const key = names.join(',');
    if (key === this.inputKey) return;
    this.inputKey = key;
    const container = this.root.querySelector('#dev-inputs');
    if (names.length === 0) {
      container.replaceChildren(el('p', { class: 'muted', text: 'None configured.' }));
      return;
    }
    container.replaceChildren(
      ...names.map((name) => {
        const path = `api/sim/inputs/${encodeURIComponent(name)}`;
        return el(
          'fieldset',
          { class: 'buttons' },
          el('legend', { text: name }),
          el('button', { type: 'button', 'data-testid': `sim-input-${name}-on`, 'data-lever': path, 'data-body': '{"active":true}', text: `Raise ${name}` }),
          el('button', { type: 'button', 'data-testid': `sim-input-${name}-off`, 'data-lever': path, 'data-body': '{"active":false}', text: `Release ${name}` }),
        );
      }),
    );
  }

  async pull(button) {
    let body = JSON.parse(button.dataset.body || '{}');
    if (body.card) {
      const idToken = this.tokenInput.value.trim();
      if (!idToken) {
        setText(this.result, 'Type a card id token first.');
        this.tokenInput.focus();
        return;
      }
      body = { idToken, type: 'ISO14443' };
    }
    // Not disabled while waiting: a disabled button loses the keyboard focus.
    if (button.getAttribute('aria-busy') === 'true') return;
    button.setAttribute('aria-busy', 'true');
    try {
      const answer = await request(button.dataset.lever, { method: 'POST', body });
      setText(this.result, `${button.textContent}: ${describe(answer)}`);
    } catch (err) {
      setText(this.result, `${button.textContent} failed: ${err.message}`);
      this.onError(err);
    } finally {
      button.removeAttribute('aria-busy');
    }
  }

  async clearFaults() {
    try {
      const answer = await request('api/faults/clear', { method: 'POST', body: {} });
      setText(this.result, `Clear faults: ${describe(answer)}`);
    } catch (err) {
      setText(this.result, `Clear faults failed: ${err.message}`);
      this.onError(err);
    }
  }
}

/** The simulated hardware's own faults (sim-routes.ts): a silent meter, a welded contactor, a vehicle's pilot fault. */
function hardwareFaults(evse, connector, lever) {
  const id = evse.evseId;
  const buttons = [];
  if (evse.meter) {
    buttons.push(lever(`sim-meter-silent-${id}`, 'Meter goes silent', `api/sim/evses/${id}/meter`, { fault: 'silent' }));
    buttons.push(lever(`sim-meter-ok-${id}`, 'Meter answers again', `api/sim/evses/${id}/meter`, { fault: 'none' }));
  }
  buttons.push(lever(`sim-contactor-welded-${id}`, 'Contactor welds', `api/sim/evses/${id}/connectors/${connector}/contactor`, { fault: 'welded' }));
  buttons.push(lever(`sim-contactor-ok-${id}`, 'Contactor repaired', `api/sim/evses/${id}/connectors/${connector}/contactor`, { fault: 'none' }));
  if (evse.pilot) {
    buttons.push(lever(`sim-vehicle-diode-${id}`, 'Vehicle diode fault', `api/sim/evses/${id}/vehicle`, { fault: 'diode-short' }));
    buttons.push(lever(`sim-vehicle-ok-${id}`, 'Vehicle fault gone', `api/sim/evses/${id}/vehicle`, { fault: 'none' }));
  }
  return el('details', { class: 'more' }, el('summary', { text: 'Hardware faults' }), el('div', { class: 'buttons' }, ...buttons));
}

function describe(answer) {
  if (answer && typeof answer === 'object' && 'status' in answer) return String(answer.status);
  return answer?.ok ? 'done' : JSON.stringify(answer);
}
