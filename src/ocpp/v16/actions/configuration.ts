import type { ChangeConfigurationRequest, ChangeConfigurationResponse } from 'ocpp-messages/v1.6/index.js';
import type { GetConfigurationRequest, GetConfigurationResponse } from 'ocpp-messages/v1.6/index.js';
import { RpcError } from '../../rpc/rpc-errors.js';
import { isRpcErrorAnswer } from '../configuration/configuration-store.js';
import type { V16Context } from '../context.js';

/** 5.8 GetConfiguration: the keys asked for (all when none), the unknown ones in unknownKey. */
export const getConfiguration = (ctx: V16Context) => (payload: unknown): GetConfigurationResponse => {
  const answer = ctx.configuration.getConfiguration(payload as GetConfigurationRequest);
  if (isRpcErrorAnswer(answer)) throw new RpcError(answer.rpcError, answer.description);
  return answer;
};

/** 5.3 ChangeConfiguration: checked, persisted; the agent follows the store's changes$. */
export const changeConfiguration = (ctx: V16Context) => (payload: unknown): Promise<ChangeConfigurationResponse> =>
  ctx.configuration.changeConfiguration(payload as ChangeConfigurationRequest);
