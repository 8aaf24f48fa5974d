import type { EventDataType, NotifyEventRequest } from 'ocpp-messages/v2.0/NotifyEventRequest.js';
import type { FaultEventRecord } from '../../../services/security-events/index.js';
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
}

/**
 * A change the firmware reports without a monitor, as NotifyEvent data: a HardWiredNotification,
 * trigger Alerting as Part 2's EventTriggerEnumType says for those; actualValue the boolean
 * variable's new value, and cleared on the way back to normal (as N07.FR.02 does for monitors).
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
    eventNotificationType: 'HardWiredNotification',
  };
  if (!c.active) data.cleared = true;
  if (c.techCode) data.techCode = c.techCode;
  if (transactionId) data.transactionId = transactionId;
  if (c.evseId !== undefined) data.component.evse = { id: c.evseId };
  return data;
}

/** A hardware fault, raised or cleared, on the component and variable of the device that failed (fault-components.ts). */
export function faultEventData(e: FaultChanged, eventId: number, timestamp: string, transactionId?: string): EventDataType {
  const place = FAULT_COMPONENT[e.fault];
  return hardWiredEventData({ ...place, evseId: e.evseId, active: e.active, techInfo: e.detail }, eventId, timestamp, transactionId);
}

/**
 * A device problem that is no fault (a card reader that cannot be read), raised or cleared, on the
 * device's component (TokenReader.Problem) of its EVSE; the device's name and error as techInfo.
 */
export function deviceProblemEventData(e: DeviceProblemChanged, eventId: number, timestamp: string, transactionId?: string): EventDataType {
  const place = DEVICE_COMPONENT[e.device];
  return hardWiredEventData({ ...place, evseId: e.evseId, active: e.active, techInfo: `${e.name}: ${e.detail}` }, eventId, timestamp, transactionId);
}

export function notifyEventRequest(eventData: EventDataType, generatedAt: string): NotifyEventRequest {
  // One event per message: it is complete in itself (seqNo 0, nothing to be continued).
  return { generatedAt, seqNo: 0, tbc: false, eventData: [eventData] };
}

/** A fault or device problem event of the security-events service as the 2.0.1 message. */
export function notifyEventForFault(record: FaultEventRecord): NotifyEventRequest {
  const { change, eventId, timestamp, transactionId } = record;
  const data = change.type === 'FaultChanged' ? faultEventData(change, eventId, timestamp, transactionId) : deviceProblemEventData(change, eventId, timestamp, transactionId);
  return notifyEventRequest(data, record.generatedAt);
}
