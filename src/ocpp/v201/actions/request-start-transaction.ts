import type { RequestStartTransactionRequest, RequestStartTransactionResponse } from 'ocpp-messages/v2.0/index.js';
import type { Subscription } from 'rxjs';
import type { ChargingProfile } from '../../../services/smart-charging/charging-profile.js';
import { checkProfile } from '../../../services/smart-charging/profile-rules.js';
import { deviceModelSmartChargingRules } from '../../../services/device-configuration/v201-settings.js';
import { REJECTION_REASON_CODES } from './charging-profile-codec.js';
import { decodeProfile, smartChargingEnabled } from './set-charging-profile.js';
import type { V201Context } from '../context.js';

/**
 * A remote start's TxProfile waiting for its transaction (F01.FR.10, K05.FR.03): installed on the
 * transaction that starts with the request's remoteStartId. Another transaction starting on the
 * EVSE first, or a newer remote start there, ends the wait: the profile was for this start only.
 * Without a transaction to wait for (the vehicle never plugs in), it waits until one of those.
 */
class ProfileForRemoteStart {
  private evseId: number | undefined;
  private readonly subscription: Subscription;
  private done = false;

  constructor(
    private readonly ctx: V201Context,
    private readonly profile: ChargingProfile,
    private readonly remoteStartId: number,
  ) {
    // Followed before the start is asked for: with TxStartPoint Authorized it starts at once.
    this.subscription = ctx.station.events$.subscribe((e) => {
      if (e.type !== 'TransactionStarted' || (this.evseId !== undefined && e.evseId !== this.evseId)) return;
      if (e.transaction.remoteStartId === this.remoteStartId) this.install(e.evseId, e.transaction.id);
      else if (this.evseId !== undefined) this.end();
    });
  }

  /** The station chose the EVSE; a transaction already running there (F01.FR.13) gets the profile now. */
  accepted(evseId: number, runningTransactionId: string | undefined): void {
    this.evseId = evseId;
    if (runningTransactionId !== undefined) this.install(evseId, runningTransactionId);
  }

  end(): void {
    this.done = true;
    this.subscription.unsubscribe();
  }

  get ended(): boolean {
    return this.done;
  }

  private install(evseId: number, transactionId: string): void {
    if (this.done) return;
    this.end();
    const result = this.ctx.smartCharging.set(evseId, { ...this.profile, transactionId });
    if (result.status === 'Accepted') this.ctx.log.info(`charging profile ${this.profile.id} of remote start ${this.remoteStartId} installed on transaction ${transactionId}`);
    else this.ctx.log.warning(`charging profile ${this.profile.id} of remote start ${this.remoteStartId} not installed on transaction ${transactionId}: ${result.reason}, ${result.detail}`);
  }
}

/** The transaction id a profile is checked with before its transaction exists: it clashes with none. */
const NOT_YET_STARTED = 'remote-start-not-yet-started';

/**
 * Whether the service would take the profile for a transaction on the EVSE (F01.FR.26): its own
 * rules (stack level, periods, units, duplicates, room), checked before the start is accepted, as
 * a refusal once the transaction runs could no longer be told to the CSMS.
 */
function serviceRefusal(ctx: V201Context, evseId: number, profile: ChargingProfile): { reasonCode: string; detail: string } | undefined {
  const verdict = checkProfile({
    evseId,
    profile: { ...profile, transactionId: NOT_YET_STARTED },
    installed: ctx.smartCharging.installed(),
    rules: deviceModelSmartChargingRules(ctx.deviceModel),
    knownEvse: (id) => ctx.config.evses.some((e) => e.id === id),
    transaction: { id: NOT_YET_STARTED },
  });
  return verdict.ok ? undefined : { reasonCode: REJECTION_REASON_CODES[verdict.reason], detail: verdict.detail };
}

/**
 * F01/F02 RequestStartTransaction. While Pending it is Rejected (B02.FR.05). A chargingProfile
 * (K05, F01.FR.08-12) must be a TxProfile without a transactionId (F01.FR.09/11) and valid, else
 * Rejected (F01.FR.26); it is installed on the transaction this start begins. While
 * SmartChargingCtrlr.Enabled is false it is ignored (F01.FR.12).
 */
export const requestStartTransaction = (ctx: V201Context) => {
  /** Per EVSE, the profile of the latest remote start still waiting for its transaction. */
  const waiting = new Map<number, ProfileForRemoteStart>();

  return async (payload: unknown): Promise<RequestStartTransactionResponse> => {
    const request = payload as RequestStartTransactionRequest;
    if (ctx.bootState() !== 'Accepted') return { status: 'Rejected', statusInfo: { reasonCode: 'CSNotAccepted' } };
    let profile: ChargingProfile | undefined;
    if (request.chargingProfile && smartChargingEnabled(ctx)) {
      const raw = request.chargingProfile;
      const invalid = (reasonCode: string, additionalInfo: string): RequestStartTransactionResponse => {
        ctx.log.warning(`RequestStartTransaction ${request.remoteStartId} rejected, its charging profile ${raw.id}: ${additionalInfo}`);
        return { status: 'Rejected', statusInfo: { reasonCode, additionalInfo } };
      };
      if (raw.chargingProfilePurpose !== 'TxProfile') return invalid('InvalidProfile', `F01.FR.09: a ${raw.chargingProfilePurpose}, not a TxProfile`);
      if (raw.transactionId !== undefined) return invalid('InvalidProfile', 'F01.FR.11: a transactionId in the profile of a transaction yet to start');
      const decoded = decodeProfile(ctx, request.evseId ?? 0, raw);
      if (!decoded.ok) return invalid(decoded.reasonCode, decoded.detail);
      // Without an EVSE the station picks one: the profile's shape is checked as for the first.
      const refusal = serviceRefusal(ctx, request.evseId ?? ctx.config.evses[0]?.id ?? 1, decoded.value);
      if (refusal) return invalid(refusal.reasonCode, refusal.detail);
      profile = decoded.value;
    }
    const follower = profile ? new ProfileForRemoteStart(ctx, profile, request.remoteStartId) : undefined;
    const result = await ctx.station.requestStart({
      evseId: request.evseId,
      idToken: { idToken: request.idToken.idToken, type: request.idToken.type },
      groupIdToken: request.groupIdToken ? { idToken: request.groupIdToken.idToken, type: request.groupIdToken.type } : undefined,
      remoteStartId: request.remoteStartId,
      authorizeFirst: ctx.deviceModel.getBool('AuthCtrlr', 'AuthorizeRemoteStart'),
    });
    if (result.status === 'Rejected') {
      follower?.end();
      return { status: 'Rejected', statusInfo: { reasonCode: result.reason } };
    }
    if (follower) {
      waiting.get(result.evseId)?.end();
      follower.accepted(result.evseId, result.transactionId);
      if (follower.ended) waiting.delete(result.evseId);
      else waiting.set(result.evseId, follower);
    }
    return { status: 'Accepted', transactionId: result.transactionId || undefined };
  };
};
