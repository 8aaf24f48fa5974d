import type { GetVariablesRequest, GetVariablesResponse } from 'ocpp-messages/v2.0/index.js';
import type { CallContext } from '../../rpc/rpc-endpoint.js';
import { RpcError } from '../../rpc/rpc-errors.js';
import { isRpcErrorAnswer } from '../device-model/device-model.js';
import type { V201Context } from '../context.js';

/**
 * B06 GetVariables: answered by the device model; a request over ItemsPerMessage/BytesPerMessage is a
 * CALLERROR (B06.FR.16/17), its size counted as received (the frame), whatever its customData holds.
 */
export const getVariables = (ctx: V201Context) => (payload: unknown, call?: CallContext): GetVariablesResponse => {
  const request = payload as GetVariablesRequest;
  const answer = ctx.deviceModel.getVariables(request, { requestBytes: call?.frameBytes });
  if (isRpcErrorAnswer(answer)) throw new RpcError(answer.rpcError, answer.description);
  return answer;
};
