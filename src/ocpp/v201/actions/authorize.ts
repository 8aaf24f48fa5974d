import type { AuthorizeRequest, AuthorizeResponse } from 'ocpp-messages/v2.0/index.js';
import type { IdTokenInfoType } from 'ocpp-messages/v2.0/AuthorizeResponse.js';
import type { IdTokenInfo } from '../../../services/authorization/index.js';
import type { AuthorizationPort } from '../../../station/ports.js';
import type { AuthorizationResult, IdToken } from '../../../station/types.js';
import type { V201Context } from '../context.js';

/**
 * What the core keeps of an IdTokenInfo (AuthorizeResponse, TransactionEventResponse,
 * SendLocalList): status, group and cacheExpiryDateTime.
 */
export function idTokenInfoFrom(info: IdTokenInfoType): IdTokenInfo {
  const group = info.groupIdToken;
  const kept: IdTokenInfo = { status: info.status };
  if (group) kept.groupIdToken = { idToken: group.idToken, type: group.type };
  if (info.cacheExpiryDateTime) kept.cacheExpiresAt = new Date(info.cacheExpiryDateTime);
  return kept;
}

/**
 * C01: the core asks the CSMS whether an id token may charge. Without an accepted connection, or
 * without an answer in time, the answer is Unknown and marked unreachable, so that a LocalAuthorizer
 * around it applies the offline rules (C13, C15).
 */
export function csmsAuthorizer(ctx: V201Context): AuthorizationPort {
  return {
    async authorize(idToken: IdToken): Promise<AuthorizationResult> {
      const request: AuthorizeRequest = { idToken: { idToken: idToken.idToken, type: idToken.type } };
      try {
        const response = (await ctx.send('Authorize', request)) as AuthorizeResponse;
        return idTokenInfoFrom(response.idTokenInfo);
      } catch (err) {
        ctx.log.warning(`Authorize of a ${idToken.type} token failed: ${(err as Error).message}`);
        return { status: 'Unknown', unreachable: true };
      }
    },
  };
}
