import type {
  ClearChargingProfileRequest,
  ClearChargingProfileResponse,
  GetCompositeScheduleRequest,
  GetCompositeScheduleResponse,
  SetChargingProfileRequest,
  SetChargingProfileResponse,
} from 'ocpp-messages/v1.6/index.js';
import { NOMINAL_VOLTAGE_V, type ChargingProfile, type ChargingRateUnit, type InstalledProfile } from '../../../services/smart-charging/charging-profile.js';
import type { ProfileCriteria, SetProfileResult, SmartCharging } from '../../../services/smart-charging/smart-charging.js';
import type { V16Context } from '../context.js';
import { compositeTo16, purposeFrom16, setRequestFrom16, type ProfileDecoding16 } from './charging-profile-codec.js';

/**
 * The Smart Charging profile's messages (3.13, 5.5, 5.7, 5.16): the 1.6 codec between the
 * Central System and the version-neutral smart charging service.
 */

/** How the codec reaches the station through the context. */
export function profileDecoding16(ctx: V16Context): ProfileDecoding16 {
  return {
    evseOfConnector: (n) => ctx.numbering.fromOcpp16(n)?.evseId,
    now: () => ctx.clock.local.now(),
    toLocal: (t) => new Date(t.getTime() - ctx.clock.offset),
    localTransactionId: (id) => ctx.localTransactionId(id),
    transactionOn: (n) => {
      // On an EVSE with two connectors, only the one the vehicle is at has the transaction (6.43 connectorId).
      const target = ctx.numbering.fromOcpp16(n);
      const tx = target && ctx.station.evse(target.evseId)?.transaction;
      return tx && (tx.connectorId === undefined || tx.connectorId === target.connectorId) ? tx.id : undefined;
    },
  };
}

/**
 * Installs a profile as 1.6 wants it: 3.13.2 and 5.16.3, a profile with the stackLevel and purpose
 * of one installed there (for a TxProfile: of its transaction) replaces it, whatever their
 * validity, where the service, as 2.0.1 K01.FR.06, refuses a duplicate whose validity overlaps.
 * The new one goes in first when it can, so the limit in force never lapses between the two; the
 * replaced ones come back if it fails.
 */
export function installProfile16(service: SmartCharging, evseId: number, profile: ChargingProfile): SetProfileResult {
  const sameSlot = (): InstalledProfile[] =>
    service
      .installed({ evseId, purpose: profile.purpose, stackLevel: profile.stackLevel })
      .filter((p) => p.evseId === evseId && p.profile.id !== profile.id && (profile.purpose !== 'TxProfile' || p.profile.transactionId === profile.transactionId));
  const first = service.set(evseId, profile);
  if (first.status === 'Accepted') {
    const stale = sameSlot();
    if (stale.length > 0) service.clear({ ids: stale.map((p) => p.profile.id) });
    return first;
  }
  if (first.reason !== 'DuplicateProfile') return first;
  const replaced = sameSlot();
  if (replaced.length === 0) return first;
  service.clear({ ids: replaced.map((p) => p.profile.id) });
  const second = service.set(evseId, profile);
  if (second.status !== 'Accepted') for (const p of replaced) service.set(p.evseId, p.profile);
  return second;
}

/** 5.16 SetChargingProfile: Accepted or Rejected (1.6 has no reason field: the reason is logged). */
export const setChargingProfile16 = (ctx: V16Context) => (payload: unknown): SetChargingProfileResponse => {
  const request = payload as SetChargingProfileRequest;
  const raw = request.csChargingProfiles;
  const rejected = (detail: string): SetChargingProfileResponse => {
    ctx.log.warning(`SetChargingProfile ${raw.chargingProfileId} on connector ${request.connectorId} rejected: ${detail}`);
    return { status: 'Rejected' };
  };
  const decoded = setRequestFrom16(request.connectorId, raw, profileDecoding16(ctx));
  if (!decoded.ok) return rejected(decoded.detail);
  const result = installProfile16(ctx.smartCharging, decoded.value.evseId, decoded.value.profile);
  if (result.status !== 'Accepted') return rejected(`${result.reason}: ${result.detail}`);
  ctx.log.info(`charging profile ${raw.chargingProfileId} (${raw.chargingProfilePurpose}, stack level ${raw.stackLevel}) installed on connector ${request.connectorId}`);
  return { status: 'Accepted' };
};

/**
 * 5.5 ClearChargingProfile: one profile by id, or those matching every criterion given (6.13:
 * connectorId 0 is the Charge Point's own); none given clears all. Unknown when none matched.
 */
export const clearChargingProfile16 = (ctx: V16Context) => (payload: unknown): ClearChargingProfileResponse => {
  const request = payload as ClearChargingProfileRequest;
  const criteria: ProfileCriteria = {};
  if (request.id !== undefined) {
    criteria.ids = [request.id];
  } else {
    if (request.connectorId !== undefined) {
      const evseId = request.connectorId === 0 ? 0 : ctx.numbering.fromOcpp16(request.connectorId)?.evseId;
      if (evseId === undefined) return { status: 'Unknown' };
      criteria.evseId = evseId;
    }
    if (request.chargingProfilePurpose !== undefined) criteria.purpose = purposeFrom16(request.chargingProfilePurpose);
    if (request.stackLevel !== undefined) criteria.stackLevel = request.stackLevel;
  }
  const cleared = ctx.smartCharging.clear(criteria);
  if (cleared > 0) ctx.log.info(`${cleared} charging profile(s) cleared`);
  return { status: cleared > 0 ? 'Accepted' : 'Unknown' };
};

/**
 * The most an EVSE (0: the station, all of them) takes, in a unit: where no profile limits it.
 * 7.12: W from A with "the set voltage for the area", not the measured one.
 */
function ceilingOf(ctx: V16Context, evseId: number, unit: ChargingRateUnit): number {
  const evses = ctx.config.evses.filter((e) => evseId === 0 || e.id === evseId);
  return evses.reduce((sum, e) => sum + (unit === 'A' ? e.maxCurrentA : e.maxCurrentA * NOMINAL_VOLTAGE_V * e.phases), 0);
}

/**
 * 5.7 GetCompositeSchedule from now for `duration` seconds; connector 0: what the Charge Point as
 * a whole takes from the grid. Rejected for an unknown connector or a unit the Charge Point does
 * not allow (9.4.2).
 */
export const getCompositeSchedule16 = (ctx: V16Context) => (payload: unknown): GetCompositeScheduleResponse => {
  const request = payload as GetCompositeScheduleRequest;
  const evseId = request.connectorId === 0 ? 0 : ctx.numbering.fromOcpp16(request.connectorId)?.evseId;
  if (evseId === undefined || !(request.duration >= 0)) return { status: 'Rejected' };
  const unit = request.chargingRateUnit;
  if (unit !== undefined && !ctx.smartChargingRules().rateUnits.includes(unit)) return { status: 'Rejected' };
  const composite = ctx.smartCharging.composite(evseId, request.duration, unit);
  const answer = compositeTo16(composite, ceilingOf(ctx, evseId, composite.rateUnit), (t) => ctx.clock.toCsms(t));
  return { status: 'Accepted', connectorId: request.connectorId, ...answer };
};
