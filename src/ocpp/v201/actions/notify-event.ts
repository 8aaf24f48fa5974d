import type { EventDataType, NotifyEventRequest } from 'ocpp-messages/v2.0/NotifyEventRequest.js';
import type { FaultChanged } from '../../../station/events.js';
import { FAULT_COMPONENT } from '../fault-components.js';

/**
 * A hardware fault, raised or cleared, as NotifyEvent: a HardWiredNotification (the firmware
 * reports it without a monitor), trigger Alerting as Part 2's EventTriggerEnumType says for those,
 * on the component and variable of the device that failed (fault-components.ts).
 */
export function faultEventData(e: FaultChanged, eventId: number, timestamp: string, transactionId?: string): EventDataType {
  const { component, variable, techCode } = FAULT_COMPONENT[e.fault];
  return {
    eventId,
    timestamp,
    trigger: 'Alerting',
    actualValue: e.active ? 'true' : 'false',
    // The return to normal of what was reported before (as N07.FR.02 does for monitors).
    ...(e.active ? {} : { cleared: true }),
    ...(techCode ? { techCode } : {}),
    techInfo: e.detail.slice(0, 500),
    ...(transactionId ? { transactionId } : {}),
    component: { name: component, ...(e.evseId !== undefined ? { evse: { id: e.evseId } } : {}) },
    variable: { name: variable },
    eventNotificationType: 'HardWiredNotification',
  };
}

export function notifyEventRequest(eventData: EventDataType, generatedAt: string): NotifyEventRequest {
  // One event per message: it is complete in itself (seqNo 0, nothing to be continued).
  return { generatedAt, seqNo: 0, tbc: false, eventData: [eventData] };
}

/** The most fault events kept while offline; past it the oldest go (the statuses still tell the present). */
export const MAX_PENDING_FAULT_EVENTS = 200;
