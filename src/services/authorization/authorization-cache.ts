import type { StateStore } from '../../station/ports.js';
import { systemClock, type Clock } from '../../station/clock.js';
import type { IdToken } from '../../station/types.js';
import {
  AUTH_CACHE_MAX_ENTRIES,
  NEVER_CACHED,
  copyInfo,
  isRecord,
  readInfo,
  storedInfo,
  tokenKey,
  validDate,
  type IdTokenInfo,
  type LocalMatch,
  type StoredInfo,
} from './id-token-info.js';

/** The Authorization Cache (2.0.1 C10-C12, 1.6 3.5.1), version neutral. */

export interface AuthorizationCacheOptions {
  /** C10.FR.07: the most entries kept; a new one then replaces an old one. Default AUTH_CACHE_MAX_ENTRIES. */
  maxEntries?: number;
  /** AuthCacheLifeTime, seconds (C10.FR.08/10); undefined: entries last until their cacheExpiryDateTime. */
  lifetimeS?: () => number | undefined;
  /** Time; the system clock by default. */
  clock?: Pick<Clock, 'now'>;
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
  readonly #clock: Pick<Clock, 'now'>;
  readonly #lifetimeS: () => number | undefined;
  readonly #onWarning: (message: string) => void;

  constructor(
    private readonly store: StateStore,
    options: AuthorizationCacheOptions = {},
  ) {
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries ?? AUTH_CACHE_MAX_ENTRIES));
    this.#clock = options.clock ?? systemClock;
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
    const now = this.#clock.now();
    this.#entries.delete(key);
    if (validDate(info.cacheExpiresAt) && info.cacheExpiresAt.getTime() <= now.getTime()) {
      this.#save();
      return;
    }
    while (this.#entries.size >= this.maxEntries) this.#evictOne();
    this.#entries.set(key, { info: copyInfo(info), updatedAt: now });
    this.#save();
  }

  /** The entry for a token as it stands, without counting as a use (a CustomerInformation report, N09). */
  peek(idToken: IdToken): LocalMatch | undefined {
    const entry = this.#entries.get(tokenKey(idToken));
    if (!entry) return undefined;
    const expired = this.#expire(entry);
    return { info: copyInfo(entry.info), expired };
  }

  /**
   * N10.FR.03/06: forgets a token's entry; false when there was none. The cache without it is
   * stored first: when that fails, this throws and the entry stays, so that a cleared customer is
   * never reported while still on disk.
   */
  remove(idToken: IdToken): boolean {
    const key = tokenKey(idToken);
    if (!this.#entries.has(key)) return false;
    this.store.write(AuthorizationCache.STORE_NAME, this.#document([...this.#entries].filter(([k]) => k !== key)));
    this.#entries.delete(key);
    return true;
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
    const now = this.#clock.now().getTime();
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
    try {
      this.store.write(AuthorizationCache.STORE_NAME, this.#document([...this.#entries]));
    } catch (err) {
      this.#onWarning(`cannot store the authorization cache: ${(err as Error).message}`);
    }
  }

  #document(entries: ReadonlyArray<[string, CacheEntry]>): StoredCache {
    return { format: 1, entries: entries.map(([key, e]) => ({ key, ...storedInfo(e.info), updatedAt: e.updatedAt.toISOString() })) };
  }
}
