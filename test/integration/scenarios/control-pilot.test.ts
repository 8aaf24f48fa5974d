import assert from 'node:assert/strict';
import type { EventDataType, NotifyEventRequest } from 'ocpp-messages/v2.0/NotifyEventRequest.js';
import { SimulatedPn532 } from '../../../src/hal/drivers/simulated/simulated-pn532.js';
import { openPtyPair, type PtyPair } from '../../helpers/socat.js';
import { startStation, VERSIONS, type AnyDriver } from '../drivers/start-station.js';
import { afterEachTest, calls, ID, until, type ConfigChanges } from '../harness.js';
import { txEvents } from '../v201/rig.js';

/**
 * A station with a control pilot (IEC 61851-1), both versions: the simulated EVSE-WB board with a
 * simulated vehicle behind it, polled by the real register driver. The vehicle's pilot state is
 * what plugs, charges and pauses; cards come through a reader mapped to the EVSE (simulated, and
 * the real PN532 driver on a socat pty); E/F states are faults the CSMS hears of.
 */

const withPilot: ConfigChanges = (doc) => {
  const evse = doc['evses'][0];
  evse.pilot = { driver: 'simulated', pollIntervalMs: 50, releaseTimeoutMs: 2000 };
  // The pilot says whether a vehicle is in: no plug-detect line.
  for (const c of evse.connectors) delete c.plugDetect;
  doc['readers'] = { front: { driver: 'simulated', evseId: 1 } };
};

/** 2.0.1 NotifyEvent data the station sent, oldest first. */
const notifyEvents = (d: AnyDriver): EventDataType[] => calls<NotifyEventRequest>(d.csms, 'NotifyEvent').flatMap((r) => r.eventData);

/** The session's charging states as the CSMS heard them (2.0.1 TransactionEvent), or 1.6 statuses, repeats folded. */
function chargingStates(d: AnyDriver): string[] {
  const states =
    d.version === '2.0.1' ? txEvents(d.csms).flatMap((e) => (e.transactionInfo.chargingState ? [e.transactionInfo.chargingState] : [])) : d.wireStatuses(1);
  return states.filter((s, i) => i === 0 || s !== states[i - 1]);
}

