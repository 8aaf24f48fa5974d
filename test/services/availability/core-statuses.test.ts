import assert from 'node:assert/strict';
import { CoreStatuses } from '../../../src/services/availability/core-statuses.js';
import type { ConnectorStatusChanged } from '../../../src/station/events.js';

/** The core's latest status per connector, as 2.0.1 reports it (B01.FR.05, F06.FR.12 selections). */

const changed = (evseId: number, connectorId: number, status: ConnectorStatusChanged['status'], at = 0): ConnectorStatusChanged => ({
  type: 'ConnectorStatusChanged',
  evseId,
  connectorId,
  status,
  timestamp: new Date(at),
});

describe('availability: the core statuses', () => {
  it('keeps the latest status of each connector, with its time, in the order the connectors were first reported', () => {
    const s = new CoreStatuses();
    assert.equal(s.update(changed(2, 1, 'Available')), '2.1');
    s.update(changed(1, 1, 'Available'));
    s.update(changed(2, 1, 'Occupied', 5_000));
    assert.deepEqual(s.keys(), ['2.1', '1.1']);
    assert.deepEqual(s.get('2.1'), { evseId: 2, connectorId: 1, status: 'Occupied', at: new Date(5_000) });
    assert.equal(s.get('3.1'), undefined);
  });

  it('F06: selects the whole station (no EVSE or EVSE 0), one EVSE, or one connector', () => {
    const s = new CoreStatuses();
    for (const [e, c] of [[1, 1], [1, 2], [2, 1]] as const) s.update(changed(e, c, 'Available'));
    assert.deepEqual(s.select(), ['1.1', '1.2', '2.1']);
    assert.deepEqual(s.select(0), ['1.1', '1.2', '2.1']);
    assert.deepEqual(s.select(1), ['1.1', '1.2']);
    assert.deepEqual(s.select(1, 2), ['1.2']);
    assert.deepEqual(s.select(3), []);
  });
});
