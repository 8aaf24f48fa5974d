import assert from 'node:assert/strict';
import type { NotifyCustomerInformationRequest } from 'ocpp-messages/v2.0/index.js';
import { customerInformation, splitCustomerData, type CustomerDataHolders } from '../../src/ocpp/v201/actions/customer-information.js';
import type { V201Context } from '../../src/ocpp/v201/context.js';
import { silentLogger } from '../../src/process/logger.js';
import { AuthorizationCache, LocalAuthorizationList } from '../../src/services/authorization/index.js';
import { CsmsClock } from '../../src/services/registration/csms-clock.js';
import { SessionHistory, type SessionInput, type SessionRecord } from '../../src/services/session-history/index.js';
import { FakeClock } from '../../src/station/clock.js';
import { MemoryStore } from '../services/authorization/authorization-harness.js';

/** 2.0.1 N09/N10 CustomerInformation, the handler on its own: what it answers, sends, keeps and removes. */

const CARD = { idToken: 'CARD-0001', type: 'ISO14443' as const };
const OTHER = { idToken: 'CARD-0002', type: 'ISO14443' as const };
const GROUP = { idToken: 'FLEET-7', type: 'Central' as const };
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function session(n: number, extra: Partial<SessionRecord> = {}): SessionInput {
  const startedAt = new Date(T0 + n * 60_000);
  return { transactionId: `tx-${n}`, evseId: 1, connectorId: 1, idToken: CARD, startedAt, stoppedAt: new Date(startedAt.getTime() + 30_000), meterStartWh: 0, meterStopWh: 500, energyWh: 500, stopReason: 'Local', ...extra };
}

function setup(): { handler: (p: unknown) => unknown; sent: NotifyCustomerInformationRequest[]; holders: Required<CustomerDataHolders>; stores: { history: MemoryStore; cache: MemoryStore } } {
  const clock = new FakeClock(T0 + 3600_000);
  const sent: NotifyCustomerInformationRequest[] = [];
  const ctx = {
    log: silentLogger,
    clock: new CsmsClock(clock),
    send: async (action: string, payload: object) => {
      assert.equal(action, 'NotifyCustomerInformation');
      sent.push(payload as NotifyCustomerInformationRequest);
      return {};
    },
  } as unknown as V201Context;
  const stores = { history: new MemoryStore(), cache: new MemoryStore() };
  const history = new SessionHistory(stores.history);
  const cache = new AuthorizationCache(stores.cache, { clock });
  const list = new LocalAuthorizationList(new MemoryStore(), { clock });
  const holders = { history, cache, list };
  return { handler: customerInformation(ctx, holders), sent, holders, stores };
}

