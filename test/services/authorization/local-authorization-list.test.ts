import assert from 'node:assert/strict';
import { LocalAuthorizationList, type IdTokenInfo } from '../../../src/services/authorization/index.js';
import type { AuthorizationStatus, IdToken } from '../../../src/station/types.js';
import { CARD, OTHER, THIRD, FOURTH, GROUP, NOW, info, MemoryStore, harness } from './authorization-harness.js';

/** The Local Authorization List (D01, D02), version neutral. */

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
