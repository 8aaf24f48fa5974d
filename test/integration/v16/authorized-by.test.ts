import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SendLocalListResponse } from 'ocpp-messages/v1.6/index.js';
import { authMethodOf } from '../../../src/services/ocpi/cdr.js';
import { readRecord, type SessionRecord } from '../../../src/services/session-history/index.js';
import type { Agent } from '../../../src/app/agent.js';
import { afterEachTest, ID, plugIn, relayClosed, startRig16, startTransactions, stopCsms, tag, TAG, until } from './rig.js';

/**
 * Issue 17: a session record says how its token was authorized. Offline (1.6 3.5, LocalAuthorizeOffline),
 * a tag of the Local Authorization List is LocalList, one the Authorization Cache knew is Cache, one
 * the Central System accepted online is Card; OCPI's auth_method follows (mod_cdrs.asciidoc
 * AuthMethod: WHITELIST for the local ones, AUTH_REQUEST for the Central System's answer).
 */

/** The records as storage.dir holds them. */
function records(agent: Agent): SessionRecord[] {
  const file = path.join(agent.config.storage.dir, 'session-history.json');
  if (!existsSync(file)) return [];
  const stored = (JSON.parse(readFileSync(file, 'utf8')) as { sessions: unknown[] }).sessions;
  return stored.flatMap((v) => readRecord(v) ?? []);
}

/** Presents the tag to start and again to stop; waits for the record. */
async function chargeWith(agent: Agent, idTag: string, count: number): Promise<SessionRecord> {
  await plugIn(agent);
  assert.equal((await agent.station.presentIdToken(1, tag(idTag))).outcome, 'authorized');
  await until(() => relayClosed(agent), 2000, 'charging');
  assert.equal((await agent.station.presentIdToken(1, tag(idTag))).outcome, 'stopped');
  await until(() => records(agent).length === count, 3000, `session record ${count}`);
  const newest = records(agent).sort((a, b) => b.stoppedAt.getTime() - a.stoppedAt.getTime())[0]!;
  assert.equal(newest.idToken?.idToken, idTag);
  return newest;
}

describe('OCPP 1.6 integration: how a session was authorized (issue 17 authorizedBy)', function () {
  this.timeout(15000);
  afterEach(afterEachTest);

  it('offline, a tag of the Local Authorization List gives a record authorizedBy LocalList, OCPI auth_method WHITELIST', async () => {
    const { csms, agent } = await startRig16();
    const answer = (await csms.call(ID, 'SendLocalList', { listVersion: 1, updateType: 'Full', localAuthorizationList: [{ idTag: 'LIST-1', idTagInfo: { status: 'Accepted' } }] })) as SendLocalListResponse;
    assert.equal(answer.status, 'Accepted');
    await stopCsms(csms);
    await until(() => !agent.client.isConnected, 2000, 'offline');
    const record = await chargeWith(agent, 'LIST-1', 1);
    assert.equal(record.authorizedBy, 'LocalList');
    assert.equal(authMethodOf(record.authorizedBy), 'WHITELIST');
  });

  it('a tag the Central System accepted online is Card (AUTH_REQUEST); offline, the same tag from the Authorization Cache is Cache (WHITELIST)', async () => {
    const { csms, agent } = await startRig16();
    const online = await chargeWith(agent, TAG, 1);
    assert.equal(startTransactions(csms).length, 1);
    assert.equal(online.authorizedBy, 'Card');
    assert.equal(authMethodOf(online.authorizedBy), 'AUTH_REQUEST');
    await stopCsms(csms);
    await until(() => !agent.client.isConnected, 2000, 'offline');
    const offline = await chargeWith(agent, TAG, 2);
    assert.notEqual(offline.transactionId, online.transactionId);
    assert.equal(offline.authorizedBy, 'Cache');
    assert.equal(authMethodOf(offline.authorizedBy), 'WHITELIST');
  });
});
