import type { StateStore } from '../../station/ports.js';
import { systemClock, type Clock } from '../../station/clock.js';
import type { IdToken } from '../../station/types.js';
import {
  LOCAL_LIST_MAX_ENTRIES,
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

/** The Local Authorization List (2.0.1 D01/D02 and C13/C14, 1.6 3.5.2 and SendLocalList), version neutral. */

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
  /** Time; the system clock by default. */
  clock?: Pick<Clock, 'now'>;
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
  readonly #clock: Pick<Clock, 'now'>;
  readonly #onWarning: (message: string) => void;

  constructor(
    private readonly store: StateStore,
    options: LocalAuthorizationListOptions = {},
  ) {
    this.maxEntries = Math.max(0, Math.floor(options.maxEntries ?? LOCAL_LIST_MAX_ENTRIES));
    this.#clock = options.clock ?? systemClock;
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
    const expired = validDate(info.cacheExpiresAt) && info.cacheExpiresAt.getTime() <= this.#clock.now().getTime();
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