for (const version of VERSIONS) {
  describe(`integration scenarios, OCPP ${version}: control pilot`, function () {
    this.timeout(20000);
    afterEach(afterEachTest);

    it('a whole session A -> B -> C -> B -> C -> A: a card at the mapped reader, the vehicle pauses and resumes, the contactor follows C', async () => {
      const d = await startStation(version, { config: withPilot });
      const sim = d.agent.hardware.simulation;
      const status = () => d.agent.status().evses[0]!;
      assert.equal(status().vehicleState, 'A');
      assert.equal(status().offeredCurrentA, 0);

      await d.plugIn();
      await until(() => status().vehicleState === 'B', 3000, 'the board reads B');
      await d.waitForStatus('Occupied');
      assert.equal(d.relayClosed(), false, 'B: no energy before the vehicle asks');

      assert.equal(sim.presentCard('front', 'CARD1'), true);
      const tx = await d.waitForStarted();
      assert.equal(tx.token, 'CARD1');
      await until(() => status().vehicleState === 'C' && d.relayClosed(), 3000, 'C with the contactor closed');
      assert.equal(status().offeredCurrentA, 32, 'the EVSE limit (the simulated cable is rated 32 A)');
      if (d.version === '2.0.1') {
        // The device model's CPPWMController.State: the IEC 61851-1 state, live.
        const state = await d.csms.getVariables(ID, [{ component: { name: 'CPPWMController', evse: { id: 1 } }, variable: { name: 'State' } }]);
        assert.equal(state.getVariableResult[0]!.attributeValue, 'C');
      }

      sim.setEvCharging(1, false);
      await until(() => status().vehicleState === 'B' && !d.relayClosed(), 3000, 'the vehicle pauses (B): the contactor opens');
      sim.setEvCharging(1, true);
      await until(() => d.relayClosed(), 3000, 'the vehicle asks again (C)');

      await d.unplug();
      const ended = await d.waitForEnded();
      assert.equal(ended.reason, 'EVDisconnected');
      await d.waitForStatus('Available');
      assert.equal(status().vehicleState, 'A');
      assert.equal(status().offeredCurrentA, 0);
      assert.deepEqual(d.statusSequence(), ['Available', 'Occupied', 'Available']);
      // 2.0.1: the transaction starts at PowerPathClosed (the simulator config's TxStartPoint), so in C.
      const expected = version === '2.0.1' ? ['Charging', 'SuspendedEV', 'Charging', 'Idle'] : ['Available', 'Preparing', 'Charging', 'SuspendedEV', 'Charging', 'Available'];
      const heard = chargingStates(d);
      assert.deepEqual(
        heard.filter((s) => expected.includes(s)),
        expected,
        `heard ${heard.join(', ')}`,
      );
    });

    it('the same card again at the reader stops the session; the offer drops to 0 A before the contactor opens', async () => {
      const d = await startStation(version, { config: withPilot });
      const sim = d.agent.hardware.simulation;
      const offers: number[] = [];
      const board = sim.pilotBoard(1);
      const watch = setInterval(() => offers.push(board.offeredCurrentA), 5);
      try {
        await d.plugIn();
        sim.presentCard('front', 'CARD1');
        await d.waitForStarted();
        await until(() => d.relayClosed(), 3000, 'charging');
        sim.presentCard('front', 'CARD1');
        const ended = await d.waitForEnded();
        assert.equal(ended.reason, 'Local');
        assert.equal(d.relayClosed(), false);
        assert.equal(board.offeredCurrentA, 0);
        assert.equal(sim.vehicle(1).pilotState(board.offeredCurrentA), 'B', 'the vehicle saw the offer go and stopped asking');
      } finally {
        clearInterval(watch);
      }
      assert.ok(offers.includes(32) && offers.at(-1) === 0);
    });

    it('state E while charging: Faulted (1.6 EVCommunicationError, 2.0.1 NotifyEvent CPPWMController.Problem), the contactor open; back when the vehicle is well', async () => {
      const d = await startStation(version, { config: withPilot });
      const sim = d.agent.hardware.simulation;
      await d.plugIn();
      sim.presentCard('front', 'CARD1');
      await d.waitForStarted();
      await until(() => d.relayClosed(), 3000, 'charging');
      sim.setVehicle(1, { fault: 'state-e' });
      await d.waitForStatus('Faulted');
      assert.equal(d.relayClosed(), false);
      if (d.version === '1.6') assert.equal(d.lastStatusNotification(1)?.errorCode, 'EVCommunicationError');
      else await until(() => notifyEvents(d).some((e) => e.component.name === 'CPPWMController' && e.actualValue === 'true'), 3000, 'NotifyEvent CPPWMController.Problem true');
      sim.setVehicle(1, { fault: 'none' });
      await d.waitForStatus('Occupied');
    });

    it("a shorted diode: the EVSE-WB board reports failure (its state 5, read as E); the vehicle's fault, Faulted, no energy (1.6 EVCommunicationError, 2.0.1 CPPWMController.Problem)", async () => {
      const d = await startStation(version, { config: withPilot });
      const sim = d.agent.hardware.simulation;
      await d.plugIn();
      sim.presentCard('front', 'CARD1');
      await until(() => d.relayClosed(), 3000, 'charging');
      sim.setVehicle(1, { fault: 'diode-short' });
      await d.waitForStatus('Faulted');
      assert.equal(d.relayClosed(), false);
      const fault = d.agent.status().evses[0]!.faults.map((f) => f.fault);
      assert.deepEqual(fault, ['vehicle']);
      if (d.version === '1.6') assert.equal(d.lastStatusNotification(1)?.errorCode, 'EVCommunicationError');
      else await until(() => notifyEvents(d).some((e) => e.component.name === 'CPPWMController' && e.actualValue === 'true'), 3000, 'NotifyEvent');
    });
  });
}

describe('integration: a card session through the real PN532 driver on a serial line', function () {
  this.timeout(20000);
  let pty: PtyPair | undefined;
  let pn532: SimulatedPn532 | undefined;
  afterEach(async function () {
    try {
      await afterEachTest.call(this);
    } finally {
      await pn532?.close();
      await pty?.close();
    }
  });

  for (const version of VERSIONS) {
    it(`OCPP ${version}: a card held to the PN532 authorizes at its EVSE, held again it stops the session`, async () => {
      pty = await openPtyPair();
      pn532 = new SimulatedPn532();
      await pn532.openSerial(pty.a);
      const device = pty.b;
      const d = await startStation(version, {
        config: (doc) => {
          withPilot(doc);
          doc['readers'] = { door: { driver: 'pn532', evseId: 1, device } };
        },
      });
      await until(() => d.agent.status().readers[0]?.health === 'ok', 5000, 'the PN532 answers');
      await d.plugIn();
      pn532.holdCard('04A1B2C3D4E5F6');
      const tx = await d.waitForStarted();
      assert.equal(tx.token, '04A1B2C3D4E5F6');
      pn532.holdCard(undefined);
      await until(() => d.relayClosed(), 3000, 'charging');
      // Taken away and held again: a second presentation, the same card: the session stops.
      await new Promise((r) => setTimeout(r, 300));
      pn532.holdCard('04A1B2C3D4E5F6');
      const ended = await d.waitForEnded();
      assert.equal(ended.reason, 'Local');
    });
  }
});
