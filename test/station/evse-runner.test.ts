import assert from 'node:assert/strict';
import { FakeClock } from '../../src/station/clock.js';
import { inExecutionOrder, type EvseCommand } from '../../src/station/evse-command.js';
import { EvseRunner, type EvseEffects } from '../../src/station/evse-runner.js';
import { initialEvseState, type DecideEnv } from '../../src/station/evse-state.js';
import type { StationEvent } from '../../src/station/events.js';
import type { MeterReading } from '../../src/station/meter-reading.js';
import { DEFAULT_SAFETY } from '../../src/station/ports.js';

/**
 * The runner: inputs queue (none lost), and the effects happen in the order the durability rule
 * needs - the start recorded before the relay closes; at the end the relay opens, then the final
 * reading is taken, then the end is recorded. On FakeClock.
 */

const CARD = { idToken: 'CARD1', type: 'ISO14443' as const };
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const reading = (energyImportWh: number): MeterReading => ({ energyImportWh, currentL1A: 16, timestamp: new Date(T0) });
const ENV: DecideEnv = {
  settings: { txStartPoints: ['PowerPathClosed'], txStopPoints: ['EVConnected', 'Authorized'], evConnectionTimeoutS: 60, stopTxOnInvalidId: true, evIdleCurrentA: 0.5, evIdleAfterS: 10, onMeterFailure: 'suspend' },
  safety: DEFAULT_SAFETY,
  newTransactionId: () => 'tx-1',
};

/** A runner whose effects write one line each to `log`; the meter's poll waits until `answerPoll`. */
function rig(onEmit: (e: StationEvent, runner: EvseRunner) => void = () => undefined) {
  const clock = new FakeClock(T0);
  const log: string[] = [];
  let relay = false;
  let answerPoll: (r: MeterReading | undefined) => void = () => undefined;
  const effects: EvseEffects = {
    setRelay: (_, closed) => {
      if (closed !== relay) log.push(closed ? 'relay closes' : 'relay opens');
      relay = closed;
    },
    offerCurrent: (amps) => log.push(`offer ${amps} A`),
    setLock: (_, locked) => log.push(locked ? 'lock' : 'unlock'),
    emit: (e) => {
      log.push(e.type === 'ConnectorStatusChanged' ? `status ${e.status}` : e.type);
      onEmit(e, runner);
    },
    publishConnector: () => undefined,
    pollMeter: () => {
      log.push(`poll (relay ${relay ? 'closed' : 'open'})`);
      return new Promise((resolve) => (answerPoll = resolve));
    },
    latestReading: () => undefined,
    saveTripLatch: () => log.push('latch saved'),
  };
  const runner = new EvseRunner(initialEvseState({ evseId: 1, maxCurrentA: 16, connectorIds: [1] }), () => ENV, clock, effects);
  runner.send({ type: 'Reading', reading: reading(1000) });
  runner.send({ type: 'Started' });
  return { clock, log, runner, answer: (r: MeterReading | undefined) => answerPoll(r) };
}

const charge = (runner: EvseRunner): void => {
  runner.send({ type: 'PlugChanged', index: 0, plugged: true, initial: false });
  runner.send({ type: 'Authorize', auth: { idToken: CARD, source: 'token' }, trigger: 'Authorized' });
};

