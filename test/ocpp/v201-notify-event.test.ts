import assert from 'node:assert/strict';
import { deviceProblemEventData, faultEventData, notifyEventRequest } from '../../src/ocpp/v201/actions/notify-event.js';
import { hardWiredMonitors } from '../../src/ocpp/v201/fault-components.js';
import type { DeviceProblemChanged, FaultChanged } from '../../src/station/events.js';

/** The firmware's fault events as 2.0.1 NotifyEvent data, and the hard-wired monitors behind them. */

const AT = new Date(Date.UTC(2026, 2, 1, 10, 0, 0));

const meterFault = (active: boolean): FaultChanged => ({ type: 'FaultChanged', fault: 'meter', evseId: 1, active, detail: 'no answer from the meter', timestamp: AT });
const readerProblem = (active: boolean): DeviceProblemChanged => ({
  type: 'DeviceProblemChanged',
  device: 'token-reader',
  name: 'reader front (pn532 on /dev/ttyAMA0)',
  evseId: 2,
  active,
  detail: active ? 'no answer to GetFirmwareVersion' : 'reads cards again',
  timestamp: AT,
});

describe('2.0.1 fault events (NotifyEvent data)', () => {
  it('a fault that went is its device variable false, cleared, from its hard-wired monitor (N07.FR.02, N07.FR.06)', () => {
    assert.deepEqual(notifyEventRequest(faultEventData(meterFault(false), 7, 'T1', 'tx-9', 2_000_001), 'T2'), {
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
          eventNotificationType: 'HardWiredMonitor',
          variableMonitoringId: 2_000_001,
        },
      ],
    });
  });

  it('without a monitor it is a HardWiredNotification; a card reader that fails is TokenReader.Problem with its name and error', () => {
    assert.deepEqual(deviceProblemEventData(readerProblem(true), 8, 'T1'), {
      eventId: 8,
      timestamp: 'T1',
      trigger: 'Alerting',
      actualValue: 'true',
      techInfo: 'reader front (pn532 on /dev/ttyAMA0): no answer to GetFirmwareVersion',
      component: { name: 'TokenReader', evse: { id: 2 } },
      variable: { name: 'Problem' },
      eventNotificationType: 'HardWiredNotification',
    });
    const cleared = deviceProblemEventData(readerProblem(false), 9, 'T3');
    assert.equal(cleared.actualValue, 'false');
    assert.equal(cleared.cleared, true);
  });

  it('hard-wired monitors: one per watched variable and EVSE, faults sharing a variable at the gravest severity', () => {
    const monitors = hardWiredMonitors(
      [{ fault: 'emergency-stop' }, { fault: 'contactor-failed', evseId: 1 }, { fault: 'contactor-welded', evseId: 1 }, { fault: 'meter', evseId: 1 }, { fault: 'meter', evseId: 2 }],
      [{ device: 'token-reader', evseId: 1 }],
    );
    assert.deepEqual(
      monitors.map((m) => [m.target.component, m.target.variable, m.target.evseId, m.type, m.value, m.severity]),
      [
        ['EmergencyStopSensor', 'Active', undefined, 'UpperThreshold', 0, 0],
        ['PowerContactor', 'Problem', 1, 'UpperThreshold', 0, 0],
        ['FiscalMetering', 'Problem', 1, 'UpperThreshold', 0, 1],
        ['FiscalMetering', 'Problem', 2, 'UpperThreshold', 0, 1],
        ['TokenReader', 'Problem', 1, 'UpperThreshold', 0, 4],
      ],
    );
  });
});
