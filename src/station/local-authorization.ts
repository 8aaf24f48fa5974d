import { createHash } from 'node:crypto';
import type { AuthorizationPort, StateStore } from './ports.js';
import type { AuthorizationResult, AuthorizationStatus, IdToken, IdTokenKind } from './types.js';

/**
 * Local authorization, for either OCPP version: the Authorization Cache (2.0.1 C10-C12, 1.6 3.5.1),
 * the Local Authorization List (2.0.1 D01/D02 and C13/C14, 1.6 3.5.2 and SendLocalList) and the
 * rules that choose between them and the CSMS (LocalAuthorizeOffline, LocalPreAuthorize,
 * OfflineTxForUnknownIdEnabled, C15). No message and no socket here: the protocol adapters turn
 * their requests into these calls.
 *
 * Id tokens are matched by type and, as both versions define them case insensitive, without regard
 * to case. Both stores keep only a hash of the token (C10.FR.12): neither version ever asks for
 * their contents back. A 1.6 adapter gives its idTags one fixed type.
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
const NEVER_CACHED: readonly IdTokenKind[] = ['Central', 'NoAuthorization'];

const STATUSES: readonly AuthorizationStatus[] = [
  'Accepted', 'Blocked', 'ConcurrentTx', 'Expired', 'Invalid', 'NoCredit', 'NotAllowedTypeEVSE', 'NotAtThisLocation', 'NotAtThisTime', 'Unknown',
];

function tokenKey(idToken: IdToken): string {
  return createHash('sha256').update(`${idToken.type}\n${idToken.idToken.toLowerCase()}`).digest('base64url');
}

// ---------------------------------------------------------------------------------------------
// Persisted form: one small JSON document per store, checked when read (a hand-edited or old
// file must not crash the agent; what does not fit is dropped with a warning).

interface StoredInfo {
  status: AuthorizationStatus;
  groupIdToken?: IdToken;
  /** ISO 8601. */
  expiresAt?: string;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isIdToken(x: unknown): x is IdToken {
  return isRecord(x) && typeof x['idToken'] === 'string' && typeof x['type'] === 'string';
}

function readInfo(x: unknown): IdTokenInfo | undefined {
  if (!isRecord(x) || !STATUSES.includes(x['status'] as AuthorizationStatus)) return undefined;
  const group = x['groupIdToken'];
  const expires = typeof x['expiresAt'] === 'string' ? new Date(x['expiresAt']) : undefined;
  return {
    status: x['status'] as AuthorizationStatus,
    ...(isIdToken(group) ? { groupIdToken: { idToken: group.idToken, type: group.type } } : {}),
    ...(expires && Number.isFinite(expires.getTime()) ? { cacheExpiresAt: expires } : {}),
  };
}

function storedInfo(info: IdTokenInfo): StoredInfo {
  return {
    status: info.status,
    ...(info.groupIdToken ? { groupIdToken: { idToken: info.groupIdToken.idToken, type: info.groupIdToken.type } } : {}),
    ...(validDate(info.cacheExpiresAt) ? { expiresAt: info.cacheExpiresAt.toISOString() } : {}),
  };
}

function validDate(d: Date | undefined): d is Date {
  return d !== undefined && Number.isFinite(d.getTime());
}

