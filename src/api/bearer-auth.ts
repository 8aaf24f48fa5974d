import { createHash, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../config/station-config.js';

/**
 * Why a request's Authorization header does not carry the API token, or undefined when it does
 * (RFC 6750). Both sides are hashed first, so the comparison takes the same time whatever the
 * length or content of what was sent.
 */
export function bearerProblem(header: string | undefined, token: Secret): string | undefined {
  if (header === undefined) return 'no Authorization header';
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match) return 'the Authorization header is not a Bearer token';
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(match[1]!), digest(token.reveal())) ? undefined : 'wrong token';
}

/**
 * Why a request carries no valid API token, or undefined when it does: the Authorization header
 * (RFC 6750 2.1), or else the `token` query parameter (RFC 6750 2.3), which the status page's
 * EventSource has to use because it cannot set headers.
 */
export function requestTokenProblem(header: string | undefined, queryToken: string | null, token: Secret): string | undefined {
  if (header === undefined && queryToken !== null) return sameSecret(queryToken, token) ? undefined : 'wrong token in the query';
  return bearerProblem(header, token);
}

function sameSecret(sent: string, token: Secret): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(sent), digest(token.reveal()));
}
