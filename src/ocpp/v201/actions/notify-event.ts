import type { EventDataType, NotifyEventRequest } from 'ocpp-messages/v2.0/NotifyEventRequest.js';
import type { Logger } from '../../../service/logger.js';
import type { FaultChanged } from '../../../station/events.js';
import { NotAccepted } from '../../common/registration.js';
import { FAULT_COMPONENT } from '../fault-components.js';
import { CallTimeout, NotConnected } from '../../rpc/rpc-errors.js';

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
const MAX_PENDING = 200;

/**
 * Sends fault events in the order they happened. While the station is offline or not yet
 * accepted they wait in memory and go out once it is (as N07.FR.04 asks for monitor events): the
 * CSMS learns of a fault that came and went while it could not be reached. Kept in memory only:
 * after a restart the connector statuses tell the CSMS what is still wrong.
 */
export class FaultEventOutbox {
  private readonly pending: NotifyEventRequest[] = [];
  private flushing = false;

  constructor(
    private readonly send: (request: NotifyEventRequest) => Promise<unknown>,
    private readonly log: Logger,
  ) {}

  get length(): number {
    return this.pending.length;
  }

  add(request: NotifyEventRequest): void {
    this.pending.push(request);
    if (this.pending.length > MAX_PENDING) {
      this.pending.shift();
      this.log.warning(`more than ${MAX_PENDING} fault events waiting for the CSMS; the oldest was dropped`);
    }
    void this.flush();
  }

  /** Sends what waits, oldest first; stops at the first that cannot go now and keeps it. */
  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        try {
          await this.send(this.pending[0]!);
        } catch (err) {
          // Not sent, or lost on the way: again on the next (re)connection or event.
          if (err instanceof NotConnected || err instanceof NotAccepted || err instanceof CallTimeout) return;
          // The CSMS refused or did not answer this one: another try would not do better.
          this.log.warning(`NotifyEvent failed: ${(err as Error).message}`);
        }
        this.pending.shift();
      }
    } finally {
      this.flushing = false;
    }
  }
}
