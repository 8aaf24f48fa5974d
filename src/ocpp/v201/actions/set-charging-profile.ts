import type { SetChargingProfileRequest, SetChargingProfileResponse } from 'ocpp-messages/v2.0/index.js';
import type { ChargingProfileType } from 'ocpp-messages/v2.0/SetChargingProfileRequest.js';
import type { ChargingProfile } from '../../../services/smart-charging/charging-profile.js';
import { profileFrom201, REJECTION_REASON_CODES, type Decoded, type ProfileTimes } from './charging-profile-codec.js';
import type { V201Context } from '../context.js';

/** The CSMS' clock <-> the agent's, for the profiles' dates. */
export function profileTimes(ctx: V201Context): ProfileTimes {
  return {
    toLocal: (csmsTime) => new Date(csmsTime.getTime() - ctx.clock.offset),
    toCsms: (localTime) => ctx.clock.toCsms(localTime),
  };
}

/** SmartChargingCtrlr.Enabled: while false the station acts as one without smart charging (K05.FR.04). */
export function smartChargingEnabled(ctx: V201Context): boolean {
  return ctx.deviceModel.getBool('SmartChargingCtrlr', 'Enabled');
}

/**
 * What 2.0.1 asks of a profile's phases beyond the service's shared rules, for this hardware: it
 * cannot switch phases, so it cannot ensure that a vehicle on a 3-phase EVSE uses fewer (K01.FR.43)
 * nor pick the phase of 1-phase charging (K01.FR.48); more phases than the EVSE has are imposed as
 * its own (K01.FR.45). EVSE 0 stands for every EVSE.
 */
export function checkPhases(ctx: V201Context, evseId: number, raw: ChargingProfileType): Decoded<ChargingProfileType> {
  const refuse = (reasonCode: string, detail: string): Decoded<ChargingProfileType> => ({ ok: false, reasonCode, detail });
  // An unknown EVSE is the service's to refuse (UnknownEvse).
  const evses = ctx.config.evses.filter((e) => evseId === 0 || e.id === evseId);
  const fewestPhases = evses.length > 0 ? Math.min(...evses.map((e) => e.phases)) : 0;
  for (const period of raw.chargingSchedule.flatMap((s) => s.chargingSchedulePeriod)) {
    if (period.phaseToUse !== undefined) return refuse('UnsupportedParam', 'K01.FR.48: this station cannot choose the phase of 1-phase charging (ACPhaseSwitchingSupported false)');
    if (period.numberPhases !== undefined && period.numberPhases < fewestPhases) {
      return refuse('UnsupportedParam', `K01.FR.43: numberPhases ${period.numberPhases} on a ${fewestPhases}-phase EVSE, which cannot keep a vehicle to fewer phases`);
    }
  }
  return { ok: true, value: raw };
}

/** The profile as the service keeps it, once 2.0.1's own rules are met. */
export function decodeProfile(ctx: V201Context, evseId: number, raw: ChargingProfileType): Decoded<ChargingProfile> {
  const decoded = profileFrom201(raw, profileTimes(ctx));
  if (!decoded.ok) return decoded;
  const checked = checkPhases(ctx, evseId, raw);
  return checked.ok ? decoded : checked;
}

/**
 * K01 SetChargingProfile: the profile installed on an EVSE (0: the station) through the smart
 * charging service, which replaces one of the same id (K01.FR.05), persists it (K01.FR.27) and
 * applies the new limits at once (K01.FR.07); Rejected with the reason code of what is wrong.
 * While SmartChargingCtrlr.Enabled is false every profile is Rejected (NotEnabled).
 */
export const setChargingProfile = (ctx: V201Context) => (payload: unknown): SetChargingProfileResponse => {
  const request = payload as SetChargingProfileRequest;
  const profileId = request.chargingProfile.id;
  const rejected = (reasonCode: string, additionalInfo: string): SetChargingProfileResponse => {
    ctx.log.warning(`SetChargingProfile ${profileId} on EVSE ${request.evseId} rejected: ${additionalInfo}`);
    return { status: 'Rejected', statusInfo: { reasonCode, additionalInfo } };
  };
  if (!smartChargingEnabled(ctx)) return rejected('NotEnabled', 'smart charging is disabled (SmartChargingCtrlr.Enabled)');
  const decoded = decodeProfile(ctx, request.evseId, request.chargingProfile);
  if (!decoded.ok) return rejected(decoded.reasonCode, decoded.detail);
  const result = ctx.smartCharging.set(request.evseId, decoded.value);
  if (result.status === 'Rejected') return rejected(REJECTION_REASON_CODES[result.reason], result.detail);
  ctx.log.info(`charging profile ${profileId} (${decoded.value.purpose}, stack level ${decoded.value.stackLevel}) installed on EVSE ${request.evseId}`);
  return { status: 'Accepted' };
};
