import assert from 'node:assert/strict';
import { inExecutionOrder } from '../../src/station/evse-command.js';
import { decide } from '../../src/station/evse-decide.js';
import { DEFAULT_SAFETY, type ChargingSettings } from '../../src/station/ports.js';
import type { TxPoint } from '../../src/station/types.js';
import { CARD, Play, T0, authorize, events, find, plug, reading, relayCommands, txEvents } from './decide-play.js';

/**
 * decide() on its own: a state, an input, a time, and the state and commands that follow. No
 * ports, no timers, no runner: each test plays inputs one after another (a Then command's input
 * next, as the runner does) and reads the commands.
 */

describe('decide(): the EVSE as a pure function', () => {
  it('does not change the state it is given', () => {
    const p = new Play().ready();
    const before = p.state;
    const frozen = JSON.stringify(before);
    const next = decide(before, plug(true), new Date(T0), p.env);
    assert.notEqual(next.state, before);
    assert.equal(JSON.stringify(before), frozen);
  });

  describe('E01 the transaction starts at the first start point reached', () => {
    const cases: Array<{ point: TxPoint; id: string; trigger: string; afterPlug: boolean }> = [
      { point: 'EVConnected', id: 'E01.FR.02', trigger: 'CablePluggedIn', afterPlug: true },
      { point: 'Authorized', id: 'E01.FR.03', trigger: 'Authorized', afterPlug: false },
      { point: 'PowerPathClosed', id: 'E01.FR.05', trigger: 'Authorized', afterPlug: false },
      { point: 'EnergyTransfer', id: 'E01.FR.06', trigger: 'Authorized', afterPlug: false },
    ];
    for (const c of cases) {
      it(`${c.id} ${c.point}: started by the ${c.afterPlug ? 'plug' : 'authorization'}, with the meter start from the latest reading`, () => {
        const p = new Play({ txStartPoints: [c.point] }).ready();
        const onPlug = p.send(plug(true));
        assert.equal(txEvents(onPlug).length, c.afterPlug ? 1 : 0);
        const onAuth = p.send(authorize());
        const started = find(c.afterPlug ? onPlug : onAuth, 'TransactionStarted')!;
        assert.equal(started.trigger, c.trigger);
        assert.equal(started.transaction.id, 'tx-1');
        assert.equal(started.transaction.meterStartWh, 1000);
        assert.equal(started.transaction.startedAt.getTime(), T0);
        assert.equal(p.state.tx?.snapshot.id, 'tx-1');
        assert.deepEqual(relayCommands(onAuth).at(-1), true, 'energy once plugged and authorized');
      });
    }

    it('E01 needs a meter start value: a start point reached before the first reading waits for it', () => {
      const p = new Play({ txStartPoints: ['EVConnected'] });
      p.send({ type: 'Started' });
      assert.deepEqual(txEvents(p.send(plug(true))), []);
      assert.equal(p.state.waitingForReading, true);
      const started = find(p.send({ type: 'Reading', reading: reading(2000) }), 'TransactionStarted');
      assert.equal(started?.transaction.meterStartWh, 2000);
    });
  });

  describe('E06 the transaction stops when a stop point no longer holds', () => {
    const started = (stopPoints: TxPoint[]): Play => {
      const p = new Play({ txStopPoints: stopPoints }).ready();
      p.send(plug(true), authorize());
      assert.ok(p.state.tx);
      return p;
    };

    it('E06.FR.02 EVConnected: the unplug ends it (EVDisconnected); the relay opens, then the final reading is asked for', () => {
      const p = started(['EVConnected']);
      const commands = p.send(plug(false));
      assert.ok(relayCommands(commands).length > 0 && relayCommands(commands).every((closed) => !closed));
      const ordered = inExecutionOrder(commands);
      assert.equal(ordered[0]?.type, 'SetRelay');
      assert.equal(ordered.at(-1)?.type, 'PollFinalReading');
      assert.ok(p.state.tx?.ending);
      assert.deepEqual(txEvents(commands), [], 'the end waits for the final reading');
      const ended = find(p.send({ type: 'FinalReading', reading: reading(1500, 60) }), 'TransactionEnded')!;
      assert.equal(ended.stoppedReason, 'EVDisconnected');
      assert.equal(ended.trigger, 'EVCommunicationLost');
      assert.equal(ended.transaction.meterStopWh, 1500);
      assert.equal(ended.transaction.energyWh, 500);
      assert.equal(p.state.tx, undefined);
    });

    it('E06.FR.03 Authorized: the same card ends it (Local, StopAuthorized), the cable still in', () => {
      const p = started(['Authorized']);
      p.send({ type: 'Deauthorize', cause: { trigger: 'StopAuthorized', stopReason: 'Local', idToken: CARD } });
      const ended = find(p.send({ type: 'FinalReading', reading: reading(1200) }), 'TransactionEnded')!;
      assert.equal(ended.stoppedReason, 'Local');
      assert.deepEqual(ended.idToken, CARD);
      assert.equal(ended.chargingState, 'EVConnected');
    });

    it('E06.FR.06 PowerPathClosed: the end of the authorization ends it', () => {
      const p = started(['PowerPathClosed']);
      p.send({ type: 'Deauthorize', cause: { trigger: 'RemoteStop', stopReason: 'Remote' } });
      assert.equal(find(p.send({ type: 'FinalReading', reading: undefined }), 'TransactionEnded')?.stoppedReason, 'Remote');
    });

    it('E06.FR.07 EnergyTransfer: the EV suspending ends it (evIdleAfterS without current)', () => {
      const p = started(['EnergyTransfer']);
      p.send({ type: 'Reading', reading: reading(1100, 1, 16) });
      p.nowS = 2;
      p.send({ type: 'Reading', reading: reading(1100, 2, 0) });
      assert.equal(p.state.tx?.ending, undefined, 'not before evIdleAfterS');
      p.nowS = 12;
      const commands = p.send({ type: 'Reading', reading: reading(1100, 12, 0) });
      assert.equal(inExecutionOrder(commands).at(-1)?.type, 'PollFinalReading');
      assert.ok(p.state.tx?.ending);
    });

    it('F03.FR.02 EVConnected only: ending the authorization is reported in an update and charging stops, the transaction goes on', () => {
      const p = started(['EVConnected']);
      const commands = p.send({ type: 'Deauthorize', cause: { trigger: 'StopAuthorized', stopReason: 'Local' } });
      const update = find(commands, 'TransactionUpdated')!;
      assert.equal(update.trigger, 'StopAuthorized');
      assert.equal(update.chargingState, 'EVConnected');
      assert.equal(relayCommands(commands).at(-1), false);
      assert.equal(p.state.tx?.ending, undefined);
      // F04.FR.03: it ends later with the reason it was deauthorized for.
      p.send(plug(false));
      assert.equal(find(p.send({ type: 'FinalReading', reading: undefined }), 'TransactionEnded')?.stoppedReason, 'Local');
    });
  });

  it('E06 a tripping fault during the transaction (emergency stop): the relay opens first, the transaction ends EmergencyStop, the latch is saved', () => {
    const p = new Play().ready();
    p.send(plug(true), authorize());
    const commands = p.send({ type: 'RaiseFault', fault: 'emergency-stop' });
    assert.deepEqual(commands[0], { type: 'SetRelay', index: 0, closed: false }, 'the relay is the first thing');
    assert.ok(commands.some((c) => c.type === 'SaveTripLatch' && c.latch.tripped));
    assert.equal(p.state.authorization, undefined);
    const ended = find(p.send({ type: 'FinalReading', reading: reading(1300) }), 'TransactionEnded')!;
    assert.equal(ended.stoppedReason, 'EmergencyStop');
    assert.equal(ended.trigger, 'AbnormalCondition');
    assert.equal(p.state.connectors[0]!.faults.includes('emergency-stop'), true);
  });

  describe('recovery after a power loss', () => {
    const snapshot = { id: 'old-tx', evseId: 1, connectorId: 1, startedAt: new Date(T0 - 3_600_000), meterStartWh: 900, idToken: CARD, chargingState: 'Charging' as const, energyWh: 50 };
    const recovered = (settings: Partial<ChargingSettings>): Play => {
      const p = new Play(settings);
      p.send({ type: 'Recover', snapshot }, { type: 'PlugChanged', index: 0, plugged: true, initial: true }, { type: 'Started' });
      assert.deepEqual(relayCommands(p.commands).filter(Boolean), [], 'the relay stays open until the meter answers');
      return p;
    };

    it('the transaction found running ends with PowerLoss once the meter answers (resumeAfterPowerLoss off)', () => {
      const p = recovered({});
      p.send({ type: 'Reading', reading: reading(1000) });
      const ended = find(p.send({ type: 'FinalReading', reading: reading(1000) }), 'TransactionEnded')!;
      assert.equal(ended.transaction.id, 'old-tx');
      assert.equal(ended.stoppedReason, 'PowerLoss');
      assert.equal(ended.transaction.meterStopWh, 1000);
    });

    it('resumeAfterPowerLoss: the same transaction goes on, its token authorized again, the relay closes', () => {
      const p = recovered({ resumeAfterPowerLoss: true });
      const commands = p.send({ type: 'Reading', reading: reading(1000) });
      assert.equal(p.state.tx?.snapshot.id, 'old-tx');
      assert.equal(p.state.tx?.ending, undefined);
      assert.deepEqual(p.state.authorization?.idToken, CARD);
      assert.equal(relayCommands(commands).at(-1), true);
    });

    it('resumeAfterPowerLoss, but the meter went backwards: ended PowerLoss', () => {
      const p = recovered({ resumeAfterPowerLoss: true });
      p.send({ type: 'Reading', reading: reading(10) });
      assert.equal(p.state.tx?.ending?.stoppedReason, 'PowerLoss');
    });
  });

  it('two causes in a row are both handled: a remote stop while the end of an energy limit is still being read', () => {
    const p = new Play({ maxEnergyWh: 100, txStopPoints: ['EVConnected'] }).ready();
    p.send(plug(true), authorize());
    // The limit ends the authorization (an update: EVConnected keeps the transaction), then a remote stop forces the end.
    const limit = p.send({ type: 'Reading', reading: reading(1100, 5) });
    assert.equal(find(limit, 'TransactionUpdated')?.trigger, 'EnergyLimitReached');
    p.send({ type: 'Abort', cause: { trigger: 'RemoteStop', stopReason: 'Remote' } });
    const ended = find(p.send({ type: 'FinalReading', reading: reading(1100, 6) }), 'TransactionEnded')!;
    assert.equal(ended.trigger, 'RemoteStop');
    assert.equal(ended.stoppedReason, 'Remote');
  });

  it('a plug is decided in two inputs: the connector first (PlugSettled follows as Then), so an authorization queued on its status comes first', () => {
    const p = new Play().ready();
    const first = decide(p.state, plug(true), new Date(T0), p.env);
    assert.deepEqual(
      first.commands.map((c) => c.type),
      ['PublishConnector', 'Then'],
    );
    assert.deepEqual(first.commands.at(-1), { type: 'Then', input: { type: 'PlugSettled', plugged: true } });
  });

  it('E03.FR.05 an authorization without a cable arms ev-connection; when it fires the authorization ends (EVConnectTimeout, Timeout)', () => {
    const p = new Play({ txStartPoints: ['Authorized'], txStopPoints: ['Authorized'] }).ready();
    const commands = p.send(authorize());
    assert.ok(commands.some((c) => c.type === 'ArmTimer' && c.name === 'ev-connection' && c.ms === 60_000));
    p.send({ type: 'TimerFired', name: 'ev-connection' });
    const ended = find(p.send({ type: 'FinalReading', reading: undefined }), 'TransactionEnded')!;
    assert.equal(ended.trigger, 'EVConnectTimeout');
    assert.equal(ended.stoppedReason, 'Timeout');
  });

  it('G03.FR.05 inoperative during a transaction waits (scheduled) and applies after the end', () => {
    const p = new Play().ready();
    p.send(plug(true), authorize());
    p.send({ type: 'SetAvailability', level: 'evse', operative: false });
    assert.equal(p.state.scheduled.length, 1);
    assert.equal(p.state.connectors[0]!.operative, true);
    p.send(plug(false));
    const after = p.send({ type: 'FinalReading', reading: undefined });
    assert.equal(p.state.connectors[0]!.operative, false);
    const order = events(after).map((e) => (e.type === 'ConnectorStatusChanged' ? e.status : e.type));
    assert.deepEqual(order, ['TransactionEnded']);
    assert.equal(p.state.lastStatus[1], 'Unavailable', 'G01.FR.05: reported Unavailable at the unplug already');
  });

  it('E05.FR.02/03 a token the CSMS rejects, StopTxOnInvalidId false: charging goes on up to MaxEnergyOnInvalidId, then SuspendedEVSE', () => {
    const p = new Play({ stopTxOnInvalidId: false, maxEnergyOnInvalidIdWh: 200 }).ready();
    p.send(plug(true), authorize());
    p.send({ type: 'TokenRejected' });
    assert.equal(p.state.tx?.invalidToken, true);
    assert.equal(p.state.connectors[0]!.currentLimitA, 16, 'not yet: no energy delivered');
    const limited = p.send({ type: 'Reading', reading: reading(1200, 60) });
    assert.equal(p.state.connectors[0]!.currentLimitA, 0);
    assert.equal(find(limited, 'TransactionUpdated')?.chargingState, 'SuspendedEVSE');
    assert.equal(relayCommands(limited).at(-1), false);
  });

  it('maxDurationS: the duration timer is armed at the start and, when it fires, ends the authorization (TimeLimitReached)', () => {
    const p = new Play({ maxDurationS: 3600 }).ready();
    const commands = p.send(plug(true), authorize());
    assert.ok(commands.some((c) => c.type === 'ArmTimer' && c.name === 'duration' && c.ms === 3_600_000));
    p.send({ type: 'TimerFired', name: 'duration' });
    assert.equal(p.state.tx?.ending?.stoppedReason, 'TimeLimitReached');
    const end = p.commands.filter((c) => c.type === 'CancelTimer' && c.name === 'duration');
    assert.equal(end.length, 1, 'the duration timer is cancelled when the end begins');
  });

  it('H03 the reserved driver authorizes: the reservation is used (ReservationEnded Used) and E02.FR.03 named in the start', () => {
    const p = new Play().ready();
    const reserved = p.send({ type: 'Reserve', reservation: { id: 5, idToken: CARD, expiresAt: new Date(T0 + 600_000) } });
    assert.ok(reserved.some((c) => c.type === 'ArmTimer' && c.name === 'reservation' && c.ms === 600_000));
    assert.equal(p.state.lastStatus[1], 'Reserved');
    p.send(plug(true));
    const commands = p.send(authorize());
    assert.deepEqual(
      events(commands).flatMap((e) => (e.type === 'ReservationEnded' ? [[e.reservationId, e.reason]] : [])),
      [[5, 'Used']],
    );
    assert.equal(find(commands, 'TransactionStarted')?.reservationId, 5);
    assert.ok(commands.some((c) => c.type === 'CancelTimer' && c.name === 'reservation'));
  });

  it('H04.FR.01 the reservation timer fires: Expired, the connector Available again', () => {
    const p = new Play().ready();
    p.send({ type: 'Reserve', reservation: { id: 6, idToken: CARD, expiresAt: new Date(T0 + 60_000) } });
    const commands = p.send({ type: 'TimerFired', name: 'reservation' });
    assert.deepEqual(
      events(commands).map((e) => (e.type === 'ConnectorStatusChanged' ? e.status : e.type === 'ReservationEnded' ? e.reason : e.type)),
      ['Available', 'Expired'],
    );
  });

  it('a welded contactor: its feedback closed with the coil released arms contactor-0; when it fires the fault is raised and told', () => {
    const p = new Play().ready();
    const armed = p.send({ type: 'ContactChanged', index: 0, closed: true });
    assert.deepEqual(armed, [{ type: 'ArmTimer', name: 'contactor-0', ms: DEFAULT_SAFETY.contactorFeedbackTimeoutMs }]);
    const fired = p.send({ type: 'TimerFired', name: 'contactor-0' });
    assert.deepEqual(p.state.faults, ['contactor-welded']);
    assert.equal(find(fired, 'FaultChanged')?.active, true);
    assert.equal(p.state.lastStatus[1], 'Faulted');
    assert.equal(p.state.tripLatch.tripped, true);
  });

  it('G04 a connector made inoperative while idle: Unavailable at once (Accepted), the relay cannot close', () => {
    const p = new Play().ready();
    const commands = p.send({ type: 'SetAvailability', level: { connectorId: 1 }, operative: false });
    assert.equal(find(commands, 'ConnectorStatusChanged')?.status, 'Unavailable');
    p.send(plug(true), authorize());
    assert.equal(p.state.tx, undefined);
    assert.equal(relayCommands(p.commands).some(Boolean), false);
  });
});
