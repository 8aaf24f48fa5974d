import type { ClearChargingProfileRequest, ClearChargingProfileResponse } from 'ocpp-messages/v2.0/index.js';
import type { ProfileCriteria } from '../../../services/smart-charging/smart-charging.js';
import type { V201Context } from '../context.js';

/** The service's criteria for a request: its id alone when it names one (K10.FR.03), else the fields given, as a logical AND (K10.FR.04). */
export function clearCriteria(request: ClearChargingProfileRequest): ProfileCriteria {
  if (request.chargingProfileId !== undefined) return { ids: [request.chargingProfileId] };
  const c = request.chargingProfileCriteria ?? {};
  return {
    ...(c.evseId !== undefined ? { evseId: c.evseId } : {}),
    ...(c.chargingProfilePurpose ? { purpose: c.chargingProfilePurpose } : {}),
    ...(c.stackLevel !== undefined ? { stackLevel: c.stackLevel } : {}),
  };
}

/**
 * K10 ClearChargingProfile: Accepted when profiles matched and were cleared, the limits worked out
 * again by the service (K10.FR.05, .07); Unknown when none matched (K10.FR.01). External
 * constraints are never cleared by the CSMS (K10.FR.06/08/09): asking for them finds none. With no
 * id and no criteria, every profile matches, as in 1.6.
 */
export const clearChargingProfile = (ctx: V201Context) => (payload: unknown): ClearChargingProfileResponse => {
  const request = payload as ClearChargingProfileRequest;
  if (request.chargingProfileId === undefined && request.chargingProfileCriteria?.chargingProfilePurpose === 'ChargingStationExternalConstraints') {
    return { status: 'Unknown', statusInfo: { reasonCode: 'InvalidValue', additionalInfo: 'K10.FR.06: external constraints are not for the CSMS to clear' } };
  }
  const criteria = clearCriteria(request);
  const cleared = ctx.smartCharging.clear(criteria);
  if (cleared === 0) return { status: 'Unknown' };
  ctx.log.info(`${cleared} charging profile(s) cleared (${JSON.stringify(criteria)})`);
  return { status: 'Accepted' };
};