describe('EvseRunner: queued inputs, ordered effects', () => {
  it('commands are carried out by phase whatever order decide() listed them in: opening relays, events, closing relays, the final reading', () => {
    const event: StationEvent = { type: 'ConnectorStatusChanged', evseId: 1, connectorId: 1, status: 'Occupied', timestamp: new Date(T0) };
    const swapped: EvseCommand[] = [
      { type: 'PollFinalReading' },
      { type: 'SetRelay', index: 0, closed: true },
      { type: 'Emit', event },
      { type: 'SetRelay', index: 1, closed: false },
    ];
    assert.deepEqual(
      inExecutionOrder(swapped).map((c) => (c.type === 'SetRelay' ? `SetRelay ${c.closed}` : c.type)),
      ['SetRelay false', 'Emit', 'SetRelay true', 'PollFinalReading'],
    );
  });

  it('a transaction start is emitted (and journaled by its listener, synchronously) before the relay closes', () => {
    const journal: string[] = [];
    const relayAtJournal: boolean[] = [];
    const { log, runner } = rig((e) => {
      if (e.type === 'TransactionStarted') {
        journal.push(e.transaction.id);
        relayAtJournal.push(log.includes('relay closes'));
      }
    });
    charge(runner);
    assert.deepEqual(journal, ['tx-1']);
    assert.deepEqual(relayAtJournal, [false], 'the relay was still open when the start was journaled');
    assert.ok(log.indexOf('TransactionStarted') < log.indexOf('relay closes'), log.join(', '));
  });

  it('at the end the relay opens, then the final reading is taken, then the end is emitted (only once the meter answered)', async () => {
    const { log, runner, answer } = rig();
    charge(runner);
    log.length = 0;
    runner.send({ type: 'PlugChanged', index: 0, plugged: false, initial: false });
    assert.deepEqual(log, ['relay opens', 'status Available', 'poll (relay open)']);
    assert.equal(runner.state.tx?.ending?.stoppedReason, 'EVDisconnected');
    const done = runner.endingDone;
    answer(reading(1500));
    await done;
    assert.deepEqual(log.slice(3), ['TransactionEnded']);
    assert.equal(runner.state.tx, undefined);
  });

  it('an input that arrives while another is handled waits its turn: two causes in a row are both handled, in order', () => {
    const handled: string[] = [];
    const { runner } = rig((e, r) => {
      // A listener of the start reacts twice at once: a remote stop, then a fault. Neither overwrites the other.
      if (e.type === 'TransactionStarted') {
        r.send({ type: 'Deauthorize', cause: { trigger: 'RemoteStop', stopReason: 'Remote' } });
        r.send({ type: 'RaiseFault', fault: 'rcd-trip' });
        handled.push(`relay at reaction: ${r.state.authorization ? 'authorized' : 'not authorized'}`);
      }
    });
    charge(runner);
    // Both were handled after the start's own decision: the authorization ended, the fault is raised.
    assert.deepEqual(handled, ['relay at reaction: authorized']);
    assert.equal(runner.state.authorization, undefined);
    assert.deepEqual(runner.state.faults, ['rcd-trip']);
    assert.equal(runner.state.tx?.ending?.cause.trigger, 'RemoteStop', 'the first cause ended it; the second was not lost either');
  });

  it('whenSettled: a listener that sends an input sees its outcome once the queue has drained', () => {
    const seen: string[] = [];
    const { runner } = rig((e, r) => {
      if (e.type === 'TransactionStarted') {
        r.send({ type: 'Deauthorize', cause: { trigger: 'RemoteStop', stopReason: 'Remote' } });
        r.whenSettled(() => seen.push(r.state.authorization ? 'still authorized' : 'deauthorized'));
      }
    });
    charge(runner);
    assert.deepEqual(seen, ['deauthorized']);
    runner.whenSettled(() => seen.push('at once when idle'));
    assert.deepEqual(seen, ['deauthorized', 'at once when idle']);
  });

  it('named timers run on the clock: E03.FR.05 EVConnectionTimeOut ends an authorization without a cable after 60 s', () => {
    const { clock, runner } = rig();
    runner.send({ type: 'Authorize', auth: { idToken: CARD, source: 'token' }, trigger: 'Authorized' });
    clock.advance(59_999);
    assert.ok(runner.state.authorization);
    clock.advance(1);
    assert.equal(runner.state.authorization, undefined);
    assert.equal(clock.pending, 0, 'nothing left armed');
  });

  it('stop opens the relays, cancels every timer, and decides nothing more', () => {
    const { clock, log, runner } = rig();
    charge(runner);
    runner.stop();
    assert.equal(log.at(-1), 'relay opens');
    assert.equal(clock.pending, 0);
    runner.send({ type: 'Authorize', auth: { idToken: CARD, source: 'token' }, trigger: 'Authorized' });
    assert.equal(log.at(-1), 'relay opens');
  });
});
