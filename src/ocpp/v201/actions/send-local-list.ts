import type { SendLocalListRequest, SendLocalListResponse } from 'ocpp-messages/v2.0/index.js';
import type { AuthorizationData } from 'ocpp-messages/v2.0/SendLocalListRequest.js';
import type { LocalAuthorizationList, LocalListItem, LocalListRefusal } from '../../../services/authorization/index.js';
import type { V201Context } from '../context.js';
import type { CallContext } from '../../rpc/rpc-endpoint.js';
import { jsonByteLength } from '../../../util/json-text.js';
import { idTokenInfoFrom } from './authorize.js';
import { deviceModelLocalAuthorizationSettings } from '../../../services/device-configuration/v201-settings.js';

/** The reason code (Part 2 appendix 5) that goes with each refusal. */
const REASON_CODES: Readonly<Record<LocalListRefusal, string>> = {
  VersionNotPositive: 'ValuePositiveOnly',
  VersionNotNewer: 'InvalidValue',
  MissingInfo: 'MissingParam',
  Duplicate: 'InvalidValue',
  TooManyEntries: 'TooManyElements',
  StorageFailed: 'InternalError',
};

function item(data: AuthorizationData): LocalListItem {
  const idToken = { idToken: data.idToken.idToken, type: data.idToken.type };
  return data.idTokenInfo ? { idToken, info: idTokenInfoFrom(data.idTokenInfo) } : { idToken };
}

/**
 * D01 SendLocalList: a Full or Differential update of the Local Authorization List, Accepted, or
 * Failed / VersionMismatch with the list as it was. Also Failed, and nothing changed: a request over
 * ItemsPerMessage or BytesPerMessage (D01.FR.11; TooManyElements, the reason code named for
 * SendLocalList), and any request while LocalAuthListCtrlr.Enabled is false (D01's prerequisite;
 * NotEnabled), as 2.0.1 has no NotSupported status.
 */
export const sendLocalList = (ctx: V201Context, list: LocalAuthorizationList) => (payload: unknown, call?: CallContext): SendLocalListResponse => {
  const request = payload as SendLocalListRequest;
  const dm = ctx.deviceModel;
  const failed = (reasonCode: string, additionalInfo: string): SendLocalListResponse => {
    ctx.log.warning(`SendLocalList ${request.updateType} version ${request.versionNumber} refused: ${additionalInfo}`);
    return { status: 'Failed', statusInfo: { reasonCode, additionalInfo } };
  };
  if (!deviceModelLocalAuthorizationSettings(dm).localListEnabled) return failed('NotEnabled', 'the Local Authorization List is disabled (LocalAuthListCtrlr.Enabled)');
  const items = request.localAuthorizationList ?? [];
  const maxItems = dm.getInt('LocalAuthListCtrlr', 'ItemsPerMessage');
  if (items.length > maxItems) return failed('TooManyElements', `${items.length} items, more than ItemsPerMessage ${maxItems}`);
  const bytes = call?.frameBytes ?? jsonByteLength(request);
  const maxBytes = dm.getInt('LocalAuthListCtrlr', 'BytesPerMessage');
  if (bytes > maxBytes) return failed('TooManyElements', `${bytes} bytes, more than BytesPerMessage ${maxBytes}`);
  const outcome = list.update(request.updateType, request.versionNumber, items.map(item));
  if (outcome.status === 'Accepted') {
    ctx.log.info(`local authorization list: ${request.updateType} update to version ${list.version}, ${list.size} id tokens`);
    return { status: 'Accepted' };
  }
  ctx.log.warning(`SendLocalList ${request.updateType} version ${request.versionNumber} refused: ${outcome.detail}`);
  return { status: outcome.status, statusInfo: { reasonCode: REASON_CODES[outcome.refusal], additionalInfo: outcome.detail } };
};
