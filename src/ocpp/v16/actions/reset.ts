import type { ResetRequest, ResetResponse } from 'ocpp-messages/v1.6/index.js';
import type { V16Context } from '../context.js';

/**
 * 5.14 Reset: Soft or Hard, the station stops its transactions (reasons SoftReset / HardReset) and
 * restarts; the agent restarts in-process either way, a Hard one being no harder in software.
 */
export const reset16 = (ctx: V16Context) => (payload: unknown): ResetResponse => {
  const request = payload as ResetRequest;
  const { done } = ctx.station.reset('Immediate');
  void done.then(() => ctx.restart(request.type));
  return { status: 'Accepted' };
};
