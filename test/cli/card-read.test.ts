import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Pn532Command } from '../../src/hal/drivers/pn532/pn532-frame.js';
import { SimulatedPn532 } from '../../src/hal/drivers/simulated/simulated-pn532.js';
import { EXIT } from '../../src/process/lifecycle.js';
import { CliProcess, runInProcess, runProcess, simulatorConfigCopy, type ConfigDoc } from '../helpers/cli.js';
import { whileAgentHolds } from '../helpers/foreign-agent.js';
import { openPtyPair, type PtyPair } from '../helpers/socat.js';

/** `evse-agent card read` against a PN532 simulator on a real serial line (a socat pty pair). */
describe('card read (a real process) at a PN532 on a serial line', function () {
  this.timeout(60000);
  let pty: PtyPair;
  let pn532: SimulatedPn532;
  let file: string;
  const configs: string[] = [];
  const config = (changes: (doc: ConfigDoc) => void): string => {
    const f = simulatorConfigCopy(changes);
    configs.push(path.dirname(f));
    return f;
  };

  before(async () => {
    pty = await openPtyPair();
    file = config((doc) => {
      doc['readers'] = { front: { driver: 'pn532', evseId: 1, device: pty.b } };
    });
  });
  beforeEach(async () => {
    pn532 = new SimulatedPn532();
    await pn532.openSerial(pty.a);
  });
  afterEach(async () => {
    await pn532.close();
  });
  after(async () => {
    await pty.close();
    for (const dir of configs) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the id of a card held to it as JSON, as the agent would send it (upper-case hex, ISO14443), exit 0', async () => {
    pn532.holdCard('04a1b2c3');
    const res = await runProcess(['card', 'read', '--config', file, '--json', '--timeout', '10']);
    assert.equal(res.code, EXIT.ok, res.stderr);
    assert.deepEqual(JSON.parse(res.stdout), { reader: 'front', evseId: 1, idToken: '04A1B2C3', type: 'ISO14443' });
  });

  it('waits for a card presented after it started, and prints "<idToken> <type> (reader <name>, EVSE <n>)"', async () => {
    const read = new CliProcess(['card', 'read', '--config', file, '--reader', 'front', '--timeout', '15']);
    await read.waitFor(/reader front \(pn532 on .*\) ready: hold a card to it/);
    assert.doesNotMatch(read.out, /04112233445566/, 'no card yet');
    pn532.holdCard('04112233445566');
    assert.equal(await read.exited, EXIT.ok, read.out);
    assert.match(read.out, /^04112233445566 ISO14443 \(reader front, EVSE 1\)$/m);
  });

  it('exits 69 with a message when no card comes within --timeout', async () => {
    const started = Date.now();
    const res = await runProcess(['card', 'read', '--config', file, '--timeout', '1']);
    assert.equal(res.code, EXIT.unavailable, res.stderr);
    assert.match(res.stderr, /card read: no card within 1 s/);
    assert.equal(res.stdout, '');
    assert.ok(Date.now() - started < 10000);
  });

  it('says at once that a reader does not answer, and exits 69 at the timeout', async () => {
    pn532.mute();
    const res = await runProcess(['card', 'read', '--config', file, '--timeout', '3']);
    assert.equal(res.code, EXIT.unavailable);
    assert.match(res.stderr, /reader front \(pn532 on .*\) failed: /);
    assert.match(res.stderr, /no card within 3 s/);
  });

  it('refuses (75) while an agent holds storage.dir: the agent reads the same device', async () => {
    await whileAgentHolds([path.join(path.dirname(file), 'var')], async (pid) => {
      pn532.holdCard('04a1b2c3');
      const refused = await runInProcess(['card', 'read', '--config', file]);
      assert.equal(refused.code, EXIT.alreadyRunning, refused.stderr);
      assert.match(refused.stderr, new RegExp(`already running \\(pid ${pid}\\)`));
      assert.equal(pn532.commandCount(Pn532Command.InListPassiveTarget), 0, 'the reader was not touched');
    });
  });

  it('usage errors (64): no readers configured, an unknown --reader (the readers named), only simulated readers', async () => {
    const none = await runInProcess(['card', 'read', '--config', config(() => undefined)]);
    assert.equal(none.code, EXIT.usage);
    assert.match(none.stderr, /configures no card reader/);

    const unknown = await runInProcess(['card', 'read', '--config', file, '--reader', 'back']);
    assert.equal(unknown.code, EXIT.usage);
    assert.match(unknown.stderr, /no reader "back" in .*; the readers are: front/);

    const simulated = config((doc) => {
      doc['readers'] = { desk: { driver: 'simulated', evseId: 1 } };
    });
    const sim = await runInProcess(['card', 'read', '--config', simulated]);
    assert.equal(sim.code, EXIT.usage);
    assert.match(sim.stderr, /reader "desk" is simulated; cards reach it through the running agent: POST \/api\/sim\/readers\/desk\/card/);

    const badTimeout = await runInProcess(['card', 'read', '--config', file, '--timeout', '0']);
    assert.equal(badTimeout.code, EXIT.usage);
    assert.match(badTimeout.stderr, /--timeout takes seconds/);
  });
});
