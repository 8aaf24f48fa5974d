import assert from 'node:assert/strict';
import { AuthorizationCache } from '../../../src/services/authorization/index.js';
import { FakeClock } from '../../../src/station/clock.js';
import type { AuthorizationStatus } from '../../../src/station/types.js';
import { CARD, OTHER, THIRD, FOURTH, GROUP, NOW, info, MemoryStore, harness } from './authorization-harness.js';

/** The Authorization Cache (C10, C11), version neutral. */

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

  it('N09/N10: peek reads an entry without making it recently used; remove forgets one entry, stored at once', () => {
    const { store, cache, clock } = harness({ cacheMax: 2 });
    cache.record(CARD, info('Accepted', { groupIdToken: GROUP }));
    cache.record(OTHER, info('Accepted'));
    assert.deepEqual(cache.peek(CARD), { info: { status: 'Accepted', groupIdToken: GROUP }, expired: false });
    // CARD is still the least recently used: a third entry replaces it, not OTHER.
    cache.record(THIRD, info('Accepted'));
    assert.equal(cache.peek(CARD), undefined);
    assert.equal(cache.peek(OTHER)?.info.status, 'Accepted');

    assert.equal(cache.remove(OTHER), true);
    assert.equal(cache.remove(OTHER), false);
    assert.equal(cache.peek(OTHER), undefined);
    const again = new AuthorizationCache(store, { clock });
    assert.equal(again.peek(OTHER), undefined);
    assert.equal(again.peek(THIRD)?.info.status, 'Accepted');
  });

  it('N10: a removal that cannot be stored throws and keeps the entry', () => {
    const { store, cache } = harness();
    cache.record(CARD, info('Accepted'));
    store.failWrites = true;
    assert.throws(() => cache.remove(CARD), /no space left/);
    assert.equal(cache.peek(CARD)?.info.status, 'Accepted');
  });
});
