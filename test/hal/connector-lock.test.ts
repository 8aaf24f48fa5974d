import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, resolveConfig } from '../../src/config/load-config.js';
import { GpioConnectorLock, UNLOCK_CONFIRM_WITHIN_MS } from '../../src/hal/drivers/gpio/gpio-connector-lock.js';
import { SimulatedCableLock } from '../../src/hal/drivers/simulated/simulated-cable-lock.js';
import { SimulatedGpio } from '../../src/hal/drivers/simulated/simulated-gpio.js';
import { DigitalInput, DigitalOutput, type InputLineSpec } from '../../src/hal/gpio/gpio.js';
import { FakeClock } from '../../src/station/clock.js';
import { repoRoot, simulatorDoc, type ConfigDoc } from '../helpers/cli.js';

/** The connector lock role on GPIO lines, on fake time: an unlock is confirmed by the feedback contact, or fails (F05.FR.05). */
describe('connector lock with feedback (GPIO lines)', () => {
  const ACTUATOR = { line: 12, activeLow: false };
  // Debounce 0: the feedback follows at once, so only the lock's own wait is on the fake clock.
  const FEEDBACK: InputLineSpec = { line: 16, activeLow: true, debounceMs: 0 };

  /** A lock whose feedback contact is the simulated mechanism's (active-low: closed to ground while holding). */
  async function rig(options: { feedback?: boolean } = {}) {
    const gpio = new SimulatedGpio();
    const clock = new FakeClock();
    const mechanism = new SimulatedCableLock();
    mechanism.holding$.subscribe((holding) => gpio.setInputLevel(FEEDBACK, holding ? 0 : 1));
    const actuator = await DigitalOutput.open(gpio, ACTUATOR);
    actuator.active$.subscribe((on) => mechanism.setActuator(on));
    const feedback = options.feedback === false ? undefined : await DigitalInput.open(gpio, FEEDBACK);
    return { gpio, clock, mechanism, lock: new GpioConnectorLock(actuator, feedback, clock) };
  }

  it('locks and unlocks: the unlock resolves true as soon as the feedback reports the cable released, with no timer left', async () => {
    const { gpio, clock, lock } = await rig();
    lock.lock();
    assert.equal(lock.locked, true);
    assert.equal(gpio.level(ACTUATOR), 1);
    assert.equal(await lock.unlock(), true);
    assert.equal(lock.locked, false);
    assert.equal(gpio.level(ACTUATOR), 0);
    assert.equal(clock.pending, 0, 'the confirmation timer was cancelled');
  });

  it('a lock that jams holding the cable: the unlock waits for the feedback, then resolves false (UnlockFailed), not before its time', async () => {
    const { clock, mechanism, lock } = await rig();
    lock.lock();
    mechanism.setFault('stuck-locked');
    let answer: boolean | undefined;
    void lock.unlock().then((released) => (answer = released));
    await clock.advanceAsync(UNLOCK_CONFIRM_WITHIN_MS - 1);
    assert.equal(answer, undefined, 'still waiting for the feedback');
    assert.equal(lock.locked, false, 'the actuator was told to release');
    await clock.advanceAsync(1);
    assert.equal(answer, false);
    assert.equal(clock.pending, 0);
  });

  it('a lock that lets go late, within its time: true when the feedback follows', async () => {
    const { clock, mechanism, lock } = await rig();
    lock.lock();
    mechanism.setFault('stuck-locked');
    let answer: boolean | undefined;
    void lock.unlock().then((released) => (answer = released));
    await clock.advanceAsync(600);
    mechanism.setFault('none');
    await clock.advanceAsync(0);
    assert.equal(answer, true);
    assert.equal(clock.pending, 0);
  });

  it('a lock without feedback is taken at its word: true at once, even jammed (the behaviour before feedback existed)', async () => {
    const { clock, mechanism, lock } = await rig({ feedback: false });
    lock.lock();
    mechanism.setFault('stuck-locked');
    assert.equal(await lock.unlock(), true);
    assert.equal(lock.locked, false);
    assert.equal(clock.pending, 0);
  });
});

describe('connector lock feedback in the config', () => {
  const connectorOne = (doc: ConfigDoc): ConfigDoc => doc['evses'][0]['connectors'][0] as ConfigDoc;
  const problemsOf = (doc: ConfigDoc): string[] => {
    try {
      resolveConfig(doc, path.join(repoRoot, 'config', 'simulator.json'));
      return [];
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.problems.map((p) => `${p.path}: ${p.expected}`);
    }
  };

  it('reads lockFeedback as an input line (active-low, debounced) beside the lock', () => {
    const doc = simulatorDoc();
    connectorOne(doc)['lock'] = { line: 12 };
    connectorOne(doc)['lockFeedback'] = { line: 16, activeLow: true };
    const connector = resolveConfig(doc, path.join(repoRoot, 'config', 'simulator.json')).config.evses[0]!.connectors[0]!;
    assert.deepEqual(connector.lockFeedback, { line: 16, activeLow: true, chip: undefined, debounceMs: 50 });
  });

  it('refuses a lockFeedback without a lock, and a lockFeedback on a line another function uses', () => {
    const alone = simulatorDoc();
    connectorOne(alone)['lockFeedback'] = { line: 16 };
    assert.deepEqual(
      problemsOf(alone).filter((p) => p.includes('lockFeedback')),
      ['/evses/0/connectors/0/lockFeedback: a lock line beside it (the feedback of which lock?)'],
    );
    const clash = simulatorDoc();
    connectorOne(clash)['lock'] = { line: 12 };
    connectorOne(clash)['lockFeedback'] = { line: connectorOne(clash)['plugDetect']['line'] };
    assert.deepEqual(problemsOf(clash), ['/evses/0/connectors/0/plugDetect/line: a line not used elsewhere (BCM 22 is already /evses/0/connectors/0/lockFeedback)']);
  });
});
