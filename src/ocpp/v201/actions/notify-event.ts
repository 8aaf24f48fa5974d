import type { EventDataType, NotifyEventRequest } from 'ocpp-messages/v2.0/NotifyEventRequest.js';
import type { FaultEventRecord } from '../../../services/security-events/index.js';
import type { FaultChanged } from '../../../station/events.js';
import { FAULT_COMPONENT } from '../fault-components.js';

/**
 * A hardware fault, raised or cleared, as NotifyEvent: a HardWiredNotification (the firmware
 * reports it without a monitor), trigger Alerting as Part 2's EventTriggerEnumType says for those,
 * on the component and variable of the device that failed (fault-components.ts).
 */
export function faultEventData(e: FaultChanged, eventId: number, timestamp: string, transactionId?: string): EventDataType {
  const { component, variable, techCode } = FAULT_COMPONENT[e.fault];
  const data: EventDataType = {
    eventId,
    timestamp,
    trigger: 'Alerting',
    actualValue: e.active ? 'true' : 'false',
    techInfo: e.detail.slice(0, 500),
    component: { name: component },
    variable: { name: variable },
    eventNotificationType: 'HardWiredNotification',
  };
  // The return to normal of what was reported before (as N07.FR.02 does for monitors).
  if (!e.active) data.cleared = true;
  if (techCode) data.techCode = techCode;
  if (transactionId) data.transactionId = transactionId;
  if (e.evseId !== undefined) data.component.evse = { id: e.evseId };
  return data;
}

export function notifyEventRequest(eventData: EventDataType, generatedAt: string): NotifyEventRequest {
  // One event per message: it is complete in itself (seqNo 0, nothing to be continued).
  return { generatedAt, seqNo: 0, tbc: false, eventData: [eventData] };
}

/** A fault event of the security-events service as the 2.0.1 message. */
export function notifyEventForFault(record: FaultEventRecord): NotifyEventRequest {
  return notifyEventRequest(faultEventData(record.fault, record.eventId, record.timestamp, record.transactionId), record.generatedAt);
}