/** A copy, so that callers cannot change what a store holds. */
function copyInfo(info: IdTokenInfo): IdTokenInfo {
  return {
    status: info.status,
    ...(info.groupIdToken ? { groupIdToken: { ...info.groupIdToken } } : {}),
    ...(validDate(info.cacheExpiresAt) ? { cacheExpiresAt: new Date(info.cacheExpiresAt.getTime()) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Authorization Cache

export interface AuthorizationCacheOptions {
  /** C10.FR.07: the most entries kept; a new one then replaces an old one. Default AUTH_CACHE_MAX_ENTRIES. */
  maxEntries?: number;
  /** AuthCacheLifeTime, seconds (C10.FR.08/10); undefined: entries last until their cacheExpiryDateTime. */
  lifetimeS?: () => number | undefined;
  now?: () => Date;
  onWarning?: (message: string) => void;
}

interface CacheEntry {
  info: IdTokenInfo;
  /** When the authority last said this (errata 2025-01 C10.FR.10: the lifetime runs from here). */
  updatedAt: Date;
}

interface StoredCache {
  format: 1;
  /** Least recently used first. */
  entries: Array<StoredInfo & { key: string; updatedAt: string }>;
}

/**
 * C10: the answers the CSMS gave about id tokens, whatever their status (C10.FR.01), kept across
 * restarts (C10.FR.02) and bounded: when full, an entry that is not valid goes first, then the
 * least recently used (C10.FR.07, 1.6 3.5.1). An entry whose cacheExpiryDateTime (C10.FR.13) or
 * lifetime (C10.FR.08/10) has passed reads Expired from then on.
 */
export class AuthorizationCache {
  static readonly STORE_NAME = 'authorization-cache';
  readonly maxEntries: number;
  /** In least-recently-used order: a Map keeps insertion order, and a use moves an entry to the end. */
  readonly #entries = new Map<string, CacheEntry>();
  readonly #now: () => Date;
  readonly #lifetimeS: () => number | undefined;
  readonly #onWarning: (message: string) => void;

  constructor(
    private readonly store: StateStore,
    options: AuthorizationCacheOptions = {},
  ) {
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries ?? AUTH_CACHE_MAX_ENTRIES));
    this.#now = options.now ?? (() => new Date());
    this.#lifetimeS = options.lifetimeS ?? (() => undefined);
    this.#onWarning = options.onWarning ?? (() => undefined);
    this.#load();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The entry for a token, as valid as it is now; a use, for the replacement order. */
  lookup(idToken: IdToken): LocalMatch | undefined {
    const key = tokenKey(idToken);
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    const expired = this.#expire(entry);
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.#save();
    return { info: copyInfo(entry.info), expired };
  }

  /**
   * C10.FR.04/05, C12.FR.06: the authority's latest word on a token replaces what was kept. A
   * cacheExpiryDateTime already past keeps the token out (errata 2025-01 C10.FR.10, e.g. prepaid
   * accounts). Central and NoAuthorization tokens are never kept (C02.FR.03, C03.FR.02).
   */
  record(idToken: IdToken, info: IdTokenInfo): void {
    if (NEVER_CACHED.includes(idToken.type)) return;
    const key = tokenKey(idToken);
    const now = this.#now();
    this.#entries.delete(key);
    if (validDate(info.cacheExpiresAt) && info.cacheExpiresAt.getTime() <= now.getTime()) {
      this.#save();
      return;
    }
    while (this.#entries.size >= this.maxEntries) this.#evictOne();
    this.#entries.set(key, { info: copyInfo(info), updatedAt: now });
    this.#save();
  }

  /** C11: empties the cache; false (and nothing changed) when the empty cache could not be stored (C11.FR.05). */
  clear(): boolean {
    try {
      this.store.write(AuthorizationCache.STORE_NAME, { format: 1, entries: [] } satisfies StoredCache);
    } catch (err) {
      this.#onWarning(`cannot clear the authorization cache: ${(err as Error).message}`);
      return false;
    }
    this.#entries.clear();
    return true;
  }

  /** C10.FR.10: a passed expiry turns the entry to Expired; true when it has. */
  #expire(entry: CacheEntry): boolean {
    const now = this.#now().getTime();
    const lifetimeS = this.#lifetimeS();
    const until = validDate(entry.info.cacheExpiresAt)
      ? entry.info.cacheExpiresAt.getTime() // C10.FR.13 wins over the lifetime
      : lifetimeS !== undefined && lifetimeS > 0
        ? entry.updatedAt.getTime() + lifetimeS * 1000
        : Infinity;
    if (now < until) return false;
    entry.info.status = 'Expired';
    return true;
  }

  /** The least recently used entry that is no longer valid, else the least recently used. */
  #evictOne(): void {
    let victim: string | undefined;
    for (const [key, entry] of this.#entries) {
      victim ??= key;
      if (entry.info.status !== 'Accepted' || this.#expire(entry)) {
        victim = key;
        break;
      }
    }
    if (victim !== undefined) this.#entries.delete(victim);
  }

  #load(): void {
    const doc = this.store.read<unknown>(AuthorizationCache.STORE_NAME);
    if (doc === undefined) return;
    const entries = isRecord(doc) && Array.isArray(doc['entries']) ? doc['entries'] : undefined;
    if (!entries) {
      this.#onWarning('the stored authorization cache is not readable; starting empty');
      return;
    }
    let dropped = 0;
    for (const e of entries) {
      const info = readInfo(e);
      const updatedAt = isRecord(e) && typeof e['updatedAt'] === 'string' ? new Date(e['updatedAt']) : undefined;
      if (!info || !isRecord(e) || typeof e['key'] !== 'string' || !validDate(updatedAt)) {
        dropped++;
        continue;
      }
      this.#entries.set(e['key'], { info, updatedAt });
    }
    // A smaller maximum than the one the file was written with: the least recently used go. (Not
    // #evictOne: the clock may not be usable while the agent is being put together.)
    for (const key of [...this.#entries.keys()].slice(0, Math.max(0, this.#entries.size - this.maxEntries))) this.#entries.delete(key);
    if (dropped) this.#onWarning(`dropped ${dropped} unreadable authorization cache entries`);
  }

  /** The cache is an aid: a failed write is reported and the entries stay in memory. */
  #save(): void {
    const doc: StoredCache = {
      format: 1,
      entries: [...this.#entries].map(([key, e]) => ({ key, ...storedInfo(e.info), updatedAt: e.updatedAt.toISOString() })),
    };
    try {
      this.store.write(AuthorizationCache.STORE_NAME, doc);
    } catch (err) {
      this.#onWarning(`cannot store the authorization cache: ${(err as Error).message}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Local Authorization List

export type LocalListUpdateType = 'Full' | 'Differential';

/** One item of a SendLocalList: with info, added or updated; without, removed (Differential only). */
export interface LocalListItem {
  idToken: IdToken;
  info?: IdTokenInfo;
}

/** Why an update was refused; the list is then as it was. */
export type LocalListRefusal =
  | 'VersionNotPositive' // D01.FR.18
  | 'VersionNotNewer' // D01.FR.19
  | 'MissingInfo' // a Full item without idTokenInfo (AuthorizationData: required when Full)
  | 'Duplicate' // D01.FR.06
  | 'TooManyEntries' // more than the list can hold
  | 'StorageFailed'; // D01.FR.10: not kept, so not taken

export type LocalListUpdateOutcome =
  | { status: 'Accepted' }
  | { status: 'Failed' | 'VersionMismatch'; refusal: LocalListRefusal; detail: string };

export interface LocalAuthorizationListOptions {
  /** Default LOCAL_LIST_MAX_ENTRIES. */
  maxEntries?: number;
  now?: () => Date;
  onWarning?: (message: string) => void;
}

interface StoredList {
  format: 1;
  version: number;
  entries: Array<StoredInfo & { key: string }>;
}

/**
 * D01/D02: the list the CSMS keeps on the station, changed only by its updates (D01.FR.09), kept
 * across restarts (D01.FR.10). Version 0 means no list was ever installed (D02.FR.02).
 */
export class LocalAuthorizationList {
  static readonly STORE_NAME = 'local-authorization-list';
  readonly maxEntries: number;
  #version = 0;
  #entries = new Map<string, IdTokenInfo>();
  readonly #now: () => Date;
  readonly #onWarning: (message: string) => void;

  constructor(
    private readonly store: StateStore,
    options: LocalAuthorizationListOptions = {},
  ) {
    this.maxEntries = Math.max(0, Math.floor(options.maxEntries ?? LOCAL_LIST_MAX_ENTRIES));
    this.#now = options.now ?? (() => new Date());
    this.#onWarning = options.onWarning ?? (() => undefined);
    this.#load();
  }

  /** D02: the version of the list installed; 0 when none ever was. */
  get version(): number {
    return this.#version;
  }

  /** How many id tokens the list holds (LocalAuthListCtrlr.Entries, D01.FR.12). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The entry for a token. `expired` when its cacheExpiryDateTime has passed (C13.FR.05/06,
   * C14.FR.04/05); the entry itself is left as the CSMS sent it (D01.FR.09).
   */
  lookup(idToken: IdToken): LocalMatch | undefined {
    const info = this.#entries.get(tokenKey(idToken));
    if (!info) return undefined;
    const expired = validDate(info.cacheExpiresAt) && info.cacheExpiresAt.getTime() <= this.#now().getTime();
    return { info: copyInfo(info), expired };
  }

  /**
   * D01: a Full update replaces the list (D01.FR.15; none: emptied, D01.FR.04); a Differential one
   * adds or updates the items with info (D01.FR.16) and removes those without (D01.FR.17; none: no
   * change, D01.FR.05). Either way the list then has `version`. All or nothing: a refused update
   * leaves list and version as they were.
   */
  update(updateType: LocalListUpdateType, version: number, items: readonly LocalListItem[] = []): LocalListUpdateOutcome {
    // D01.FR.19: a Differential update must be newer than the list. Checked first: the version
    // alone decides, whatever the items.
    if (updateType === 'Differential' && version <= this.#version) {
      return { status: 'VersionMismatch', refusal: 'VersionNotNewer', detail: `version ${version} is not above the list's ${this.#version}` };
    }
    // D01.FR.18: 0 is what GetLocalListVersion answers for "no list" (and 1.6 uses -1 for "not supported").
    if (version <= 0) return { status: 'Failed', refusal: 'VersionNotPositive', detail: `version ${version}: a list version must be above 0` };
    const keys = new Set<string>();
    for (const item of items) {
      const key = tokenKey(item.idToken);
      if (keys.has(key)) return { status: 'Failed', refusal: 'Duplicate', detail: `a ${item.idToken.type} id token is in the update twice` };
      keys.add(key);
      if (updateType === 'Full' && !item.info) {
        return { status: 'Failed', refusal: 'MissingInfo', detail: `a Full update needs idTokenInfo for every id token` };
      }
    }
    const next = updateType === 'Full' ? new Map<string, IdTokenInfo>() : new Map(this.#entries);
    for (const item of items) {
      const key = tokenKey(item.idToken);
      if (item.info) next.set(key, copyInfo(item.info));
      else next.delete(key);
    }
    if (next.size > this.maxEntries) {
      return { status: 'Failed', refusal: 'TooManyEntries', detail: `${next.size} id tokens, more than the ${this.maxEntries} the list can hold` };
    }
    const doc: StoredList = { format: 1, version, entries: [...next].map(([key, info]) => ({ key, ...storedInfo(info) })) };
    try {
      this.store.write(LocalAuthorizationList.STORE_NAME, doc);
    } catch (err) {
      this.#onWarning(`cannot store the local authorization list: ${(err as Error).message}`);
      return { status: 'Failed', refusal: 'StorageFailed', detail: 'the list could not be stored' };
    }
    this.#entries = next;
    this.#version = version;
    return { status: 'Accepted' };
  }

  #load(): void {
    const doc = this.store.read<unknown>(LocalAuthorizationList.STORE_NAME);
    if (doc === undefined) return;
    const version = isRecord(doc) ? doc['version'] : undefined;
    const entries = isRecord(doc) ? doc['entries'] : undefined;
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0 || !Array.isArray(entries)) {
      // Version 0 tells the CSMS to send the whole list again (D02.FR.02).
      this.#onWarning('the stored local authorization list is not readable; starting without one');
      return;
    }
    for (const e of entries) {
      const info = readInfo(e);
      if (!info || !isRecord(e) || typeof e['key'] !== 'string') {
        // Part of the list lost: claim no version, so that the CSMS sends it all again.
        this.#onWarning('the stored local authorization list is damaged; starting without one');
        this.#entries.clear();
        return;
      }
      this.#entries.set(e['key'], info);
    }
    this.#version = version;
  }
}

// ---------------------------------------------------------------------------------------------
// The decision

/** The rules in force, read at each authorization so that a change from the CSMS applies at once. */
export interface LocalAuthorizationSettings {
  /** LocalAuthorizeOffline: offline, Accepted list or cache entries authorize. */
  localAuthorizeOffline: boolean;
  /** LocalPreAuthorize: online, Accepted list or cache entries authorize without asking the CSMS. */
  localPreAuthorize: boolean;
  /** 2.0.1 OfflineTxForUnknownIdEnabled, 1.6 AllowOfflineTxForUnknownId (C15). */
  offlineTxForUnknownIdEnabled: boolean;
  /** 2.0.1 AuthCacheCtrlr.Enabled, 1.6 AuthorizationCacheEnabled: neither read nor written when false. */
  cacheEnabled: boolean;
  /** 2.0.1 LocalAuthListCtrlr.Enabled, 1.6 LocalAuthListEnabled: not read when false. */
  localListEnabled: boolean;
  /** AuthCacheCtrlr.DisablePostAuthorize: a cached token that is not Accepted is not checked with the CSMS (C10.FR.03, C12.FR.05). */
  cacheDisablePostAuthorize?: boolean;
  /** LocalAuthListCtrlr.DisablePostAuthorize: a listed token that is not Accepted is not checked with the CSMS (C14.FR.03). */
  localListDisablePostAuthorize?: boolean;
  /** AuthCtrlr.DisableRemoteAuthorization: never ask the CSMS; list and cache alone decide. */
  disableRemoteAuthorization?: boolean;
}

export interface LocalAuthorizerOptions {
  /** The authority: the CSMS through the protocol adapter. */
  remote: AuthorizationPort;
  cache: AuthorizationCache;
  list: LocalAuthorizationList;
  /** Whether the CSMS can be asked now (connected and the station accepted). */
  online: () => boolean;
  settings: () => LocalAuthorizationSettings;
  onWarning?: (message: string) => void;
}

type Found = { match: LocalMatch; source: 'local-list' | 'cache' };

/**
 * The core's AuthorizationPort with local authorization in front of the CSMS.
 *
 * Online: a token Accepted and valid in the list (which wins over the cache, C13.FR.01, C14.FR.01)
 * or the cache is Accepted at once under LocalPreAuthorize (C12, C14.FR.02/04); anything else is
 * asked of the CSMS (C01.FR.02, C10.FR.03, C14.FR.03/05), whose answer updates the cache (C10.FR.04).
 * Offline, or when the CSMS could not be reached: a valid Accepted entry authorizes under
 * LocalAuthorizeOffline (C13); a token in neither store is Accepted under
 * OfflineTxForUnknownIdEnabled (C15.FR.08) and not cached (C15.FR.01); any other known token gets
 * its entry's status (an expired one: Expired), and an unknown one Unknown.
 */
export class LocalAuthorizer implements AuthorizationPort {
  readonly cache: AuthorizationCache;
  readonly list: LocalAuthorizationList;
  readonly #onWarning: (message: string) => void;

  constructor(private readonly options: LocalAuthorizerOptions) {
    this.cache = options.cache;
    this.list = options.list;
    this.#onWarning = options.onWarning ?? (() => undefined);
  }

  async authorize(idToken: IdToken, evseId: number): Promise<AuthorizationResult> {
    const s = this.options.settings();
    const found = this.#find(idToken, s);
    if (this.options.online()) {
      const accepted = found && found.match.info.status === 'Accepted' && !found.match.expired;
      if (accepted && (s.localPreAuthorize || s.disableRemoteAuthorization)) return this.#local(found);
      // A cache entry past its validity reads Expired, so is not Accepted; a list entry past its
      // cacheExpiryDateTime is only disregarded (C14.FR.05) and still goes to the CSMS.
      if (found && found.match.info.status !== 'Accepted' && this.#noPostAuthorize(found, s)) return this.#local(found);
      if (s.disableRemoteAuthorization) return found ? this.#local(found) : { status: 'Unknown' };
      const answer = await this.#askRemote(idToken, evseId);
      if (answer) {
        this.#remember(idToken, answer, s);
        return { ...answer, source: 'remote' };
      }
    }
    return this.#offline(found, s);
  }

  /**
   * C10.FR.05, C12.FR.06: the CSMS' word on a token from elsewhere (a TransactionEventResponse's
   * idTokenInfo, 1.6 StartTransaction.conf / StopTransaction.conf) updates the cache.
   */
  recordIdTokenInfo(idToken: IdToken, info: IdTokenInfo): void {
    this.#remember(idToken, info, this.options.settings());
  }

  /** The list first (C13.FR.01, C14.FR.01); the cache only for tokens the list does not hold. */
  #find(idToken: IdToken, s: LocalAuthorizationSettings): Found | undefined {
    const listed = s.localListEnabled ? this.list.lookup(idToken) : undefined;
    if (listed) return { match: listed, source: 'local-list' };
    const cached = s.cacheEnabled ? this.cache.lookup(idToken) : undefined;
    return cached ? { match: cached, source: 'cache' } : undefined;
  }

  #noPostAuthorize(found: Found, s: LocalAuthorizationSettings): boolean {
    return found.source === 'cache' ? s.cacheDisablePostAuthorize === true : s.localListDisablePostAuthorize === true;
  }

  /** The entry's word: Expired once its validity has passed (C10.FR.10, C13.FR.06 note). */
  #local(found: Found): AuthorizationResult {
    const { info, expired } = found.match;
    return {
      status: expired ? 'Expired' : info.status,
      ...(info.groupIdToken ? { groupIdToken: info.groupIdToken } : {}),
      source: found.source,
    };
  }

  #offline(found: Found | undefined, s: LocalAuthorizationSettings): AuthorizationResult {
    if (found) {
      const valid = found.match.info.status === 'Accepted' && !found.match.expired;
      if (valid && !s.localAuthorizeOffline) return { status: 'Unknown' };
      return this.#local(found);
    }
    // C15.FR.08; C15.FR.01: never cached (nothing here records it).
    if (s.offlineTxForUnknownIdEnabled) return { status: 'Accepted', source: 'offline-unknown' };
    return { status: 'Unknown' };
  }

  /** The CSMS' answer, or undefined when it could not be had (then the offline rules apply). */
  async #askRemote(idToken: IdToken, evseId: number): Promise<AuthorizationResult | undefined> {
    let answer: AuthorizationResult;
    try {
      answer = await this.options.remote.authorize(idToken, evseId);
    } catch (err) {
      this.#onWarning(`the CSMS could not be asked about a ${idToken.type} token: ${(err as Error).message}`);
      return undefined;
    }
    // An Unknown given because the link dropped meanwhile is no answer either.
    if (answer.unreachable || (answer.status === 'Unknown' && !this.options.online())) return undefined;
    return {
      status: answer.status,
      ...(answer.groupIdToken ? { groupIdToken: answer.groupIdToken } : {}),
      ...(answer.cacheExpiresAt ? { cacheExpiresAt: answer.cacheExpiresAt } : {}),
    };
  }

  /** Into the cache, when it is on and the token is not one the list holds (1.6 3.5.3). */
  #remember(idToken: IdToken, info: IdTokenInfo, s: LocalAuthorizationSettings): void {
    if (!s.cacheEnabled) return;
    if (s.localListEnabled && this.list.lookup(idToken)) return;
    this.cache.record(idToken, info);
  }
}
