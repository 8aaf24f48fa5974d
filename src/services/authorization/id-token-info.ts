import { createHash } from 'node:crypto';
import type { AuthorizationResult, AuthorizationStatus, IdToken, IdTokenKind } from '../../station/types.js';

/**
 * What both local stores (the Authorization Cache and the Local Authorization List) keep about an id
 * token, and how they write it down.
 *
 * Id tokens are matched by type and, as both OCPP versions define them case insensitive, without
 * regard to case. Both stores keep only a hash of the token (C10.FR.12): neither version ever asks
 * for their contents back. A 1.6 adapter gives its idTags one fixed type.
 */

/** What the authority said of an id token, as kept locally (2.0.1 IdTokenInfo, 1.6 IdTagInfo). */
export type IdTokenInfo = Pick<AuthorizationResult, 'status' | 'groupIdToken' | 'cacheExpiresAt'>;

/** An entry found locally; `expired` when its validity has passed (it then reads Expired). */
export interface LocalMatch {
  info: IdTokenInfo;
  expired: boolean;
}

/** Default sizes; the Local Authorization List's is reported as LocalAuthListCtrlr.Entries' maxLimit. */
export const AUTH_CACHE_MAX_ENTRIES = 1000;
export const LOCAL_LIST_MAX_ENTRIES = 1000;

// C02.FR.03, C03.FR.02, C05.FR.02: these are never kept in the cache.
export const NEVER_CACHED: readonly IdTokenKind[] = ['Central', 'NoAuthorization'];

const STATUSES: readonly AuthorizationStatus[] = [
  'Accepted', 'Blocked', 'ConcurrentTx', 'Expired', 'Invalid', 'NoCredit', 'NotAllowedTypeEVSE', 'NotAtThisLocation', 'NotAtThisTime', 'Unknown',
];

/** The key a store files a token under: a hash of its type and its lower-cased value (C10.FR.12). */
export function tokenKey(idToken: IdToken): string {
  return createHash('sha256').update(`${idToken.type}\n${idToken.idToken.toLowerCase()}`).digest('base64url');
}

// Persisted form: one small JSON document per store, checked when read (a hand-edited or old
// file must not crash the agent; what does not fit is dropped with a warning).

export interface StoredInfo {
  status: AuthorizationStatus;
  groupIdToken?: IdToken;
  /** ISO 8601. */
  expiresAt?: string;
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isIdToken(x: unknown): x is IdToken {
  return isRecord(x) && typeof x['idToken'] === 'string' && typeof x['type'] === 'string';
}

export function validDate(d: Date | undefined): d is Date {
  return d !== undefined && Number.isFinite(d.getTime());
}

/** The info a stored entry holds, or undefined when it does not read as one. */
export function readInfo(x: unknown): IdTokenInfo | undefined {
  if (!isRecord(x) || !STATUSES.includes(x['status'] as AuthorizationStatus)) return undefined;
  const group = x['groupIdToken'];
  const expires = typeof x['expiresAt'] === 'string' ? new Date(x['expiresAt']) : undefined;
  const info: IdTokenInfo = { status: x['status'] as AuthorizationStatus };
  if (isIdToken(group)) info.groupIdToken = { idToken: group.idToken, type: group.type };
  if (validDate(expires)) info.cacheExpiresAt = expires;
  return info;
}

export function storedInfo(info: IdTokenInfo): StoredInfo {
  const stored: StoredInfo = { status: info.status };
  if (info.groupIdToken) stored.groupIdToken = { idToken: info.groupIdToken.idToken, type: info.groupIdToken.type };
  if (validDate(info.cacheExpiresAt)) stored.expiresAt = info.cacheExpiresAt.toISOString();
  return stored;
}

/** A copy, so that callers cannot change what a store holds. */
export function copyInfo(info: IdTokenInfo): IdTokenInfo {
  const copy: IdTokenInfo = { status: info.status };
  if (info.groupIdToken) copy.groupIdToken = { ...info.groupIdToken };
  if (validDate(info.cacheExpiresAt)) copy.cacheExpiresAt = new Date(info.cacheExpiresAt.getTime());
  return copy;
}
