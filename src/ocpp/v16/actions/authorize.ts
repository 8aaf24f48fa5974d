import type { AuthorizeResponse } from 'ocpp-messages/v1.6/index.js';
import type { AuthorizationPort } from '../../../station/ports.js';
import type { AuthorizationResult, IdToken } from '../../../station/types.js';
import { idTokenOf, type V16Context } from '../context.js';

type IdTagInfo = AuthorizeResponse['idTagInfo'];

/** A 1.6 IdTagInfo in the core's words: parentIdTag is the group, expiryDate the cache expiry. */
export function authorizationFromIdTagInfo(info: IdTagInfo): AuthorizationResult {
  const result: AuthorizationResult = { status: info.status };
  if (info.parentIdTag) result.groupIdToken = idTokenOf(info.parentIdTag);
  if (info.expiryDate) result.cacheExpiresAt = new Date(info.expiryDate);
  return result;
}

/** 4.1 Authorize. A tag longer than 1.6's 20 characters cannot be asked about: Invalid. */
export function csmsAuthorizer16(ctx: V16Context): AuthorizationPort {
  return {
    async authorize(idToken: IdToken): Promise<AuthorizationResult> {
      if (idToken.idToken.length > 20) return { status: 'Invalid' };
      try {
        const answer = (await ctx.send('Authorize', { idTag: idToken.idToken })) as AuthorizeResponse;
        return { ...authorizationFromIdTagInfo(answer.idTagInfo), source: 'remote' };
      } catch (err) {
        ctx.log.warning(`Authorize failed: ${(err as Error).message}`);
        return { status: 'Unknown', unreachable: true };
      }
    },
  };
}
