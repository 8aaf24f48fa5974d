import type { Logger } from '../../../process/logger.js';
import type { ChargingProfile } from '../../../services/smart-charging/charging-profile.js';
import type { SmartCharging } from '../../../services/smart-charging/smart-charging.js';
import type { StationEvent } from '../../../station/events.js';
import { installProfile16 } from './charging-profiles.js';

interface Pending {
  profile: ChargingProfile;
  /** Known once the core accepted the remote start. */
  evseId?: number;
}

/**
 * 5.16.2: the TxProfile given with RemoteStartTransaction is for the transaction that start
 * begins, which has no id yet. The remote start carries a remoteStartId of the adapter's own
 * (1.6 has none on the wire) through the core's authorization; the first transaction event that
 * names it (TransactionStarted, or TransactionUpdated when authorized later) binds the profile to
 * that transaction. One start waits per EVSE: a newer one there replaces an older that never began.
 */
export class RemoteStartProfiles {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly service: SmartCharging,
    private readonly log: Logger,
  ) {}

  /** Before the remote start: the remoteStartId to start it with. */
  expect(profile: ChargingProfile): number {
    const remoteStartId = this.nextId++;
    this.pending.set(remoteStartId, { profile });
    return remoteStartId;
  }

  /** After it: Accepted on an EVSE, or refused (the profile is dropped). */
  settled(remoteStartId: number, evseId: number | undefined): void {
    const entry = this.pending.get(remoteStartId);
    if (!entry) return; // already bound: the transaction started within the request
    if (evseId === undefined) {
      this.pending.delete(remoteStartId);
      return;
    }
    for (const [id, other] of this.pending) if (id !== remoteStartId && other.evseId === evseId) this.pending.delete(id);
    entry.evseId = evseId;
  }

  /** Follows the core's transaction events. */
  observe(e: StationEvent): void {
    if (e.type !== 'TransactionStarted' && e.type !== 'TransactionUpdated') return;
    if (e.remoteStartId === undefined) return;
    const entry = this.pending.get(e.remoteStartId);
    if (!entry) return;
    this.pending.delete(e.remoteStartId);
    const profile: ChargingProfile = { ...entry.profile, transactionId: e.transaction.id };
    const result = installProfile16(this.service, e.evseId, profile);
    if (result.status === 'Accepted') this.log.info(`charging profile ${profile.id} of the remote start installed for transaction ${e.transaction.id}`);
    else this.log.warning(`charging profile ${profile.id} of the remote start not installed for transaction ${e.transaction.id}: ${result.reason}: ${result.detail}`);
  }

  /** How many remote starts still wait for their transaction (for tests). */
  get waiting(): number {
    return this.pending.size;
  }
}
