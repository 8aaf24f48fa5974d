import assert from 'node:assert/strict';
import { ConnectorNumbering } from '../../src/ocpp/v16/connector-numbering.js';
import { ConnectorStatuses16 } from '../../src/ocpp/v16/connector-status.js';
import type { DeviceProblemChanged, FaultChanged } from '../../src/station/events.js';
import type { Station } from '../../src/station/station.js';

/**
 * 1.6 connector 0 (the Charge Point) and its card readers (7.6 ReaderFailure): a failing reader is
 * a warning on the Charge Point's status, never Faulted; a station fault still wins. Connectors 1..n
 * are covered by the 1.6 integration tests.
 */

/** What statusOf(0) reads of the station: whether it is operative. */
function chargePoint(operative: boolean): ConnectorStatuses16 {
  const station = { stationOperative: operative, evses: [] } as Pick<Station, 'stationOperative' | 'evses'>;
  return new ConnectorStatuses16({
    station: station as Station,
    numbering: new ConnectorNumbering([]),
    transactionOn: () => false,
    stopUndeliveredOn: () => false,
  });
}

function reader(name: string, active: boolean): DeviceProblemChanged {
  return { type: 'DeviceProblemChanged', device: 'token-reader', name, evseId: 1, active, detail: active ? 'gone' : 'reads cards again', timestamp: new Date(0) };
}

describe('1.6 connector 0 status: card readers', () => {
  it('a failing reader is ReaderFailure on the status the Charge Point has, its name as info; NoError once every failing reader reads again', () => {
    const statuses = chargePoint(true);
    assert.deepEqual(statuses.statusOf(0), { status: 'Available', errorCode: 'NoError' });
    statuses.observe(reader('reader front (simulated)', true));
    statuses.observe(reader('reader back (simulated)', true));
    assert.deepEqual(statuses.statusOf(0), { status: 'Available', errorCode: 'ReaderFailure', info: 'reader front (simulated)' });
    statuses.observe(reader('reader front (simulated)', false));
    assert.deepEqual(statuses.statusOf(0), { status: 'Available', errorCode: 'ReaderFailure', info: 'reader back (simulated)' });
    statuses.observe(reader('reader back (simulated)', false));
    assert.deepEqual(statuses.statusOf(0), { status: 'Available', errorCode: 'NoError' });
  });

  it('an Unavailable Charge Point stays Unavailable with ReaderFailure; info is cut to 1.6\'s 50 characters', () => {
    const statuses = chargePoint(false);
    const long = 'reader door (pn532 on /dev/serial/by-id/usb-FTDI_FT232R_A10K1234-if00-port0)';
    statuses.observe(reader(long, true));
    assert.deepEqual(statuses.statusOf(0), { status: 'Unavailable', errorCode: 'ReaderFailure', info: long.slice(0, 50) });
  });

  it('a fault of the whole station wins over a failing reader (Faulted with the fault\'s code)', () => {
    const statuses = chargePoint(true);
    statuses.observe(reader('reader front (simulated)', true));
    const fault: FaultChanged = { type: 'FaultChanged', fault: 'rcd-trip', active: true, detail: 'RCD tripped', timestamp: new Date(0) };
    statuses.observe(fault);
    assert.equal(statuses.statusOf(0).status, 'Faulted');
    assert.equal(statuses.statusOf(0).errorCode, 'GroundFailure');
    statuses.observe({ ...fault, active: false });
    assert.equal(statuses.statusOf(0).errorCode, 'ReaderFailure');
  });
});
