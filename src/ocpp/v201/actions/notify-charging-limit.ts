import type { ClearedChargingLimitRequest, NotifyChargingLimitRequest } from 'ocpp-messages/v2.0/index.js';
import type { ExternalLimitEvent } from '../../../services/local-limits/local-limits.js';

/**
 * K12/K13 NotifyChargingLimit and K14 ClearedChargingLimit: a limit from outside the CSMS holds the
 * whole station (no evseId): the building's energy manager (the grid meter, EMS) or the grid
 * operator's signal (SO). With NotifyChargingLimitWithSchedules the limit goes as a schedule of one
 * period from now, in W.
 */
export function externalLimitMessage(
  e: ExternalLimitEvent,
  options: { withSchedule: boolean; now: string },
): { action: 'NotifyChargingLimit'; payload: NotifyChargingLimitRequest } | { action: 'ClearedChargingLimit'; payload: ClearedChargingLimitRequest } {
  if (!e.active) return { action: 'ClearedChargingLimit', payload: { chargingLimitSource: e.source } };
  const payload: NotifyChargingLimitRequest = { chargingLimit: { chargingLimitSource: e.source } };
  if (options.withSchedule && e.limitW !== undefined) {
    payload.chargingSchedule = [{ id: 1, startSchedule: options.now, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: Math.floor(e.limitW) }] }];
  }
  return { action: 'NotifyChargingLimit', payload };
}
