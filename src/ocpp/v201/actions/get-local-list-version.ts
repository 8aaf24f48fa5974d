import type { GetLocalListVersionResponse } from 'ocpp-messages/v2.0/index.js';
import type { LocalAuthorizationList } from '../../../services/authorization/index.js';
import type { V201Context } from '../context.js';
import { deviceModelLocalAuthorizationSettings } from '../../../services/device-configuration/v201-settings.js';

/**
 * D02 GetLocalListVersion: the installed list's version (D02.FR.01); 0 when none was ever sent
 * (D02.FR.02) or while the list is disabled (D02.FR.03).
 */
export const getLocalListVersion = (ctx: V201Context, list: LocalAuthorizationList) => (): GetLocalListVersionResponse => ({
  versionNumber: deviceModelLocalAuthorizationSettings(ctx.deviceModel).localListEnabled ? list.version : 0,
});
