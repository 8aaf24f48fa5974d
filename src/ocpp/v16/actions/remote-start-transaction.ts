import type { RemoteStartTransactionRequest, RemoteStartTransactionResponse } from 'ocpp-messages/v1.6/index.js';
import type { ChargingProfile } from '../../../services/smart-charging/charging-profile.js';
import type { SmartChargingRules } from '../../../services/smart-charging/smart-charging.js';
import { idTokenOf, type V16Context } from '../context.js';
import { remoteStartProfileFrom16 } from './charging-profile-codec.js';
import { profileDecoding16 } from './charging-profiles.js';
import type { RemoteStartProfiles } from './remote-start-profiles.js';

/**
 * What the service would refuse of a profile that cannot be installed yet (its transaction has
 * not started): the 9.4 limits, so that the remote start is Rejected rather than started without it.
 */
function rulesProblem(profile: ChargingProfile, rules: SmartChargingRules): string | undefined {
  if (profile.stackLevel > rules.maxStackLevel) return `stack level ${profile.stackLevel} above ChargeProfileMaxStackLevel ${rules.maxStackLevel}`;
  for (const schedule of profile.schedules) {
    if (!rules.rateUnits.includes(schedule.rateUnit)) return `rate unit ${schedule.rateUnit} not allowed`;
    if (schedule.periods.length > rules.maxPeriodsPerSchedule) return `${schedule.periods.length} periods, more than ChargingScheduleMaxPeriods ${rules.maxPeriodsPerSchedule}`;
  }
  return undefined;
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
    const problem = decoded.ok ? rulesProblem(decoded.value, ctx.smartChargingRules()) : decoded.detail;
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
