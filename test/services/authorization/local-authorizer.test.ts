import assert from 'node:assert/strict';
import { type IdTokenInfo, type LocalAuthorizationSettings } from '../../../src/services/authorization/index.js';
import type { AuthorizationSource, AuthorizationStatus } from '../../../src/station/types.js';
import { CARD, OTHER, GROUP, NOW, info, harness } from './authorization-harness.js';

/** The rules that choose between the list, the cache and the CSMS (C01, C10, C12-C15), version neutral. */

describe('local authorization: the decision (C01, C10, C12-C15)', () => {
  /** An entry; `expiry`: its cacheExpiryDateTime passed or ahead, or (cache only) recorded two lifetimes ago. */
  type Store = { status: AuthorizationStatus; expiry?: 'passed' | 'ahead' | 'lifetime'; group?: boolean };
  interface Case {
    name: string;
    online: boolean;
    settings?: Partial<LocalAuthorizationSettings>;
    listed?: Store;
    cached?: Store;
    /** What the CSMS answers (default Invalid), or that it cannot be had. */
    remote?: AuthorizationStatus | 'unreachable' | 'throws' | 'link drops';
    expect: { status: AuthorizationStatus; source?: AuthorizationSource; asked: boolean; cachedAfter?: AuthorizationStatus | 'none' };
  }
  const PRE = { localPreAuthorize: true };
  const cases: Case[] = [
    // Online
    { name: 'C01.FR.02: online, unknown locally: asks the CSMS and caches its answer (C10.FR.04)', online: true, remote: 'Accepted', expect: { status: 'Accepted', source: 'remote', asked: true, cachedAfter: 'Accepted' } },
    { name: 'C10.FR.01: online, a rejection is cached too', online: true, remote: 'Blocked', expect: { status: 'Blocked', source: 'remote', asked: true, cachedAfter: 'Blocked' } },
    { name: 'C12.FR.02: online, LocalPreAuthorize, cached Accepted: Accepted without asking', online: true, settings: PRE, cached: { status: 'Accepted' }, expect: { status: 'Accepted', source: 'cache', asked: false } },
    { name: 'C14.FR.02: online, LocalPreAuthorize, listed Accepted: Accepted without asking', online: true, settings: PRE, listed: { status: 'Accepted' }, expect: { status: 'Accepted', source: 'local-list', asked: false } },
    { name: 'C14.FR.04: online, LocalPreAuthorize, listed Accepted, cacheExpiryDateTime ahead: Accepted without asking', online: true, settings: PRE, listed: { status: 'Accepted', expiry: 'ahead' }, expect: { status: 'Accepted', source: 'local-list', asked: false } },
    { name: 'online, no LocalPreAuthorize, cached Accepted: the CSMS decides', online: true, cached: { status: 'Accepted' }, remote: 'Blocked', expect: { status: 'Blocked', source: 'remote', asked: true, cachedAfter: 'Blocked' } },
    { name: 'online, no LocalPreAuthorize, listed Accepted: the CSMS decides; a listed token is not cached (1.6 3.5.3)', online: true, listed: { status: 'Accepted' }, remote: 'Accepted', expect: { status: 'Accepted', source: 'remote', asked: true, cachedAfter: 'none' } },
    { name: 'C10.FR.03 / C12.FR.05: online, cached Blocked: asks the CSMS, the cache takes its answer', online: true, settings: PRE, cached: { status: 'Blocked' }, remote: 'Accepted', expect: { status: 'Accepted', source: 'remote', asked: true, cachedAfter: 'Accepted' } },
    { name: 'C10.FR.03: online, cached entry past its lifetime (Expired): asks the CSMS', online: true, settings: PRE, cached: { status: 'Accepted', expiry: 'lifetime' }, remote: 'Accepted', expect: { status: 'Accepted', source: 'remote', asked: true, cachedAfter: 'Accepted' } },
    { name: 'C14.FR.03: online, listed Invalid: asks the CSMS', online: true, settings: PRE, listed: { status: 'Invalid' }, remote: 'Accepted', expect: { status: 'Accepted', source: 'remote', asked: true } },
    { name: 'C14.FR.05: online, listed Accepted past its cacheExpiryDateTime: asks the CSMS', online: true, settings: PRE, listed: { status: 'Accepted', expiry: 'passed' }, remote: 'Blocked', expect: { status: 'Blocked', source: 'remote', asked: true } },
    { name: 'C13.FR.01 / C14.FR.01: the list wins over the cache (listed Invalid, cached Accepted)', online: true, settings: PRE, listed: { status: 'Invalid' }, cached: { status: 'Accepted' }, remote: 'Invalid', expect: { status: 'Invalid', source: 'remote', asked: true } },
    { name: 'AuthCacheCtrlr.DisablePostAuthorize: online, cached Blocked: Blocked without asking', online: true, settings: { cacheDisablePostAuthorize: true }, cached: { status: 'Blocked' }, expect: { status: 'Blocked', source: 'cache', asked: false } },
    { name: 'AuthCacheCtrlr.DisablePostAuthorize: online, cached entry Expired: Expired without asking', online: true, settings: { cacheDisablePostAuthorize: true }, cached: { status: 'Accepted', expiry: 'lifetime' }, expect: { status: 'Expired', source: 'cache', asked: false } },
    { name: 'LocalAuthListCtrlr.DisablePostAuthorize: online, listed Blocked: Blocked without asking', online: true, settings: { localListDisablePostAuthorize: true }, listed: { status: 'Blocked' }, expect: { status: 'Blocked', source: 'local-list', asked: false } },
    { name: 'LocalAuthListCtrlr.DisablePostAuthorize does not cover C14.FR.05: a listed Accepted past its date is still asked', online: true, settings: { ...PRE, localListDisablePostAuthorize: true }, listed: { status: 'Accepted', expiry: 'passed' }, remote: 'Accepted', expect: { status: 'Accepted', source: 'remote', asked: true } },
    { name: 'DisableRemoteAuthorization: online, cached Accepted: Accepted without asking', online: true, settings: { disableRemoteAuthorization: true }, cached: { status: 'Accepted' }, expect: { status: 'Accepted', source: 'cache', asked: false } },
    { name: 'DisableRemoteAuthorization: online, unknown token: Unknown without asking', online: true, settings: { disableRemoteAuthorization: true, offlineTxForUnknownIdEnabled: true }, expect: { status: 'Unknown', asked: false, cachedAfter: 'none' } },
    { name: 'C10.FR.11: cache disabled: not read, not written', online: true, settings: { ...PRE, cacheEnabled: false }, cached: { status: 'Accepted' }, remote: 'Blocked', expect: { status: 'Blocked', source: 'remote', asked: true, cachedAfter: 'Accepted' } },
    { name: 'D01.FR.13: list disabled: not read', online: true, settings: { ...PRE, localListEnabled: false }, listed: { status: 'Accepted' }, remote: 'Invalid', expect: { status: 'Invalid', source: 'remote', asked: true, cachedAfter: 'Invalid' } },
    { name: 'online, the CSMS answers Unknown: that is its word, cached', online: true, remote: 'Unknown', settings: { offlineTxForUnknownIdEnabled: true }, expect: { status: 'Unknown', source: 'remote', asked: true, cachedAfter: 'Unknown' } },
    { name: 'C12 group: the groupIdToken comes from the cache', online: true, settings: PRE, cached: { status: 'Accepted', group: true }, expect: { status: 'Accepted', source: 'cache', asked: false } },

    // Offline
    { name: 'C13: offline, LocalAuthorizeOffline, listed Accepted: Accepted', online: false, listed: { status: 'Accepted', group: true }, expect: { status: 'Accepted', source: 'local-list', asked: false } },
    { name: 'C12 offline: LocalAuthorizeOffline, cached Accepted: Accepted', online: false, cached: { status: 'Accepted' }, expect: { status: 'Accepted', source: 'cache', asked: false } },
    { name: 'offline, no LocalAuthorizeOffline, listed Accepted: Unknown', online: false, settings: { localAuthorizeOffline: false }, listed: { status: 'Accepted' }, expect: { status: 'Unknown', asked: false } },
    { name: 'offline, no LocalAuthorizeOffline, cached Accepted, OfflineTxForUnknownIdEnabled: Unknown (the token is known)', online: false, settings: { localAuthorizeOffline: false, offlineTxForUnknownIdEnabled: true }, cached: { status: 'Accepted' }, expect: { status: 'Unknown', asked: false } },
    { name: 'C15.FR.08: offline, unknown token, OfflineTxForUnknownIdEnabled: Accepted; C15.FR.01: not cached', online: false, settings: { offlineTxForUnknownIdEnabled: true }, expect: { status: 'Accepted', source: 'offline-unknown', asked: false, cachedAfter: 'none' } },
    { name: 'C13.FR.02: offline, unknown token, no OfflineTxForUnknownIdEnabled: Unknown', online: false, expect: { status: 'Unknown', asked: false, cachedAfter: 'none' } },
    { name: 'C13.FR.04 / 1.6 3.5.4: offline, listed Blocked, OfflineTxForUnknownIdEnabled: Blocked', online: false, settings: { offlineTxForUnknownIdEnabled: true }, listed: { status: 'Blocked' }, expect: { status: 'Blocked', source: 'local-list', asked: false } },
    { name: 'C13.FR.06: offline, listed Accepted past its cacheExpiryDateTime: Expired, not an unknown id', online: false, settings: { offlineTxForUnknownIdEnabled: true }, listed: { status: 'Accepted', expiry: 'passed' }, expect: { status: 'Expired', source: 'local-list', asked: false } },
    { name: 'C10.FR.10 / 1.6 3.5.4: offline, cached entry past its lifetime: Expired, not an unknown id', online: false, settings: { offlineTxForUnknownIdEnabled: true }, cached: { status: 'Accepted', expiry: 'lifetime' }, expect: { status: 'Expired', source: 'cache', asked: false } },
    { name: 'offline, cached Invalid: Invalid', online: false, cached: { status: 'Invalid' }, expect: { status: 'Invalid', source: 'cache', asked: false } },
    { name: 'C13.FR.01 offline: listed Blocked wins over cached Accepted', online: false, listed: { status: 'Blocked' }, cached: { status: 'Accepted' }, expect: { status: 'Blocked', source: 'local-list', asked: false } },
    { name: 'offline, list and cache disabled, OfflineTxForUnknownIdEnabled: every token is unknown', online: false, settings: { cacheEnabled: false, localListEnabled: false, offlineTxForUnknownIdEnabled: true }, listed: { status: 'Blocked' }, cached: { status: 'Blocked' }, expect: { status: 'Accepted', source: 'offline-unknown', asked: false } },

    // Online, but the CSMS cannot be had: the offline rules
    { name: 'no answer (unreachable), cached Accepted: Accepted from the cache', online: true, remote: 'unreachable', cached: { status: 'Accepted' }, expect: { status: 'Accepted', source: 'cache', asked: true, cachedAfter: 'Accepted' } },
    { name: 'no answer (unreachable), unknown token, OfflineTxForUnknownIdEnabled: Accepted, not cached', online: true, remote: 'unreachable', settings: { offlineTxForUnknownIdEnabled: true }, expect: { status: 'Accepted', source: 'offline-unknown', asked: true, cachedAfter: 'none' } },
    { name: 'no answer (unreachable), unknown token: Unknown, not cached', online: true, remote: 'unreachable', expect: { status: 'Unknown', asked: true, cachedAfter: 'none' } },
    { name: 'the remote throws, listed Accepted: Accepted from the list', online: true, remote: 'throws', listed: { status: 'Accepted' }, expect: { status: 'Accepted', source: 'local-list', asked: true } },
    { name: 'the link drops while asking (Unknown, now offline): offline rules', online: true, remote: 'link drops', settings: { offlineTxForUnknownIdEnabled: true }, expect: { status: 'Accepted', source: 'offline-unknown', asked: true, cachedAfter: 'none' } },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const h = harness({ settings: c.settings, online: c.online, lifetimeS: 3600 });
      const extra = (s: Store): Partial<IdTokenInfo> => ({
        ...(s.group ? { groupIdToken: GROUP } : {}),
        ...(s.expiry === 'passed' ? { cacheExpiresAt: new Date(NOW - 1000) } : {}),
        ...(s.expiry === 'ahead' ? { cacheExpiresAt: new Date(NOW + 60_000) } : {}),
      });
      if (c.listed) h.list.update('Full', 1, [{ idToken: CARD, info: info(c.listed.status, extra(c.listed)) }]);
      if (c.cached) {
        // A lifetime-expired entry was recorded two lifetimes ago.
        h.clock.set(c.cached.expiry === 'lifetime' ? NOW - 7200_000 : NOW);
        h.cache.record(CARD, info(c.cached.status, extra(c.cached)));
        h.clock.set(NOW);
      }
      if (c.remote === 'unreachable' || c.remote === 'throws') h.remote.mode = c.remote;
      else if (c.remote === 'link drops') h.remote.answers.set(CARD.idToken, { status: 'Unknown' });
      else if (c.remote) h.remote.answers.set(CARD.idToken, { status: c.remote });
      if (c.remote === 'link drops') h.remote.during = () => (h.state.online = false);

      const result = await h.authorizer.authorize(CARD, 2);

      assert.equal(result.status, c.expect.status);
      assert.equal(result.source, c.expect.source);
      assert.equal(h.remote.asked.length, c.expect.asked ? 1 : 0, 'asked the CSMS');
      if (c.expect.asked) assert.deepEqual(h.remote.asked[0], { idToken: CARD, evseId: 2 });
      const group = (c.listed && c.expect.source === 'local-list' && c.listed.group) || (c.cached && c.expect.source === 'cache' && c.cached.group);
      assert.deepEqual(result.groupIdToken, group ? GROUP : undefined);
      if (c.expect.cachedAfter) {
        h.state.settings = { ...h.state.settings, cacheEnabled: true };
        assert.equal(h.cache.lookup(CARD)?.info.status ?? 'none', c.expect.cachedAfter, 'in the cache afterwards');
      }
    });
  }

  it('the CSMS answer keeps its groupIdToken and cacheExpiryDateTime, in the result and in the cache', async () => {
    const h = harness();
    const until = new Date(NOW + 600_000);
    h.remote.answers.set(CARD.idToken, { status: 'Accepted', groupIdToken: GROUP, cacheExpiresAt: until });
    assert.deepEqual(await h.authorizer.authorize(CARD, 1), { status: 'Accepted', groupIdToken: GROUP, cacheExpiresAt: until, source: 'remote' });
    assert.deepEqual(h.cache.lookup(CARD), { info: { status: 'Accepted', groupIdToken: GROUP, cacheExpiresAt: until }, expired: false });
    h.clock.set(until.getTime());
    h.state.online = false;
    assert.equal((await h.authorizer.authorize(CARD, 1)).status, 'Expired', 'C10.FR.13');
  });

  it('C12 then C10.FR.05: a cached token starts at once; the TransactionEvent answer updates the cache; next time the CSMS is asked', async () => {
    const h = harness({ settings: PRE });
    h.remote.answers.set(CARD.idToken, { status: 'Accepted' });
    assert.equal((await h.authorizer.authorize(CARD, 1)).source, 'remote');
    assert.equal((await h.authorizer.authorize(CARD, 1)).source, 'cache');
    assert.equal(h.remote.asked.length, 1);
    h.authorizer.recordIdTokenInfo(CARD, { status: 'Blocked' }); // C12 error handling: the TransactionEventResponse says otherwise
    h.remote.answers.set(CARD.idToken, { status: 'Blocked' });
    assert.deepEqual(await h.authorizer.authorize(CARD, 1), { status: 'Blocked', source: 'remote' });
    assert.equal(h.remote.asked.length, 2);
  });

  it('recordIdTokenInfo: not while the cache is disabled, not for a listed token, never for Central tokens', () => {
    const h = harness();
    h.list.update('Full', 1, [{ idToken: OTHER, info: info('Accepted') }]);
    h.authorizer.recordIdTokenInfo(OTHER, { status: 'Blocked' });
    h.authorizer.recordIdTokenInfo({ idToken: 'REMOTE-1', type: 'Central' }, { status: 'Accepted' });
    h.state.settings = { ...h.state.settings, cacheEnabled: false };
    h.authorizer.recordIdTokenInfo(CARD, { status: 'Accepted' });
    assert.equal(h.cache.size, 0);
    h.state.settings = { ...h.state.settings, cacheEnabled: true };
    h.authorizer.recordIdTokenInfo(CARD, { status: 'Accepted' });
    assert.equal(h.cache.lookup(CARD)?.info.status, 'Accepted');
  });

  it('C15: a token accepted offline as unknown is checked with the CSMS once online again', async () => {
    const h = harness({ settings: { offlineTxForUnknownIdEnabled: true, localPreAuthorize: true }, online: false });
    assert.equal((await h.authorizer.authorize(CARD, 1)).source, 'offline-unknown');
    h.state.online = true;
    h.remote.answers.set(CARD.idToken, { status: 'Invalid' });
    assert.deepEqual(await h.authorizer.authorize(CARD, 1), { status: 'Invalid', source: 'remote' });
    assert.equal(h.remote.asked.length, 1);
  });

  it('the settings are read at each authorization', async () => {
    const h = harness({ online: false });
    assert.equal((await h.authorizer.authorize(CARD, 1)).status, 'Unknown');
    h.state.settings = { ...h.state.settings, offlineTxForUnknownIdEnabled: true };
    assert.equal((await h.authorizer.authorize(CARD, 1)).status, 'Accepted');
  });
});
