import type { AuthorizationPort } from '../../station/ports.js';
import type { AuthorizationResult, IdToken } from '../../station/types.js';
import type { AuthorizationCache } from './authorization-cache.js';
import type { IdTokenInfo, LocalMatch } from './id-token-info.js';
import type { LocalAuthorizationList } from './local-authorization-list.js';

/**
 * The rules that choose between the Local Authorization List, the Authorization Cache and the CSMS
 * (LocalAuthorizeOffline, LocalPreAuthorize, OfflineTxForUnknownIdEnabled, C15), for either OCPP
 * version. No message and no socket here: the protocol adapters turn their requests into these calls.
 */

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
    const result: AuthorizationResult = { status: expired ? 'Expired' : info.status };
    if (info.groupIdToken) result.groupIdToken = info.groupIdToken;
    result.source = found.source;
    return result;
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
    const result: AuthorizationResult = { status: answer.status };
    if (answer.groupIdToken) result.groupIdToken = answer.groupIdToken;
    if (answer.cacheExpiresAt) result.cacheExpiresAt = answer.cacheExpiresAt;
    return result;
  }

  /** Into the cache, when it is on and the token is not one the list holds (1.6 3.5.3). */
  #remember(idToken: IdToken, info: IdTokenInfo, s: LocalAuthorizationSettings): void {
    if (!s.cacheEnabled) return;
    if (s.localListEnabled && this.list.lookup(idToken)) return;
    this.cache.record(idToken, info);
  }
}
