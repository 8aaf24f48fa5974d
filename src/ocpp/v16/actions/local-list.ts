import type { ClearCacheResponse } from 'ocpp-messages/v1.6/index.js';
import type { GetLocalListVersionResponse } from 'ocpp-messages/v1.6/index.js';
import type { SendLocalListRequest, SendLocalListResponse } from 'ocpp-messages/v1.6/index.js';
import type { LocalListItem } from '../../../services/authorization/index.js';
import { idTokenOf, type V16Context } from '../context.js';
import { authorizationFromIdTagInfo } from './authorize.js';

/** 5.15 SendLocalList: Full or Differential; NotSupported while the list is disabled (LocalAuthListEnabled). */
export const sendLocalList16 = (ctx: V16Context) => (payload: unknown): SendLocalListResponse => {
  const request = payload as SendLocalListRequest;
  const local = ctx.localAuthorizer;
  if (!local || !ctx.configuration.getBool('LocalAuthListEnabled')) return { status: 'NotSupported' };
  const entries = request.localAuthorizationList ?? [];
  if (entries.length > ctx.configuration.getInt('SendLocalListMaxLength')) return { status: 'Failed' };
  const items: LocalListItem[] = entries.map((e) => {
    const idToken = idTokenOf(e.idTag);
    // The package's pre-errata schema lacks these two fields of IdTagInfo (1.6 errata 2.3).
    const info = e.idTagInfo as (NonNullable<typeof e.idTagInfo> & { parentIdTag?: string; expiryDate?: string }) | undefined;
    if (!info) return { idToken };
    return { idToken, info: authorizationFromIdTagInfo(info) };
  });
  const outcome = local.list.update(request.updateType, request.listVersion, items);
  if (outcome.status === 'Accepted') return { status: 'Accepted' };
  ctx.log.warning(`SendLocalList ${request.updateType} version ${request.listVersion} refused: ${outcome.detail}`);
  return { status: outcome.status };
};

/** 5.9 GetLocalListVersion: -1 when local lists are not supported (disabled), 0 for no list. */
export const getLocalListVersion16 = (ctx: V16Context) => (): GetLocalListVersionResponse => {
  const local = ctx.localAuthorizer;
  if (!local || !ctx.configuration.getBool('LocalAuthListEnabled')) return { listVersion: -1 };
  return { listVersion: local.list.version };
};

/** 5.4 ClearCache: Rejected while the cache is disabled (AuthorizationCacheEnabled). */
export const clearCache16 = (ctx: V16Context) => (): ClearCacheResponse => {
  const local = ctx.localAuthorizer;
  if (!local || !ctx.configuration.getBool('AuthorizationCacheEnabled')) return { status: 'Rejected' };
  return { status: local.cache.clear() ? 'Accepted' : 'Rejected' };
};
