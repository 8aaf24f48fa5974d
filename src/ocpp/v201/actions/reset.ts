import type { ResetRequest, ResetResponse } from 'ocpp-messages/v2.0/index.js';
import type { V201Context } from '../context.js';

/**
 * B11/B12 Reset, of the whole station or one EVSE. Immediate: running transactions end
 * (stoppedReason ImmediateReset, triggerReason ResetCommand) and the station restarts. OnIdle:
 * Scheduled while a transaction runs, carried out when the last one ends.
 */
export const reset = (ctx: V201Context) => (payload: unknown): ResetResponse => {
  const request = payload as ResetRequest;
  const evseId = request.evseId !== undefined && request.evseId !== 0 ? request.evseId : undefined;
  if (evseId !== undefined && !ctx.station.evse(evseId)) return { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse' } };
  const { status, done } = ctx.station.reset(request.type, evseId);
  if (status === 'Rejected') return { status };
  // The response goes out first; the restart follows once the transactions' last messages are queued.
  void done.then(() => {
    if (evseId === undefined) ctx.restart(status === 'Scheduled' ? 'ScheduledReset' : 'RemoteReset');
    else ctx.log.notice(`EVSE ${evseId} reset`);
  });
  return { status };
};
