import type { EventDataType, NotifyEventRequest } from 'ocpp-messages/v2.0/NotifyEventRequest.js';
import type { DeviceProblemChanged, FaultChanged } from '../../../station/events.js';
import { DEVICE_COMPONENT, FAULT_COMPONENT } from '../fault-components.js';

/** Where and what: the variable that changed, on which EVSE, to what, and the words for it. */
interface HardWiredChange {
  component: string;
  variable: string;
  evseId?: number;
  active: boolean;
  techInfo: string;
  techCode?: string;
  /** The hard-wired monitor that raised it; without one, a notification of the firmware. */
  monitorId?: number;
}

/**
 * A change the firmware reports, as NotifyEvent data: from its hard-wired monitor on the variable
 * (HardWiredMonitor, with the monitor's id: N07.FR.06), else a HardWiredNotification; trigger
 * Alerting as for a threshold (EventTriggerEnumType); actualValue the boolean variable's new value,
 * and cleared on the way back to normal (N07.FR.02).
 */
function hardWiredEventData(c: HardWiredChange, eventId: number, timestamp: string, transactionId?: string): EventDataType {
  const data: EventDataType = {
    eventId,
    timestamp,
    trigger: 'Alerting',
    actualValue: c.active ? 'true' : 'false',
    techInfo: c.techInfo.slice(0, 500),
    component: { name: c.component },
    variable: { name: c.variable },
    eventNotificationType: c.monitorId === undefined ? 'HardWiredNotification' : 'HardWiredMonitor',
  };
  if (c.monitorId !== undefined) data.variableMonitoringId = c.monitorId;
  if (!c.active) data.cleared = true;
  if (c.techCode) data.techCode = c.techCode;
  if (transactionId) data.transactionId = transactionId;
  if (c.evseId !== undefined) data.component.evse = { id: c.evseId };
  return data;
}

/** A hardware fault, raised or cleared, on the component and variable of the device that failed (fault-components.ts). */
export function faultEventData(e: FaultChanged, eventId: number, timestamp: string, transactionId?: string, monitorId?: number): EventDataType {
  const { component, variable, techCode } = FAULT_COMPONENT[e.fault];
  return hardWiredEventData({ component, variable, techCode, evseId: e.evseId, active: e.active, techInfo: e.detail, monitorId }, eventId, timestamp, transactionId);
}

/**
 * A device problem that is no fault (a card reader that cannot be read), raised or cleared, on the
 * device's component (TokenReader.Problem) of its EVSE; the device's name and error as techInfo.
 */
export function deviceProblemEventData(e: DeviceProblemChanged, eventId: number, timestamp: string, transactionId?: string, monitorId?: number): EventDataType {
  const { component, variable } = DEVICE_COMPONENT[e.device];
  return hardWiredEventData({ component, variable, evseId: e.evseId, active: e.active, techInfo: `${e.name}: ${e.detail}`, monitorId }, eventId, timestamp, transactionId);
}

export function notifyEventRequest(eventData: EventDataType, generatedAt: string): NotifyEventRequest {
  // One event per message: it is complete in itself (seqNo 0, nothing to be continued).
  return { generatedAt, seqNo: 0, tbc: false, eventData: [eventData] };
}
