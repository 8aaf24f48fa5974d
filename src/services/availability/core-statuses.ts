import type { ConnectorStatusChanged } from '../../station/events.js';
import type { ConnectorStatus } from '../../station/types.js';

/** A connector's status as the core last reported it, with when. */
export interface CoreConnectorStatus {
  evseId: number;
  connectorId: number;
  status: ConnectorStatus;
  at: Date;
}

/**
 * The core's latest status of each connector (2.0.1 reports these as they are; 1.6 derives its
 * own from them), keyed "evse.connector", in the order the connectors were first reported.
 */
export class CoreStatuses {
  private readonly latest = new Map<string, CoreConnectorStatus>();

  /** Takes in a change; returns the connector's key. */
  update(e: ConnectorStatusChanged): string {
    const key = `${e.evseId}.${e.connectorId}`;
    this.latest.set(key, { evseId: e.evseId, connectorId: e.connectorId, status: e.status, at: e.timestamp });
    return key;
  }

  get(key: string): CoreConnectorStatus | undefined {
    return this.latest.get(key);
  }

  keys(): string[] {
    return [...this.latest.keys()];
  }

  /** The connectors of the whole station (no EVSE, or EVSE 0), of one EVSE, or one connector. */
  select(evseId?: number, connectorId?: number): string[] {
    return [...this.latest.entries()]
      .filter(([, s]) => (evseId === undefined || evseId === 0 || s.evseId === evseId) && (connectorId === undefined || s.connectorId === connectorId))
      .map(([key]) => key);
  }
}
