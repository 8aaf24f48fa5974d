import type { SetVariablesRequest, SetVariablesResponse } from 'ocpp-messages/v2.0/index.js';
import type { CallContext } from '../../rpc/rpc-endpoint.js';
import { RpcError } from '../../rpc/rpc-errors.js';
import { isRpcErrorAnswer } from '../device-model/device-model.js';
import type { V201Context } from '../context.js';

/** B05 SetVariables: checked, applied and persisted by the device model; the agent follows its changes$. */
export const setVariables = (ctx: V201Context) => async (payload: unknown, call?: CallContext): Promise<SetVariablesResponse> => {
  const request = payload as SetVariablesRequest;
  // Over ItemsPerMessage/BytesPerMessage[SetVariables]: a CALLERROR, as for GetVariables; the size is the frame's as received.
  const answer = await ctx.deviceModel.setVariables(request, { requestBytes: call?.frameBytes });
  if (isRpcErrorAnswer(answer)) throw new RpcError(answer.rpcError, answer.description);
  return answer;
};
