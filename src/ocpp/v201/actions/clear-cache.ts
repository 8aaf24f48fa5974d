import type { ClearCacheResponse } from 'ocpp-messages/v2.0/index.js';
import type { AuthorizationCache } from '../../../services/authorization/index.js';
import type { V201Context } from '../context.js';
import { deviceModelLocalAuthorizationSettings } from '../../../services/device-configuration/v201-settings.js';

/**
 * C11 ClearCache: Accepted once the Authorization Cache is empty (C11.FR.03); Rejected while
 * AuthCacheCtrlr.Enabled is false, the cache then left as it is (C11.FR.04), or when it could not
 * be emptied (C11.FR.05).
 */
export const clearCache = (ctx: V201Context, cache: AuthorizationCache) => (): ClearCacheResponse => {
  if (!deviceModelLocalAuthorizationSettings(ctx.deviceModel).cacheEnabled) {
    return { status: 'Rejected', statusInfo: { reasonCode: 'NotEnabled', additionalInfo: 'the Authorization Cache is disabled (AuthCacheCtrlr.Enabled)' } };
  }
  if (!cache.clear()) return { status: 'Rejected', statusInfo: { reasonCode: 'InternalError', additionalInfo: 'the emptied cache could not be stored' } };
  ctx.log.info('authorization cache cleared');
  return { status: 'Accepted' };
};
