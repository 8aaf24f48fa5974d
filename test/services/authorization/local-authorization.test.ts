import assert from 'node:assert/strict';
import {
  AuthorizationCache,
  LocalAuthorizationList,
  LocalAuthorizer,
  type IdTokenInfo,
  type LocalAuthorizationSettings,
} from '../../../src/services/authorization/index.js';
import { FakeClock } from '../../../src/station/clock.js';
import type { AuthorizationPort, StateStore } from '../../../src/station/ports.js';
import type { AuthorizationResult, AuthorizationSource, AuthorizationStatus, IdToken } from '../../../src/station/types.js';

/**
 * Local authorization, version neutral: the Authorization Cache (C10, C11), the Local
 * Authorization List (D01, D02) and the rules that choose between them and the CSMS (C12-C15).
 */

const CARD: IdToken = { idToken: 'CARD-0001', type: 'ISO14443' };
const OTHER: IdToken = { idToken: 'CARD-0002', type: 'ISO14443' };
const THIRD: IdToken = { idToken: 'CARD-0003', type: 'ISO14443' };
const FOURTH: IdToken = { idToken: 'CARD-0004', type: 'ISO14443' };
const GROUP: IdToken = { idToken: 'FLEET-7', type: 'Central' };
const NOW = Date.parse('2025-06-01T12:00:00Z');

/** A StateStore kept in memory as JSON text, as a file would be; writes can be made to fail. */
class MemoryStore implements StateStore {
  readonly docs = new Map<string, string>();
  writes = 0;
  failWrites = false;
  read<T>(name: string): T | undefined {
    const text = this.docs.get(name);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }
  write(name: string, value: unknown): void {
    if (this.failWrites) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    this.writes++;
    this.docs.set(name, JSON.stringify(value));
  }
}

/** Stands for the CSMS: answers from a table, and records every token it was asked about. */
class FakeAuthority implements AuthorizationPort {
  readonly asked: Array<{ idToken: IdToken; evseId: number }> = [];
  answers = new Map<string, AuthorizationResult>();
  /** 'unreachable': the adapter's answer when it cannot send; 'throws': a remote that fails outright. */
  mode: 'answers' | 'unreachable' | 'throws' = 'answers';
  /** Runs while the request is out (e.g. the link drops). */
  during: () => void = () => undefined;
  async authorize(idToken: IdToken, evseId: number): Promise<AuthorizationResult> {
    this.asked.push({ idToken, evseId });
    this.during();
    if (this.mode === 'throws') throw new Error('socket closed');
    if (this.mode === 'unreachable') return { status: 'Unknown', unreachable: true };
    return this.answers.get(idToken.idToken) ?? { status: 'Invalid' };
  }
}

const DEFAULTS: LocalAuthorizationSettings = {
  localAuthorizeOffline: true,
  localPreAuthorize: false,
  offlineTxForUnknownIdEnabled: false,
  cacheEnabled: true,
  localListEnabled: true,
};

function harness(options: { settings?: Partial<LocalAuthorizationSettings>; online?: boolean; cacheMax?: number; lifetimeS?: number } = {}) {
  const store = new MemoryStore();
  const clock = new FakeClock(NOW);
  const warnings: string[] = [];
  const cache = new AuthorizationCache(store, {
    maxEntries: options.cacheMax ?? 100,
    lifetimeS: () => options.lifetimeS,
    clock,
    onWarning: (m) => warnings.push(m),
  });
  const list = new LocalAuthorizationList(store, { maxEntries: 100, clock, onWarning: (m) => warnings.push(m) });
  const remote = new FakeAuthority();
  const state = { online: options.online ?? true, settings: { ...DEFAULTS, ...options.settings } };
  const authorizer = new LocalAuthorizer({
    remote,
    cache,
    list,
    online: () => state.online,
    settings: () => state.settings,
    onWarning: (m) => warnings.push(m),
  });
  return { store, clock, warnings, cache, list, remote, state, authorizer };
}

const info = (status: AuthorizationStatus, extra: Partial<IdTokenInfo> = {}): IdTokenInfo => ({ status, ...extra });

