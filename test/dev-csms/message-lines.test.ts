import assert from 'node:assert/strict';
import { callErrorLine, callLine, resultLine } from '../../tools/dev-csms/message-lines.js';

describe('dev CSMS message lines', () => {
  it('summarise 1.6 transactions and meter values in kWh', () => {
    assert.equal(
      callLine('CP1', 'fromStation', 'StartTransaction', { connectorId: 1, idTag: 'TAG', meterStart: 1000, timestamp: 't' }),
      'CP1 -> StartTransaction connector=1 idTag=TAG start 1.000 kWh',
    );
    assert.equal(resultLine('CP1', 'toStation', 'StartTransaction', { transactionId: 7, idTagInfo: { status: 'Accepted' } }), 'CP1 <- Accepted tx=7');
    assert.equal(
      callLine('CP1', 'fromStation', 'MeterValues', { connectorId: 1, transactionId: 7, meterValue: [{ timestamp: 't', sampledValue: [{ value: '2.5', unit: 'kWh' }, { value: '7360', measurand: 'Power.Active.Import' }] }] }),
      'CP1 -> MeterValues connector=1 tx=7 2.500 kWh 7360 W',
    );
    assert.equal(
      callLine('CP1', 'fromStation', 'StopTransaction', { transactionId: 7, meterStop: 3500, timestamp: 't', reason: 'EVDisconnected' }),
      'CP1 -> StopTransaction tx=7 reason=EVDisconnected stop 3.500 kWh',
    );
    assert.equal(callLine('CP1', 'fromStation', 'StatusNotification', { connectorId: 1, errorCode: 'GroundFailure', status: 'Faulted' }), 'CP1 -> StatusNotification connector=1 Faulted GroundFailure');
  });

  it('shorten long transaction ids, hide passwords, and survive any payload', () => {
    assert.equal(
      callLine('CS', 'fromStation', 'TransactionEvent', { eventType: 'Ended', seqNo: 4, triggerReason: 'EVCommunicationLost', transactionInfo: { transactionId: '1a2b3c4d-0000-4000-8000-000000000000', stoppedReason: 'EVDisconnected' }, meterValue: [{ sampledValue: [{ value: 2, unitOfMeasure: { unit: 'Wh', multiplier: 3 } }] }] }),
      'CS -> TransactionEvent Ended tx=1a2b3c4d... seq=4 trigger=EVCommunicationLost stopped=EVDisconnected 2.000 kWh',
    );
    assert.equal(callLine('CP1', 'toStation', 'ChangeConfiguration', { key: 'AuthorizationKey', value: 'deadbeefdeadbeef' }), 'CP1 <- ChangeConfiguration AuthorizationKey=********');
    for (const payload of [null, 42, 'text', [], { meterValue: 'no' }, { transactionInfo: null }]) {
      assert.match(callLine('X', 'fromStation', 'TransactionEvent', payload), /^X -> TransactionEvent/);
      assert.match(resultLine('X', 'fromStation', undefined, payload), /^X -> /);
    }
    assert.equal(resultLine('X', 'toStation', 'Heartbeat', {}), 'X <- ok');
    assert.equal(callErrorLine('X', 'fromStation', 'Reset', 'NotSupported', ''), 'X -> CALLERROR NotSupported (Reset)');
    assert.ok(callLine('X', 'fromStation', 'DataTransfer', { vendorId: 'v'.repeat(500) }).length <= 200);
  });
});
