import assert from 'node:assert/strict';
import { notifyEventForFault } from '../../../src/ocpp/v201/actions/notify-event.js';
import { NotConnected } from '../../../src/ocpp/rpc/rpc-errors.js';
import { silentLogger } from '../../../src/process/logger.js';
import { FaultEvents, type FaultEventRecord } from '../../../src/services/security-events/index.js';
import { FakeClock } from '../../../src/station/clock.js';
import type { DeviceProblemChanged, FaultChanged } from '../../../src/station/events.js';

/** Fault events: numbered, timed on the CSMS' clock, kept in order while offline, bounded; NotifyEvent made when sent. */

const START = Date.UTC(2026, 2, 1, 10, 0, 0);

function fault(active: boolean, at: number, evseId?: number): FaultChanged {
  return { type: 'FaultChanged', fault: 'meter', active, detail: 'no answer from the meter', timestamp: new Date(at), ...(evseId !== undefined ? { evseId } : {}) };
}

function readerProblem(active: boolean, at: number): DeviceProblemChanged {
  return { type: 'DeviceProblemChanged', device: 'token-reader', name: 'reader front (pn532 on /dev/ttyAMA0)', evseId: 2, active, detail: active ? 'no answer to GetFirmwareVersion' : 'reads cards again', timestamp: new Date(at) };
}

function harness(options: { online: boolean; maxPending?: number }) {
  const clock = new FakeClock(START);
  const state = { online: options.online };
  const sent: FaultEventRecord[] = [];
  const events = new FaultEvents({
    send: async (event) => {
      if (!state.online) throw new NotConnected('NotifyEvent');
      sent.push(event);
    },
    clock,
    // The CSMS' clock: one minute ahead of the station's.
    timestamp: (at) => new Date(at.getTime() + 60_000).toISOString(),
    log: silentLogger,
    maxPending: options.maxPending,
  });
  return { clock, state, sent, events };
}

describe('fault events (security-events service)', () => {
  it('numbers the events from the start time, one up each, and puts both times on the CSMS clock', async () => {
    const { clock, sent, events } = harness({ online: true });
    events.report(fault(true, START - 5000, 1), 'tx-1');
    await clock.advanceAsync(1000);
    events.report(fault(false, START + 500, 1));
    await clock.advanceAsync(0);
    const firstId = Math.floor(START / 1000) % 1_000_000_000;
    assert.deepEqual(
      sent.map((e) => [e.eventId, e.timestamp, e.generatedAt, e.transactionId]),
      [
        [firstId, new Date(START - 5000 + 60_000).toISOString(), new Date(START + 60_000).toISOString(), 'tx-1'],
        [firstId + 1, new Date(START + 500 + 60_000).toISOString(), new Date(START + 1000 + 60_000).toISOString(), undefined],
      ],
    );
  });

  it('offline: waits in order and goes at the flush after the connection; past maxPending the oldest go', async () => {
    const { state, sent, events } = harness({ online: false, maxPending: 2 });
    events.report(fault(true, START, 1));
    events.report(fault(false, START + 1, 1));
    events.report(fault(true, START + 2, 2));
    await events.flush();
    assert.equal(sent.length, 0, 'nothing goes while offline');
    state.online = true;
    await events.flush();
    assert.deepEqual(
      sent.map((e) => [e.change.evseId, e.change.active]),
      [
        [1, false],
        [2, true],
      ],
    );
  });

  it('2.0.1: a record becomes a NotifyEvent on the failing device, cleared when the fault went', () => {
    const record: FaultEventRecord = { change: fault(false, START, 1), eventId: 7, timestamp: 'T1', generatedAt: 'T2', transactionId: 'tx-9' };
    assert.deepEqual(notifyEventForFault(record), {
      generatedAt: 'T2',
      seqNo: 0,
      tbc: false,
      eventData: [
        {
          eventId: 7,
          timestamp: 'T1',
          trigger: 'Alerting',
          actualValue: 'false',
          cleared: true,
          techInfo: 'no answer from the meter',
          transactionId: 'tx-9',
          component: { name: 'FiscalMetering', evse: { id: 1 } },
          variable: { name: 'Problem' },
          eventNotificationType: 'HardWiredNotification',
        },
      ],
    });
  });

  it('a device problem (a card reader) waits offline in order with the faults, numbered in the same sequence', async () => {
    const { state, sent, events } = harness({ online: false });
    events.report(fault(true, START, 1));
    events.report(readerProblem(true, START + 1));
    events.report(readerProblem(false, START + 2));
    await events.flush();
    assert.equal(sent.length, 0);
    state.online = true;
    await events.flush();
    assert.deepEqual(
      sent.map((e) => [e.change.type, e.change.active, e.eventId - sent[0]!.eventId]),
      [
        ['FaultChanged', true, 0],
        ['DeviceProblemChanged', true, 1],
        ['DeviceProblemChanged', false, 2],
      ],
    );
  });

  it('2.0.1: a card reader that fails is TokenReader.Problem true on its EVSE, its name and error as techInfo; cleared when it reads again', () => {
    const failed = notifyEventForFault({ change: readerProblem(true, START), eventId: 8, timestamp: 'T1', generatedAt: 'T2' });
    assert.deepEqual(failed.eventData, [
      {
        eventId: 8,
        timestamp: 'T1',
        trigger: 'Alerting',
        actualValue: 'true',
        techInfo: 'reader front (pn532 on /dev/ttyAMA0): no answer to GetFirmwareVersion',
        component: { name: 'TokenReader', evse: { id: 2 } },
        variable: { name: 'Problem' },
        eventNotificationType: 'HardWiredNotification',
      },
    ]);
    const [cleared] = notifyEventForFault({ change: readerProblem(false, START + 1), eventId: 9, timestamp: 'T3', generatedAt: 'T4' }).eventData;
    assert.equal(cleared?.actualValue, 'false');
    assert.equal(cleared?.cleared, true);
    assert.equal(cleared?.component.name, 'TokenReader');
  });
});
