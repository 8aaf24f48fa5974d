import type { GetCompositeScheduleRequest, GetCompositeScheduleResponse } from 'ocpp-messages/v2.0/index.js';
import type { ChargingRateUnit } from '../../../services/smart-charging/charging-profile.js';
import { deviceModelSmartChargingRules } from '../../../services/device-configuration/v201-settings.js';
import { compositeTo201 } from './charging-profile-codec.js';
import { profileTimes } from './set-charging-profile.js';
import type { V201Context } from '../context.js';
import { NOMINAL_VOLTAGE_V } from '../../../services/smart-charging/charging-profile.js';

/** The set voltage of the area (K01.FR.50), as EVSE.Power's maxLimit reads it. */

/** What an EVSE (0: all of them together) can draw at most, in the unit asked: the composite's "no limit". */
function hardwareMaximum(ctx: V201Context, evseId: number, unit: ChargingRateUnit): number {
  const evses = ctx.config.evses.filter((e) => evseId === 0 || e.id === evseId);
  const perEvse = evses.map((e) => (unit === 'A' ? e.maxCurrentA : e.maxCurrentA * NOMINAL_VOLTAGE_V * e.phases));
  return perEvse.reduce((sum, x) => sum + x, 0);
}

/**
 * K08 GetCompositeSchedule: the limits the profiles set on an EVSE (0: the grid connection,
 * K08.FR.03) from now for `duration` seconds (K08.FR.02), as the service works them out (K08.FR.04,
 * K08.FR.06); Rejected for an unknown EVSE (K08.FR.05) or a unit RateUnit does not list (K08.FR.07).
 */
export const getCompositeSchedule = (ctx: V201Context) => (payload: unknown): GetCompositeScheduleResponse => {
  const request = payload as GetCompositeScheduleRequest;
  const rejected = (reasonCode: string, additionalInfo: string): GetCompositeScheduleResponse => {
    ctx.log.warning(`GetCompositeSchedule of EVSE ${request.evseId} rejected: ${additionalInfo}`);
    return { status: 'Rejected', statusInfo: { reasonCode, additionalInfo } };
  };
  if (request.evseId !== 0 && !ctx.config.evses.some((e) => e.id === request.evseId)) return rejected('UnknownEvse', `no EVSE ${request.evseId}`);
  const units = deviceModelSmartChargingRules(ctx.deviceModel).rateUnits;
  if (request.chargingRateUnit !== undefined && !units.includes(request.chargingRateUnit)) {
    return rejected('UnsupportedRateUnit', `${request.chargingRateUnit} is not in SmartChargingCtrlr.RateUnit (${units.join(',')})`);
  }
  const composite = ctx.smartCharging.composite(request.evseId, request.duration, request.chargingRateUnit);
  const unlimited = hardwareMaximum(ctx, request.evseId, composite.rateUnit);
  return { status: 'Accepted', schedule: compositeTo201(composite, unlimited, profileTimes(ctx)) };
};
