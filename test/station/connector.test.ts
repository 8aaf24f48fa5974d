import assert from 'node:assert/strict';
import { initialConnectorInputs } from '../../src/station/connector-state.js';
import { Connector } from '../../src/station/connector.js';

describe('Connector: publishing its state', () => {
  it('a dispatch from a subscriber, while a state is being delivered, reaches every subscriber after that state, in order', () => {
    const c = new Connector(1, 1, { ...initialConnectorInputs(32), meter: 'ok' });
    const first: string[] = [];
    const later: string[] = [];
    const seenInside: string[] = [];
    // As free charging does: authorize on the status the plug causes.
    c.status$.subscribe((status) => {
      first.push(status);
      if (status === 'Occupied' && !c.inputs.authorized) {
        c.dispatch({ type: 'Authorized' });
        // The state itself changes at once: whoever reads it gets the latest.
        seenInside.push(c.view.chargingState);
      }
    });
    c.view$.subscribe((v) => later.push(`${v.status}/${v.chargingState}`));
    c.dispatch({ type: 'Plugged' });
    assert.deepEqual(seenInside, ['Charging']);
    assert.deepEqual(first, ['Available', 'Occupied']);
    assert.deepEqual(later, ['Available/Idle', 'Occupied/EVConnected', 'Occupied/Charging'], 'the later subscriber ends on the latest state');
    assert.equal(c.view.chargingState, 'Charging');
  });

  it('a subscriber that joins during a delivery still ends on the latest state', () => {
    const c = new Connector(1, 1, { ...initialConnectorInputs(32), meter: 'ok' });
    const joined: string[] = [];
    c.status$.subscribe((status) => {
      if (status !== 'Occupied') return;
      c.dispatch({ type: 'Authorized' });
      c.view$.subscribe((v) => joined.push(v.chargingState));
    });
    c.dispatch({ type: 'Plugged' });
    assert.equal(joined.at(-1), 'Charging');
  });
});
