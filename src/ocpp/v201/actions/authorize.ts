import type { AuthorizeRequest, AuthorizeResponse } from 'ocpp-messages/v2.0/index.js';
import type { AuthorizationPort } from '../../../station/ports.js';
import type { AuthorizationResult, IdToken } from '../../../station/types.js';
import type { V201Context } from '../context.js';

/**
 * C01: the core asks the CSMS whether an id token may charge. Without an accepted connection the
 * answer is Unknown: local authorization (cache, local list) is the durability work's part.
 */
export function csmsAuthorizer(ctx: V201Context): AuthorizationPort {
  return {
    async authorize(idToken: IdToken): Promise<AuthorizationResult> {
      const request: AuthorizeRequest = { idToken: { idToken: idToken.idToken, type: idToken.type } };
      try {
        const response = (await ctx.send('Authorize', request)) as AuthorizeResponse;
        const info = response.idTokenInfo;
        const group = info.groupIdToken;
        return { status: info.status, ...(group ? { groupIdToken: { idToken: group.idToken, type: group.type } } : {}) };
      } catch (err) {
        ctx.log.warning(`Authorize of a ${idToken.type} token failed: ${(err as Error).message}`);
        return { status: 'Unknown' };
      }
    },
  };
}