describe('local authorization: the Authorization Cache (C10, C11)', () => {
  it('C10.FR.01: keeps the latest answer for every identifier, whatever its status', () => {
    const { cache } = harness();
    const statuses: AuthorizationStatus[] = ['Accepted', 'Blocked', 'Invalid', 'Unknown', 'NoCredit'];
    statuses.forEach((status, i) => cache.record({ idToken: `T${i}`, type: 'ISO14443' }, info(status)));
    statuses.forEach((status, i) => assert.equal(cache.lookup({ idToken: `T${i}`, type: 'ISO14443' })?.info.status, status));
    cache.record({ idToken: 'T0', type: 'ISO14443' }, info('Blocked', { groupIdToken: GROUP }));
    assert.deepEqual(cache.lookup({ idToken: 'T0', type: 'ISO14443' }), { info: { status: 'Blocked', groupIdToken: GROUP }, expired: false });
    assert.equal(cache.size, statuses.length);
  });

  it('matches id tokens without regard to case (IdTokenType: case insensitive), but by type', () => {
    const { cache } = harness();
    cache.record({ idToken: 'ab12cd', type: 'ISO14443' }, info('Accepted'));
    assert.equal(cache.lookup({ idToken: 'AB12CD', type: 'ISO14443' })?.info.status, 'Accepted');
    assert.equal(cache.lookup({ idToken: 'ab12cd', type: 'ISO15693' }), undefined);
  });

  it('C10.FR.02: survives a restart; C10.FR.12: the stored document holds no id token in clear', () => {
    const { store, cache, clock } = harness();
    cache.record(CARD, info('Accepted', { groupIdToken: GROUP, cacheExpiresAt: new Date(NOW + 3600_000) }));
    cache.record(OTHER, info('Blocked'));
    const again = new AuthorizationCache(store, { clock });
    assert.deepEqual(again.lookup(CARD), { info: { status: 'Accepted', groupIdToken: GROUP, cacheExpiresAt: new Date(NOW + 3600_000) }, expired: false });
    assert.equal(again.lookup(OTHER)?.info.status, 'Blocked');
    const text = store.docs.get(AuthorizationCache.STORE_NAME)!;
    assert.ok(!text.includes(CARD.idToken) && !text.includes(OTHER.idToken), text);
  });

  it('C10.FR.07: when full, replaces an entry that is not valid first, then the least recently used', () => {
    const { cache } = harness({ cacheMax: 3 });
    cache.record(CARD, info('Accepted'));
    cache.record(OTHER, info('Accepted'));
    cache.record(THIRD, info('Accepted'));
    cache.lookup(CARD); // used: OTHER is now the least recently used
    cache.record(FOURTH, info('Accepted'));
    assert.equal(cache.size, 3);
    assert.equal(cache.lookup(OTHER), undefined, 'the least recently used went');
    assert.ok(cache.lookup(CARD) && cache.lookup(THIRD) && cache.lookup(FOURTH));

    // THIRD, recently used but Blocked, goes before CARD, the least recently used valid one.
    cache.record(THIRD, info('Blocked'));
    cache.record(OTHER, info('Accepted'));
    assert.equal(cache.lookup(THIRD), undefined, 'the entry that is not valid went');
    assert.ok(cache.lookup(CARD) && cache.lookup(FOURTH) && cache.lookup(OTHER));
  });

  it('C10.FR.13 / C10.FR.10: past its cacheExpiryDateTime an entry reads Expired, and stays known', () => {
    const { cache, clock } = harness({ lifetimeS: 60 });
    cache.record(CARD, info('Accepted', { cacheExpiresAt: new Date(NOW + 120_000) }));
    clock.set(NOW + 90_000); // past the lifetime, but cacheExpiryDateTime wins
    assert.deepEqual(cache.lookup(CARD), { info: { status: 'Accepted', cacheExpiresAt: new Date(NOW + 120_000) }, expired: false });
    clock.set(NOW + 120_000);
    assert.deepEqual(cache.lookup(CARD), { info: { status: 'Expired', cacheExpiresAt: new Date(NOW + 120_000) }, expired: true });
    clock.set(NOW + 999_000);
    assert.equal(cache.lookup(CARD)?.info.status, 'Expired');
  });

  it('C10.FR.08 / C10.FR.10 (errata 2025-01): without cacheExpiryDateTime, AuthCacheLifeTime runs from the last update', () => {
    const { cache, clock } = harness({ lifetimeS: 3600 });
    cache.record(CARD, info('Accepted'));
    clock.set(NOW + 3000_000);
    assert.equal(cache.lookup(CARD)?.info.status, 'Accepted', 'a use does not extend it');
    cache.record(CARD, info('Accepted')); // a new word from the CSMS does
    clock.set(NOW + 6000_000);
    assert.equal(cache.lookup(CARD)?.info.status, 'Accepted');
    clock.set(NOW + 3000_000 + 3600_000);
    assert.deepEqual(cache.lookup(CARD), { info: { status: 'Expired' }, expired: true });
  });

  it('errata 2025-01 C10.FR.10 note: a cacheExpiryDateTime already past keeps a token out, and removes it', () => {
    const { cache } = harness();
    cache.record(CARD, info('Accepted'));
    cache.record(CARD, info('Accepted', { cacheExpiresAt: new Date(NOW - 1000) }));
    cache.record(OTHER, info('Accepted', { cacheExpiresAt: new Date(NOW) }));
    assert.equal(cache.lookup(CARD), undefined);
    assert.equal(cache.lookup(OTHER), undefined);
    assert.equal(cache.size, 0);
  });

  it('C02.FR.03, C03.FR.02, C05.FR.02: Central and NoAuthorization tokens are never cached', () => {
    const { cache } = harness();
    cache.record({ idToken: 'REMOTE-1', type: 'Central' }, info('Accepted'));
    cache.record({ idToken: '', type: 'NoAuthorization' }, info('Accepted'));
    assert.equal(cache.size, 0);
  });

  it('C11: clear() empties the cache, also after a restart', () => {
    const { store, cache, clock } = harness();
    cache.record(CARD, info('Accepted'));
    cache.record(OTHER, info('Invalid'));
    assert.equal(cache.clear(), true);
    assert.equal(cache.size, 0);
    assert.equal(cache.lookup(CARD), undefined);
    assert.equal(new AuthorizationCache(store, { clock }).size, 0);
  });

  it('C11.FR.05: clear() answers false, and keeps the entries, when the empty cache cannot be stored', () => {
    const { store, cache, warnings } = harness();
    cache.record(CARD, info('Accepted'));
    store.failWrites = true;
    assert.equal(cache.clear(), false);
    assert.equal(cache.lookup(CARD)?.info.status, 'Accepted');
    assert.ok(warnings.some((w) => w.includes('cannot clear')), warnings.join('\n'));
  });

  it('a write that fails is reported; the cache goes on in memory', () => {
    const { store, cache, warnings } = harness();
    store.failWrites = true;
    cache.record(CARD, info('Accepted'));
    assert.equal(cache.lookup(CARD)?.info.status, 'Accepted');
    assert.ok(warnings.some((w) => w.includes('cannot store the authorization cache')));
  });

  it('an unreadable stored document starts an empty cache; unreadable entries are dropped; a smaller maximum applies', () => {
    const store = new MemoryStore();
    const warnings: string[] = [];
    store.docs.set(AuthorizationCache.STORE_NAME, JSON.stringify({ nonsense: true }));
    assert.equal(new AuthorizationCache(store, { onWarning: (m) => warnings.push(m) }).size, 0);
    assert.equal(warnings.length, 1);

    const source = new AuthorizationCache(store, { clock: new FakeClock(NOW) });
    for (const t of [CARD, OTHER, THIRD]) source.record(t, info('Accepted'));
    const doc = JSON.parse(store.docs.get(AuthorizationCache.STORE_NAME)!) as { entries: unknown[] };
    doc.entries.push({ key: 'x', status: 'Maybe', updatedAt: 'now' }, 42);
    store.docs.set(AuthorizationCache.STORE_NAME, JSON.stringify(doc));
    warnings.length = 0;
    const smaller = new AuthorizationCache(store, { maxEntries: 2, onWarning: (m) => warnings.push(m) });
    assert.equal(smaller.size, 2);
    assert.equal(smaller.lookup(CARD), undefined, 'the least recently used went');
    assert.deepEqual(warnings, ['dropped 2 unreadable authorization cache entries']);
  });
});

