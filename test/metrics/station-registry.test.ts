import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { register as globalRegistry } from 'prom-client';
import { BehaviorSubject } from 'rxjs';
import { ContactorWear, StationMetrics } from '../../src/metrics/index.js';
import { FakeClock } from '../../src/station/clock.js';
import { JsonFileStore } from '../../src/store/json-file-store.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { Scrape } from './prom-text.js';
import { durableUnder } from '../../src/store/disk-sync.js';

describe('metrics: per station, kept apart', () => {
  it("two stations in one process share nothing: each its own registry, nothing in prom-client's global one", async () => {
    const clock = new FakeClock();
    const a = new StationMetrics(new JsonFileStore(makeTempDir('metrics-a')), '2.0.1', () => clock.nowMs());
    const b = new StationMetrics(new JsonFileStore(makeTempDir('metrics-b')), '1.6', () => clock.nowMs());
    a.traffic.frame('out', JSON.stringify([2, 'h1', 'Heartbeat', {}]));
    const [pageA, pageB] = await Promise.all([a.scrape(), b.scrape()]);
    assert.equal(new Scrape(pageA.body).value('evse_ocpp_messages_total', { direction: 'sent', type: 'call', action: 'Heartbeat' }), 1);
    assert.deepEqual(new Scrape(pageB.body).samples('evse_ocpp_messages_total'), []);
    // Both carry the process metrics, each in its own registry.
    assert.ok(new Scrape(pageA.body).families.has('nodejs_heap_size_total_bytes'));
    assert.ok(new Scrape(pageB.body).families.has('nodejs_heap_size_total_bytes'));
    assert.equal(globalRegistry.getMetricsAsArray().length, 0);
    a.stop();
    b.stop();
  });
});

describe('metrics: contactor wear', () => {
  it('counts each open -> closed change of the coil, keeps the count in storage.dir, and goes on from it after a restart', async () => {
    const dir = makeTempDir('contactor-wear');
    const coil = new BehaviorSubject(false);
    const other = new BehaviorSubject(false);
    const first = new ContactorWear(new JsonFileStore(dir));
    first.follow([
      { evseId: 1, connectorId: 1, closed$: coil },
      { evseId: 2, connectorId: 1, closed$: other },
    ]);
    for (const closed of [true, true, false, true, false, false]) coil.next(closed);
    assert.deepEqual(first.closings(), [
      { evseId: 1, connectorId: 1, count: 2 },
      { evseId: 2, connectorId: 1, count: 0 },
    ]);
    first.stop();
    await durableUnder(dir);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'contactor-wear.json'), 'utf8')), { '1/1': 2, '2/1': 0 });

    const again = new ContactorWear(new JsonFileStore(dir));
    const coilAgain = new BehaviorSubject(false);
    again.follow([{ evseId: 1, connectorId: 1, closed$: coilAgain }]);
    coilAgain.next(true);
    assert.deepEqual(again.closings(), [
      { evseId: 1, connectorId: 1, count: 3 },
      { evseId: 2, connectorId: 1, count: 0 },
    ]);
    again.stop();
  });

  it('a wear file that is not a count per contactor is ignored, value by value (a corrupt card must not stop the agent)', async () => {
    const dir = makeTempDir('contactor-wear-bad');
    new JsonFileStore(dir).write('contactor-wear', { '1/1': 'many', '1/2': -3, '2/1': 7 });
    await durableUnder(dir);
    const wear = new ContactorWear(new JsonFileStore(dir));
    assert.deepEqual(wear.closings(), [{ evseId: 2, connectorId: 1, count: 7 }]);
  });
});
