import type { Evse } from './evse.js';
import type { EvseSnapshot } from './station-types.js';
import type { FaultKind } from './types.js';

/** One EVSE as the local status (the HTTP API, systemd's status line) shows it. */
export function evseSnapshot(e: Evse): EvseSnapshot {
  const snapshot: EvseSnapshot = {
    evseId: e.id,
    operative: e.isOperative,
    connectors: e.connectors.map((c) => {
      const v = c.view;
      // A failed meter faults the connector (deriveConnector) without being one of its raised faults.
      const faults: FaultKind[] = c.inputs.meter === 'failed' && !c.inputs.faults.includes('meter') ? [...c.inputs.faults, 'meter'] : [...c.inputs.faults];
      return { connectorId: c.connectorId, status: v.status, chargingState: v.chargingState, relayClosed: v.relayClosed, plugged: c.inputs.plugged, faults: faults.sort() };
    }),
  };
  // Absent rather than undefined: the local API's JSON and its tests compare the shape.
  const tx = e.transaction;
  if (tx) snapshot.transaction = tx;
  if (e.authorizedBy) snapshot.authorizedIdToken = e.authorizedBy.idToken;
  if (e.trip.tripped && e.trip.cause) snapshot.trippedBy = e.trip.cause;
  return snapshot;
}
