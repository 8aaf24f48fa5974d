import type { SetVariablesRequest, SetVariablesResponse } from 'ocpp-messages/v2.0/index.js';
import { RpcError } from '../../rpc/rpc-errors.js';
import { isRpcErrorAnswer } from '../device-model/device-model.js';
import type { V201Context } from '../context.js';

/** B05 SetVariables: checked, applied and persisted by the device model; the agent follows its changes$. */
export const setVariables = (ctx: V201Context) => async (payload: unknown): Promise<SetVariablesResponse> => {
  const request = payload as SetVariablesRequest;
  const answer = await ctx.deviceModel.setVariables(request, { requestBytes: Buffer.byteLength(JSON.stringify(request)) });
  if (isRpcErrorAnswer(answer)) throw new RpcError(answer.rpcError, answer.description);
  return answer;
};