describe('local authorization: the Local Authorization List (D01, D02)', () => {
  const entries = (list: LocalAuthorizationList, tokens: IdToken[]): Array<AuthorizationStatus | undefined> => tokens.map((t) => list.lookup(t)?.info.status);

  it('D02.FR.02: version 0 and no entries until the CSMS sends a list', () => {
    const { list } = harness();
    assert.equal(list.version, 0);
    assert.equal(list.size, 0);
    assert.equal(list.lookup(CARD), undefined);
  });

  it('D01.FR.15: a Full update replaces the list and sets its version; D01.FR.04: without items it empties it', () => {
    const { list } = harness();
    assert.deepEqual(list.update('Full', 5, [{ idToken: CARD, info: info('Accepted', { groupIdToken: GROUP }) }, { idToken: OTHER, info: info('Blocked') }]), { status: 'Accepted' });
    assert.equal(list.version, 5);
    assert.deepEqual(list.lookup(CARD), { info: { status: 'Accepted', groupIdToken: GROUP }, expired: false });
    assert.deepEqual(list.update('Full', 3, [{ idToken: THIRD, info: info('Accepted') }]), { status: 'Accepted' }, 'a Full update may go to a lower version');
    assert.deepEqual(entries(list, [CARD, OTHER, THIRD]), [undefined, undefined, 'Accepted']);
    assert.equal(list.version, 3);
    assert.deepEqual(list.update('Full', 4), { status: 'Accepted' });
    assert.equal(list.size, 0);
    assert.equal(list.version, 4, 'D02 remark: an emptied list still has a version above 0');
  });

  it('D01.FR.16/17: a Differential update adds and updates items with info, removes those without', () => {
    const { list } = harness();
    list.update('Full', 1, [{ idToken: CARD, info: info('Accepted') }, { idToken: OTHER, info: info('Accepted') }]);
    const outcome = list.update('Differential', 2, [
      { idToken: CARD, info: info('Blocked') },
      { idToken: { idToken: 'card-0002', type: 'ISO14443' } }, // removes OTHER, whatever the case
      { idToken: THIRD, info: info('Accepted') },
      { idToken: FOURTH }, // not in the list: nothing to remove
    ]);
    assert.deepEqual(outcome, { status: 'Accepted' });
    assert.deepEqual(entries(list, [CARD, OTHER, THIRD, FOURTH]), ['Blocked', undefined, 'Accepted', undefined]);
    assert.equal(list.version, 2);
    assert.equal(list.size, 2);
  });

  it('D01.FR.05: a Differential update without items changes nothing but the version', () => {
    const { list } = harness();
    list.update('Full', 1, [{ idToken: CARD, info: info('Accepted') }]);
    assert.deepEqual(list.update('Differential', 2, []), { status: 'Accepted' });
    assert.deepEqual(list.update('Differential', 3), { status: 'Accepted' });
    assert.deepEqual(entries(list, [CARD]), ['Accepted']);
    assert.equal(list.version, 3);
  });

  const refusals: Array<{ name: string; type: 'Full' | 'Differential'; version: number; items?: Array<{ idToken: IdToken; info?: IdTokenInfo }>; expect: object }> = [
    { name: 'D01.FR.19: Differential at the same version', type: 'Differential', version: 7, items: [{ idToken: THIRD, info: info('Accepted') }], expect: { status: 'VersionMismatch', refusal: 'VersionNotNewer' } },
    { name: 'D01.FR.19: Differential at a lower version', type: 'Differential', version: 6, expect: { status: 'VersionMismatch', refusal: 'VersionNotNewer' } },
    { name: 'D01.FR.19: Differential at version 0', type: 'Differential', version: 0, expect: { status: 'VersionMismatch', refusal: 'VersionNotNewer' } },
    { name: 'D01.FR.18: Full at version 0', type: 'Full', version: 0, items: [{ idToken: THIRD, info: info('Accepted') }], expect: { status: 'Failed', refusal: 'VersionNotPositive' } },
    { name: 'D01.FR.18: Full at a negative version', type: 'Full', version: -1, expect: { status: 'Failed', refusal: 'VersionNotPositive' } },
    {
      name: 'D01.FR.06: one id token twice (case aside)',
      type: 'Full',
      version: 8,
      items: [{ idToken: THIRD, info: info('Accepted') }, { idToken: { idToken: 'card-0003', type: 'ISO14443' }, info: info('Blocked') }],
      expect: { status: 'Failed', refusal: 'Duplicate' },
    },
    { name: 'AuthorizationData: a Full item without idTokenInfo', type: 'Full', version: 8, items: [{ idToken: THIRD }], expect: { status: 'Failed', refusal: 'MissingInfo' } },
    {
      name: 'more than the list holds (Full)',
      type: 'Full',
      version: 8,
      items: [CARD, OTHER, THIRD, FOURTH].map((idToken) => ({ idToken, info: info('Accepted') })),
      expect: { status: 'Failed', refusal: 'TooManyEntries' },
    },
    {
      name: 'more than the list holds (Differential)',
      type: 'Differential',
      version: 8,
      items: [THIRD, FOURTH].map((idToken) => ({ idToken, info: info('Accepted') })),
      expect: { status: 'Failed', refusal: 'TooManyEntries' },
    },
  ];
  for (const r of refusals) {
    it(`refuses, list and version unchanged: ${r.name}`, () => {
      const store = new MemoryStore();
      const list = new LocalAuthorizationList(store, { maxEntries: 3 });
      list.update('Full', 7, [{ idToken: CARD, info: info('Accepted') }, { idToken: OTHER, info: info('Blocked') }]);
      const writes = store.writes;
      const outcome = list.update(r.type, r.version, r.items ?? []);
      assert.deepEqual({ status: outcome.status, refusal: 'refusal' in outcome ? outcome.refusal : undefined }, r.expect);
      assert.ok('detail' in outcome && outcome.detail.length > 0);
      assert.equal(list.version, 7);
      assert.deepEqual(entries(list, [CARD, OTHER, THIRD, FOURTH]), ['Accepted', 'Blocked', undefined, undefined]);
      assert.equal(store.writes, writes, 'nothing stored');
    });
  }

  it('D01.FR.10: the list and its version survive a restart, without any id token in clear', () => {
    const { store, list, clock } = harness();
    list.update('Full', 12, [{ idToken: CARD, info: info('Accepted', { groupIdToken: GROUP, cacheExpiresAt: new Date(NOW + 60_000) }) }]);
    const again = new LocalAuthorizationList(store, { clock });
    assert.equal(again.version, 12);
    assert.deepEqual(again.lookup(CARD), { info: { status: 'Accepted', groupIdToken: GROUP, cacheExpiresAt: new Date(NOW + 60_000) }, expired: false });
    assert.ok(!store.docs.get(LocalAuthorizationList.STORE_NAME)!.includes(CARD.idToken));
  });

  it('D01.FR.10: an update that cannot be stored is Failed and not taken', () => {
    const { store, list } = harness();
    list.update('Full', 1, [{ idToken: CARD, info: info('Accepted') }]);
    store.failWrites = true;
    const outcome = list.update('Differential', 2, [{ idToken: OTHER, info: info('Accepted') }]);
    assert.equal(outcome.status, 'Failed');
    assert.equal('refusal' in outcome && outcome.refusal, 'StorageFailed');
    assert.equal(list.version, 1);
    assert.equal(list.lookup(OTHER), undefined);
  });

  it('a damaged stored list is dropped: version 0, so that the CSMS sends it all again', () => {
    const { store, list, clock } = harness();
    list.update('Full', 4, [{ idToken: CARD, info: info('Accepted') }]);
    const doc = JSON.parse(store.docs.get(LocalAuthorizationList.STORE_NAME)!) as { entries: unknown[] };
    doc.entries.push({ key: 'x', status: 'Perhaps' });
    store.docs.set(LocalAuthorizationList.STORE_NAME, JSON.stringify(doc));
    const warnings: string[] = [];
    const again = new LocalAuthorizationList(store, { clock, onWarning: (m) => warnings.push(m) });
    assert.equal(again.version, 0);
    assert.equal(again.size, 0);
    assert.equal(warnings.length, 1);
    store.docs.set(LocalAuthorizationList.STORE_NAME, '"not a list"');
    assert.equal(new LocalAuthorizationList(store).version, 0);
  });

  it('C13.FR.05 / C14.FR.05: past its cacheExpiryDateTime an entry is marked expired, and left as sent (D01.FR.09)', () => {
    const { list, clock } = harness();
    list.update('Full', 1, [{ idToken: CARD, info: info('Accepted', { cacheExpiresAt: new Date(NOW + 1000) }) }, { idToken: OTHER, info: info('Accepted') }]);
    assert.equal(list.lookup(CARD)?.expired, false);
    clock.set(NOW + 1000);
    assert.deepEqual(list.lookup(CARD), { info: { status: 'Accepted', cacheExpiresAt: new Date(NOW + 1000) }, expired: true });
    clock.set(NOW + 10 * 365 * 86400_000);
    assert.equal(list.lookup(OTHER)?.expired, false, 'C13.FR.05 note: without cacheExpiryDateTime it never expires');
  });
});

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
