import type { RemoteStartTransactionRequest, RemoteStartTransactionResponse } from 'ocpp-messages/v1.6/index.js';
import type { ChargingProfile } from '../../../services/smart-charging/charging-profile.js';
import { checkProfile } from '../../../services/smart-charging/profile-rules.js';
import { idTokenOf, type V16Context } from '../context.js';
import { remoteStartProfileFrom16 } from './charging-profile-codec.js';
import { profileDecoding16 } from './charging-profiles.js';
import type { RemoteStartProfiles } from './remote-start-profiles.js';

/** The transaction id a profile is checked with before its transaction exists: it clashes with none. */
const NOT_YET_STARTED = 'remote-start-not-yet-started';

/**
 * What the service would refuse of the profile once its transaction runs (its rules: stack level,
 * periods, units, room), checked now: a refusal then could no longer be told to the Central System.
 */
function serviceRefusal(ctx: V16Context, evseId: number, profile: ChargingProfile): string | undefined {
  const verdict = checkProfile({
    evseId,
    profile: { ...profile, transactionId: NOT_YET_STARTED },
    installed: ctx.smartCharging.installed(),
    rules: ctx.smartChargingRules(),
    knownEvse: (id) => ctx.config.evses.some((e) => e.id === id),
    transaction: { id: NOT_YET_STARTED },
  });
  return verdict.ok ? undefined : `${verdict.reason}: ${verdict.detail}`;
}

/**
 * 5.11 RemoteStartTransaction: Accepted when the station will try to start; the transaction then
 * starts as if the tag were presented locally, after Authorize when AuthorizeRemoteTxRequests is
 * true (5.11, 9.1.3). A chargingProfile must be a TxProfile without transactionId (5.16.2), else
 * Rejected; it is installed for the transaction once it starts (RemoteStartProfiles).
 */
export const remoteStartTransaction = (ctx: V16Context, txProfiles: RemoteStartProfiles) => async (payload: unknown): Promise<RemoteStartTransactionResponse> => {
  const request = payload as RemoteStartTransactionRequest;
  if (ctx.bootState() !== 'Accepted') return { status: 'Rejected' };
  let target: { evseId: number; connectorId: number } | undefined;
  if (request.connectorId !== undefined) {
    target = ctx.numbering.fromOcpp16(request.connectorId);
    if (!target) return { status: 'Rejected' }; // connector 0 or an unknown one
  }
  let remoteStartId: number | undefined;
  if (request.chargingProfile) {
    const decoded = remoteStartProfileFrom16(request.chargingProfile, profileDecoding16(ctx));
    // Without a connector the EVSE is the core's choice: checked on the first, as they share the rules.
    const evseId = target?.evseId ?? ctx.config.evses[0]?.id ?? 1;
    const problem = decoded.ok ? serviceRefusal(ctx, evseId, decoded.value) : decoded.detail;
    if (!decoded.ok || problem !== undefined) {
      ctx.log.warning(`RemoteStartTransaction rejected: its charging profile ${request.chargingProfile.chargingProfileId}: ${problem}`);
      return { status: 'Rejected' };
    }
    // Expected before the start: the transaction may begin within it.
    remoteStartId = txProfiles.expect(decoded.value);
  }
  const result = await ctx.station.requestStart({
    // The connector asked for, not only its EVSE: on an EVSE with two connectors the vehicle at
    // the other one must not get the transaction (6.33 connectorId).
    evseId: target?.evseId,
    connectorId: target?.connectorId,
    idToken: idTokenOf(request.idTag),
    authorizeFirst: ctx.configuration.getBool('AuthorizeRemoteTxRequests'),
    remoteStartId,
  });
  if (remoteStartId !== undefined) txProfiles.settled(remoteStartId, result.status === 'Accepted' ? result.evseId : undefined);
  return { status: result.status };
};