/** The NotifyCustomerInformation parts go out after the answer, each once the one before is answered. */
async function afterAnswer(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('2.0.1 CustomerInformation (N09, N10)', () => {
  it('N09.FR.09: Invalid without a customer reference or with more than one; N09.FR.07: Rejected with neither report nor clear; nothing is sent', async () => {
    const { handler, sent } = setup();
    assert.equal((handler({ requestId: 1, report: true, clear: false }) as { status: string }).status, 'Invalid');
    assert.equal((handler({ requestId: 2, report: true, clear: false, idToken: CARD, customerIdentifier: 'x' }) as { status: string }).status, 'Invalid');
    assert.equal((handler({ requestId: 3, report: false, clear: false, idToken: CARD }) as { status: string }).status, 'Rejected');
    await afterAnswer();
    assert.deepEqual(sent, []);
  });

  it('N09.FR.02/05: report by idToken: Accepted, then what the station holds: the list entry, the cache entry and the sessions, newest first', async () => {
    const { handler, sent, holders } = setup();
    holders.list.update('Full', 4, [{ idToken: CARD, info: { status: 'Accepted' } }]);
    holders.cache.record(CARD, { status: 'Accepted', groupIdToken: GROUP });
    holders.history.record(session(1));
    holders.history.record(session(2, { idToken: OTHER }));
    holders.history.record(session(3, { evseId: 2 }));
    assert.deepEqual(handler({ requestId: 7, report: true, clear: false, idToken: CARD }), { status: 'Accepted' });
    assert.equal(sent.length, 0, 'after the answer');
    await afterAnswer();
    assert.equal(sent.length, 1);
    const [part] = sent;
    assert.deepEqual({ ...part, data: undefined }, { data: undefined, tbc: false, seqNo: 0, generatedAt: new Date(T0 + 3600_000).toISOString(), requestId: 7 });
    const lines = part!.data.split('\n');
    assert.deepEqual(lines, [
      'Local Authorization List (version 4): status Accepted',
      'Authorization Cache: status Accepted, group Central FLEET-7',
      'Session: transaction tx-3, EVSE 2 connector 1, idToken ISO14443 CARD-0001, 2026-01-01T12:03:00.000Z to 2026-01-01T12:03:30.000Z, 500 Wh (meter 0-500 Wh), stopped: Local',
      'Session: transaction tx-1, EVSE 1 connector 1, idToken ISO14443 CARD-0001, 2026-01-01T12:01:00.000Z to 2026-01-01T12:01:30.000Z, 500 Wh (meter 0-500 Wh), stopped: Local',
    ]);
    // A report changes nothing.
    assert.equal(holders.history.size, 3);
    assert.equal(holders.cache.size, 1);
  });

  it('N10.FR.03 clear and report: the cleared data is sent, cache entry and sessions removed, the Local Authorization List kept (N10.FR.02); N09.FR.06 then: no data found', async () => {
    const { handler, sent, holders, stores } = setup();
    holders.list.update('Full', 1, [{ idToken: CARD, info: { status: 'Accepted' } }]);
    holders.cache.record(CARD, { status: 'Accepted' });
    holders.cache.record(OTHER, { status: 'Accepted' });
    holders.history.record(session(1));
    holders.history.record(session(2, { idToken: OTHER }));
    assert.deepEqual(handler({ requestId: 8, report: true, clear: true, idToken: CARD }), { status: 'Accepted' });
    // Removed before the answer, and stored.
    assert.equal(holders.cache.peek(CARD), undefined);
    assert.equal(holders.cache.peek(OTHER)?.info.status, 'Accepted');
    assert.deepEqual(holders.history.list().map((s) => s.transactionId), ['tx-2']);
    assert.deepEqual(new SessionHistory(stores.history).list().map((s) => s.transactionId), ['tx-2']);
    assert.equal(new AuthorizationCache(stores.cache).peek(CARD), undefined);
    assert.equal(holders.list.lookup(CARD)?.info.status, 'Accepted');
    await afterAnswer();
    assert.equal(sent.length, 1);
    assert.match(sent[0]!.data, /^Local Authorization List \(version 1, kept: the CSMS updates it, N10\.FR\.02\): status Accepted\nAuthorization Cache \(cleared\): status Accepted\nSession \(cleared\): transaction tx-1,/);

    holders.list.update('Full', 2, []);
    handler({ requestId: 9, report: true, clear: false, idToken: CARD });
    await afterAnswer();
    assert.equal(sent.length, 2);
    assert.deepEqual({ ...sent[1], generatedAt: undefined }, { data: 'No data found: the Charging Station holds no information about this customer.', tbc: false, seqNo: 0, generatedAt: undefined, requestId: 9 });
  });

  it('N10.FR.06 clear without report: one message saying what was cleared; by customerIdentifier, the sessions of that token or group', async () => {
    const { handler, sent, holders } = setup();
    holders.history.record(session(1, { idToken: OTHER, groupIdToken: GROUP }));
    holders.history.record(session(2, { idToken: OTHER, groupIdToken: GROUP }));
    holders.history.record(session(3));
    assert.deepEqual(handler({ requestId: 10, report: false, clear: true, customerIdentifier: 'FLEET-7' }), { status: 'Accepted' });
    assert.deepEqual(holders.history.list().map((s) => s.transactionId), ['tx-3']);
    handler({ requestId: 11, report: false, clear: true, customerIdentifier: 'nobody' });
    await afterAnswer();
    assert.deepEqual(
      sent.map((s) => [s.requestId, s.data, s.tbc]),
      [
        [10, 'Cleared: 2 item(s) of customer data removed.', false],
        [11, 'Cleared: no data was held about this customer.', false],
      ],
    );
  });

  it('customerCertificate: no contract certificates are held, so Accepted and no data found (N09.FR.06)', async () => {
    const { handler, sent } = setup();
    const customerCertificate = { hashAlgorithm: 'SHA256', issuerNameHash: 'aa', issuerKeyHash: 'bb', serialNumber: '01' };
    assert.deepEqual(handler({ requestId: 12, report: true, clear: false, customerCertificate }), { status: 'Accepted' });
    await afterAnswer();
    assert.equal(sent.length, 1);
    assert.match(sent[0]!.data, /^No data found/);
  });

  it('a long report goes in parts of at most 512 characters: seqNo from 0, tbc on all but the last, nothing lost', async () => {
    const { handler, sent, holders } = setup();
    for (let n = 1; n <= 20; n++) holders.history.record(session(n));
    handler({ requestId: 13, report: true, clear: false, idToken: CARD });
    await afterAnswer();
    assert.ok(sent.length > 1, `${sent.length} parts`);
    assert.ok(sent.every((s) => s.data.length <= 512 && s.requestId === 13));
    assert.deepEqual(
      sent.map((s) => s.seqNo),
      sent.map((_, i) => i),
    );
    assert.deepEqual(
      sent.map((s) => s.tbc),
      sent.map((_, i) => i < sent.length - 1),
    );
    const lines = sent.map((s) => s.data).join('\n').split('\n');
    assert.equal(lines.length, 20);
    assert.match(lines[0]!, /transaction tx-20,/);
  });

  it('N10.FR.05: when the cleared data cannot be stored, Rejected and nothing is sent', async () => {
    const { handler, sent, holders, stores } = setup();
    holders.history.record(session(1));
    stores.history.failWrites = true;
    const answer = handler({ requestId: 14, report: true, clear: true, idToken: CARD }) as { status: string };
    assert.equal(answer.status, 'Rejected');
    await afterAnswer();
    assert.deepEqual(sent, []);
    assert.equal(holders.history.size, 1);
  });

  it('splits between lines where it can, and a line longer than a part by characters', () => {
    assert.deepEqual(splitCustomerData('ab\ncd\nef', 5), ['ab\ncd', 'ef']);
    assert.deepEqual(splitCustomerData('abcdefghijkl', 5), ['abcde', 'fghij', 'kl']);
    assert.deepEqual(splitCustomerData('short', 512), ['short']);
  });
});
