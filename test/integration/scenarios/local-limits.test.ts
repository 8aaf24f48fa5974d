import assert from 'node:assert/strict';
import type { NotifyChargingLimitRequest } from 'ocpp-messages/v2.0/NotifyChargingLimitRequest.js';
import type { ClearedChargingLimitRequest } from 'ocpp-messages/v2.0/ClearedChargingLimitRequest.js';
import { startStation, VERSIONS, type AnyDriver } from '../drivers/start-station.js';
import { afterEachTest, calls, until, withSecondEvse, type ConfigChanges } from '../harness.js';

/**
 * The supply's local limits reaching the vehicles through simulated pilots, both versions: two
 * EVSEs sharing supply.maxCurrentA, the grid meter leaving the fuse's room after the house's load,
 * the grid operator's signal; /api/status says who set each limit, and a 2.0.1 CSMS hears the EMS
 * and SO limits (K12-K14).
 */

/** Each EVSE with a simulated pilot (which tells the plug: no plug-detect line). */
const withPilots: ConfigChanges = (doc) => {
  for (const evse of doc['evses']) {
    evse.pilot = { driver: 'simulated', pollIntervalMs: 50 };
    for (const c of evse.connectors) delete c.plugDetect;
  }
};

const offered = (d: AnyDriver, evseId: number): number => d.agent.hardware.simulation.pilotBoard(evseId).offeredCurrentA;
const limitOf = (d: AnyDriver, evseId: number) => d.agent.status().evses.find((e) => e.evseId === evseId)!.limit;

async function charging(d: AnyDriver, evseId: number, token: string): Promise<void> {
  await d.plugIn(evseId);
  await d.present(token, evseId);
  await until(() => d.relayClosed(evseId), 4000, `EVSE ${evseId} charging`);
}

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: local limits of the supply`, function () {
    this.timeout(20000);
    afterEach(afterEachTest);

    it('two EVSEs share supply.maxCurrentA: alone 20 A, together 10 A each; a vehicle that stops drawing keeps 6 A and gives the rest back', async () => {
      const d = await startStation(version, {
        config: (doc) => {
          withSecondEvse(doc);
          withPilots(doc);
          doc['supply'] = { maxCurrentA: 20 };
        },
      });
      await charging(d, 1, 'CARD1');
      await until(() => offered(d, 1) === 20, 3000, `EVSE 1 offered 20 A (offers ${offered(d, 1)})`);
      assert.deepEqual(limitOf(d, 1), { valueA: 20, source: 'station' });
      await charging(d, 2, 'CARD2');
      await until(() => offered(d, 1) === 10 && offered(d, 2) === 10, 3000, `10 A each (offers ${offered(d, 1)}, ${offered(d, 2)})`);
      d.agent.hardware.simulation.setEvCharging(2, false);
      await until(() => offered(d, 2) === 6 && offered(d, 1) === 14, 3000, `6 A kept, 14 A given back (offers ${offered(d, 1)}, ${offered(d, 2)})`);
      assert.equal(d.relayClosed(1), true);
    });

    it('the grid meter: the fuse less the house load less the margin reaches the vehicle at once when the house load rises (an EMS limit for 2.0.1)', async () => {
      const d = await startStation(version, {
        config: (doc) => {
          withPilots(doc);
          doc['supply'] = {
            // raiseAfterS 0: a first reading taken while the EVSE still drew its full current (its own
            // meter read a moment apart) must not hold the limit down for the default 30 s here.
            gridMeter: { driver: 'simulated', profile: 'eastron-sdm630', unitId: 9, pollIntervalMs: 100, mainFuseA: 25, marginA: 1, raiseAfterS: 0, simulation: { houseCurrentA: [10, 10, 10] } },
          };
        },
      });
      await charging(d, 1, 'CARD1');
      // 25 A fuse - 10 A house - 1 A margin = 14 A for the EVSE.
      await until(() => offered(d, 1) === 14, 4000, `14 A offered (offers ${offered(d, 1)})`);
      assert.deepEqual(limitOf(d, 1), { valueA: 14, source: 'grid-meter' });
      d.agent.hardware.simulation.setHouseLoad([17, 17, 17]);
      // 25 - 17 - 1 = 7 A: the limit falls at once.
      await until(() => offered(d, 1) === 7, 4000, `7 A offered (offers ${offered(d, 1)})`);
      if (d.version === '2.0.1') {
        const notified = calls<NotifyChargingLimitRequest>(d.csms, 'NotifyChargingLimit');
        assert.ok(notified.some((n) => n.chargingLimit.chargingLimitSource === 'EMS'), 'K13 NotifyChargingLimit EMS');
      }
    });

    it("the grid operator's signal caps the station to its power (6 A at 4200 W on 3 phases) and lifts it when released (SO for 2.0.1)", async () => {
      const d = await startStation(version, {
        config: (doc) => {
          withPilots(doc);
          doc['supply'] = { gridOperator: { line: 25, activeLow: false, debounceMs: 0, maxPowerW: 4200 } };
        },
      });
      await charging(d, 1, 'CARD1');
      await until(() => offered(d, 1) === 32, 3000, 'the EVSE maximum first');
      d.agent.hardware.simulation.setGridOperatorSignal(true);
      await until(() => offered(d, 1) === 6, 3000, `6 A under the signal (offers ${offered(d, 1)})`);
      assert.equal(limitOf(d, 1).source, 'grid-operator');
      d.agent.hardware.simulation.setGridOperatorSignal(false);
      await until(() => offered(d, 1) === 32, 3000, 'back to the maximum');
      if (d.version === '2.0.1') {
        await until(() => calls<ClearedChargingLimitRequest>(d.csms, 'ClearedChargingLimit').some((c) => c.chargingLimitSource === 'SO'), 3000, 'K14 ClearedChargingLimit SO');
        assert.ok(calls<NotifyChargingLimitRequest>(d.csms, 'NotifyChargingLimit').some((n) => n.chargingLimit.chargingLimitSource === 'SO'));
      }
    });
  });
}
