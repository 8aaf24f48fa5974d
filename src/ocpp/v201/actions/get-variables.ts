import type { GetVariablesRequest, GetVariablesResponse } from 'ocpp-messages/v2.0/index.js';
import { RpcError } from '../../rpc/rpc-errors.js';
import { isRpcErrorAnswer } from '../device-model/device-model.js';
import type { V201Context } from '../context.js';

/** B06 GetVariables: answered by the device model; a request over ItemsPerMessage/BytesPerMessage is a CALLERROR. */
export const getVariables = (ctx: V201Context) => (payload: unknown): GetVariablesResponse => {
  const request = payload as GetVariablesRequest;
  const answer = ctx.deviceModel.getVariables(request, { requestBytes: Buffer.byteLength(JSON.stringify(request)) });
  if (isRpcErrorAnswer(answer)) throw new RpcError(answer.rpcError, answer.description);
  return answer;
};
