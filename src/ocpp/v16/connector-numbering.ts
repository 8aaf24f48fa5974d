import type { EvseConfig } from '../../config/station-config.js';

/**
 * OCPP 1.6 numbers connectors 1..n across the station, with 0 for the station itself; the core
 * (like 2.0.1) has EVSEs with connectors. Numbered in config order: EVSE 1's connectors first.
 */
export class ConnectorNumbering {
  private readonly list: Array<{ n: number; evseId: number; connectorId: number }> = [];

  constructor(evses: ReadonlyArray<Pick<EvseConfig, 'id'> & { connectors: ReadonlyArray<{ id: number }> }>) {
    for (const e of [...evses].sort((a, b) => a.id - b.id)) {
      for (const c of [...e.connectors].sort((a, b) => a.id - b.id)) this.list.push({ n: this.list.length + 1, evseId: e.id, connectorId: c.id });
    }
  }

  /** The 1.6 connectorId of an EVSE's connector. */
  toOcpp16(evseId: number, connectorId: number): number {
    const found = this.list.find((c) => c.evseId === evseId && c.connectorId === connectorId);
    if (!found) throw new RangeError(`no connector ${connectorId} on EVSE ${evseId}`);
    return found.n;
  }

  /** The EVSE and connector of a 1.6 connectorId (1..n); undefined for 0 or an unknown one. */
  fromOcpp16(n: number): { evseId: number; connectorId: number } | undefined {
    const found = this.list.find((c) => c.n === n);
    return found ? { evseId: found.evseId, connectorId: found.connectorId } : undefined;
  }

  get all(): ReadonlyArray<{ n: number; evseId: number; connectorId: number }> {
    return this.list;
  }

  get count(): number {
    return this.list.length;
  }
}
