import type { GetChargingProfilesRequest, GetChargingProfilesResponse, ReportChargingProfilesRequest } from 'ocpp-messages/v2.0/index.js';
import type { InstalledProfile } from '../../../services/smart-charging/charging-profile.js';
import type { ProfileCriteria } from '../../../services/smart-charging/smart-charging.js';
import { profileTo201, type ProfileTimes } from './charging-profile-codec.js';
import { profileTimes } from './set-charging-profile.js';
import type { V201Context } from '../context.js';

/** Profiles per ReportChargingProfilesRequest: a few kB at most with 48 periods each. */
const PROFILES_PER_REPORT = 8;

/**
 * The reports of the matching profiles: one EVSE per report (its evseId is one field), split so
 * that none grows large, tbc on every one but the last (K09.FR.02), requestId on each (K09.FR.01).
 * All were set by the CSMS: chargingLimitSource CSO.
 */
export function chargingProfileReports(requestId: number, profiles: readonly InstalledProfile[], times: ProfileTimes): ReportChargingProfilesRequest[] {
  const byEvse = new Map<number, InstalledProfile[]>();
  for (const p of profiles) byEvse.set(p.evseId, [...(byEvse.get(p.evseId) ?? []), p]);
  const reports: ReportChargingProfilesRequest[] = [];
  for (const [evseId, installed] of [...byEvse].sort(([a], [b]) => a - b)) {
    for (let i = 0; i < installed.length; i += PROFILES_PER_REPORT) {
      const chargingProfile = installed.slice(i, i + PROFILES_PER_REPORT).map((p) => profileTo201(p.profile, times));
      reports.push({ requestId, chargingLimitSource: 'CSO', evseId, chargingProfile: chargingProfile as ReportChargingProfilesRequest['chargingProfile'], tbc: true });
    }
  }
  const last = reports.at(-1);
  if (last) delete last.tbc;
  return reports;
}

/**
 * K09 GetChargingProfiles: Accepted, then the installed profiles that match every criterion in
 * ReportChargingProfiles (after the answer, as messages the CSMS asked for); NoProfiles when none
 * match. evseId 0 is the station's own profiles (K09.FR.05), none is every EVSE's (K09.FR.06).
 * Every profile here was set by the CSMS, so a chargingLimitSource without CSO matches none.
 */
export const getChargingProfiles = (ctx: V201Context) => (payload: unknown): GetChargingProfilesResponse => {
  const request = payload as GetChargingProfilesRequest;
  const criterion = request.chargingProfile;
  const criteria: ProfileCriteria = {
    ...(criterion.chargingProfileId ? { ids: criterion.chargingProfileId } : {}),
    ...(request.evseId !== undefined ? { evseId: request.evseId } : {}),
    ...(criterion.chargingProfilePurpose ? { purpose: criterion.chargingProfilePurpose } : {}),
    ...(criterion.stackLevel !== undefined ? { stackLevel: criterion.stackLevel } : {}),
  };
  const fromCso = criterion.chargingLimitSource === undefined || criterion.chargingLimitSource.includes('CSO');
  const matching = fromCso ? ctx.smartCharging.installed(criteria) : [];
  if (matching.length === 0) return { status: 'NoProfiles' };
  const reports = chargingProfileReports(request.requestId, matching, profileTimes(ctx));
  setImmediate(() => {
    void (async () => {
      try {
        for (const report of reports) await ctx.send('ReportChargingProfiles', report, { triggered: true });
      } catch (err) {
        ctx.log.warning(`ReportChargingProfiles ${request.requestId} not delivered in full: ${(err as Error).message}`);
      }
    })();
  });
  return { status: 'Accepted' };
};
