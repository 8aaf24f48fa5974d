import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { COMMAND_USAGE } from '../../src/cli/cli.js';
import { unreadableBecause } from '../../src/config/load-config.js';
import { runCommand } from '../../src/cli/commands/run.js';
import { stopOnSignals } from '../../src/cli/signals.js';
import { SimulatedGpio } from '../../src/hal/drivers/simulated/simulated-gpio.js';
import { shippedProfileNames } from '../../src/hal/meter/profile.js';
import { EXIT, onFailsafe } from '../../src/process/lifecycle.js';
import { JsonFileStore } from '../../src/store/json-file-store.js';
import { SettingsFile } from '../../src/store/settings-file.js';
import { whileAgentHolds } from '../helpers/foreign-agent.js';
import { repoRoot, runInProcess, runProcess, simulatorConfigCopy } from '../helpers/cli.js';

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

describe('cli: commands, usage and exit codes', function () {
  this.timeout(60000);
  let tmp: string;
  const configs: string[] = [];
  /** A simulator config in a scratch folder, removed after the tests. */
  const config = (changes?: Parameters<typeof simulatorConfigCopy>[0]): string => {
    const file = simulatorConfigCopy(changes);
    configs.push(path.dirname(file));
    return file;
  };

  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'evse-cli-test-'));
  });
  after(() => {
    rmSync(tmp, { recursive: true, force: true });
    for (const dir of configs) rmSync(dir, { recursive: true, force: true });
  });

  describe('<command> --help', () => {
    const commands: string[][] = [['run'], ['check-config'], ['meter', 'read'], ['pilot', 'read'], ['card', 'read'], ['meter-sim'], ['failsafe'], ['demo'], ['dev-csms'], ['release', 'pack'], ['sessions', 'export'], ['simulate'], ['version']];

    it('covers every command there is', () => {
      assert.deepEqual(commands.map((c) => c[0]).sort(), Object.keys(COMMAND_USAGE).sort());
    });

    for (const argv of commands) {
      it(`${argv.join(' ')} --help prints that command's usage and exits 0, doing nothing else`, async () => {
        const { code, stdout, stderr } = await runInProcess([...argv, '--help']);
        assert.equal(code, 0, stderr);
        assert.equal(stderr, '');
        assert.match(stdout, new RegExp(`^usage: evse-agent ${argv.join(' ')}`));
        // Its own usage, not the whole list.
        const others = Object.keys(COMMAND_USAGE).filter((c) => c !== argv[0] && !(argv[0] === 'meter-sim' && c === 'meter'));
        for (const other of others) assert.doesNotMatch(stdout, new RegExp(`^ {2}${other} `, 'm'), `${other} in:\n${stdout}`);
      });
    }

    for (const argv of commands) {
      it(`help ${argv[0]} prints what ${argv.join(' ')} --help prints, exit 0`, async () => {
        const own = await runInProcess([...argv, '--help']);
        const { code, stdout, stderr } = await runInProcess(['help', argv[0]!]);
        assert.equal(code, 0, stderr);
        assert.equal(stderr, '');
        assert.equal(stdout, own.stdout);
      });
    }

    it('help of an unknown command is a usage error (64)', async () => {
      const { code, stderr } = await runInProcess(['help', 'nonsense']);
      assert.equal(code, EXIT.usage);
      assert.match(stderr, /unknown command "nonsense"/);
    });

    it('demo --help says FILE defaults to the simulator config, not $EVSE_AGENT_CONFIG', async () => {
      const { stdout } = await runInProcess(['demo', '--help']);
      assert.match(stdout, /config\/simulator\.json/);
      assert.doesNotMatch(stdout, /\/etc\/evse-agent\/config\.json/);
      assert.doesNotMatch(stdout, /defaults to \$EVSE_AGENT_CONFIG/);
    });

    it("failsafe --help names the config's storage.dir as a place of the relay map", async () => {
      const { stdout } = await runInProcess(['failsafe', '--help']);
      assert.match(stdout.replace(/\s+/g, ' '), /\$EVSE_AGENT_STATE_DIR, else the config's storage\.dir if it can be read, else \/var\/lib\/evse-agent/);
    });

    for (const argv of [['run', '--help'], ['meter', 'read', '-h']]) {
      it(`as a real process: evse-agent ${argv.join(' ')} exits 0 (it used to be a usage error, 64)`, async () => {
        const { code, stdout, stderr } = await runProcess(argv);
        assert.equal(code, 0, stderr);
        assert.match(stdout, /^usage: evse-agent /);
      });
    }
  });

  describe('check-config', () => {
    it('without FILE reads $EVSE_AGENT_CONFIG (a real process)', async () => {
      const file = config();
      const { code, stdout, stderr } = await runProcess(['check-config'], { env: { EVSE_AGENT_CONFIG: file } });
      assert.equal(code, 0, stderr);
      assert.equal(stdout.split('\n')[0], `${file}: valid`);
    });

    it('summarises the control pilot and the card readers of a valid config', async () => {
      const { code, stdout, stderr } = await runInProcess(['check-config', path.join(repoRoot, 'config', 'simulator-pilot.json')]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^ {9}pilot evse-wb \(simulated, in-process\)$/m);
      assert.match(stdout, /^reader {3}front: simulated, EVSE 1$/m);
    });

    it('without FILE nor $EVSE_AGENT_CONFIG reads /etc/evse-agent/config.json', async () => {
      const saved = process.env['EVSE_AGENT_CONFIG'];
      delete process.env['EVSE_AGENT_CONFIG'];
      try {
        const { code, stdout, stderr } = await runInProcess(['check-config']);
        let exists = true;
        try {
          readFileSync('/etc/evse-agent/config.json');
        } catch {
          exists = false;
        }
        if (exists) assert.match(stdout + stderr, /\/etc\/evse-agent\/config\.json/);
        else {
          assert.equal(code, EXIT.config);
          assert.equal(stderr, '/etc/evse-agent/config.json: cannot read the config: the file does not exist (ENOENT)\n');
        }
      } finally {
        if (saved !== undefined) process.env['EVSE_AGENT_CONFIG'] = saved;
      }
    });

    it('on a file that does not exist says so, naming it (exit 78), not "invalid configuration ... found ENOENT"', async () => {
      const missing = path.join(tmp, 'no-such-config.json');
      const { code, stdout, stderr } = await runInProcess(['check-config', missing]);
      assert.equal(code, EXIT.config);
      assert.equal(stdout, '');
      assert.equal(stderr, `${missing}: cannot read the config: the file does not exist (ENOENT)\n`);
    });

    it('on a file it may not read says permission denied, naming it (exit 78)', async function () {
      if (process.getuid?.() === 0) this.skip(); // root reads any file
      const file = config();
      chmodSync(file, 0o000);
      try {
        const { code, stderr } = await runInProcess(['check-config', file]);
        assert.equal(code, EXIT.config);
        assert.equal(stderr, `${file}: cannot read the config: it cannot be read: permission denied (EACCES)\n`);
      } finally {
        chmodSync(file, 0o600);
      }
    });

    it('words the read errors: missing, permission denied (EACCES, EPERM), a folder', () => {
      const err = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });
      assert.equal(unreadableBecause(err('ENOENT')), 'the file does not exist (ENOENT)');
      assert.equal(unreadableBecause(err('EACCES')), 'it cannot be read: permission denied (EACCES)');
      assert.equal(unreadableBecause(err('EPERM')), 'it cannot be read: permission denied (EPERM)');
      assert.equal(unreadableBecause(err('EISDIR')), 'it is a folder, not a file (EISDIR)');
    });

    it('on a folder says it is a folder (exit 78)', async () => {
      const { code, stderr } = await runInProcess(['check-config', tmp]);
      assert.equal(code, EXIT.config);
      assert.equal(stderr, `${tmp}: cannot read the config: it is a folder, not a file (EISDIR)\n`);
    });

    it('says that more checks follow when it stops after the schema round, and only then', async () => {
      const schema = await runInProcess(['check-config', path.join(repoRoot, 'test', 'config', 'bad', 'many-schema-mistakes.json')]);
      assert.equal(schema.code, 78);
      assert.match(schema.stderr, /\nmore checks follow once these are fixed \(meter profiles, /);
      const syntax = await runInProcess(['check-config', path.join(repoRoot, 'test', 'config', 'bad', 'not-json.json')]);
      assert.match(syntax.stderr, /\nmore checks follow once this is fixed /);
      const semantic = await runInProcess(['check-config', path.join(repoRoot, 'test', 'config', 'bad', 'many-semantic-mistakes.json')]);
      assert.equal(semantic.code, 78);
      assert.doesNotMatch(semantic.stderr, /more checks follow/);
    });

    it('warns (exit 0) about security profile 0 to a CSMS that is not on this machine; not for loopback', async () => {
      const remote = config((d) => {
        d['ocpp'].url = 'ws://csms.example.com/ocpp';
      });
      const { code, stdout, stderr } = await runInProcess(['check-config', remote]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /: valid\n/);
      assert.match(stderr, /^warning: \/ocpp\/securityProfile: security profile 0 to csms\.example\.com, which is not this machine: the station sends no credentials/m);
      for (const url of ['ws://127.0.0.1:9/ocpp', 'ws://localhost:9/ocpp', 'ws://[::1]:9/ocpp']) {
        const local = await runInProcess(['check-config', config((d) => (d['ocpp'].url = url))]);
        assert.equal(local.code, 0);
        assert.equal(local.stderr, '', url);
      }
    });

    it('run logs the same warning, at warning level, and starts', async () => {
      const remote = config((d) => {
        d['ocpp'].url = 'ws://192.0.2.10:9/ocpp';
      });
      let err = '';
      const controller = new AbortController();
      const done = runCommand({ stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) }, stop: controller.signal }, remote, { gpio: new SimulatedGpio() });
      const deadline = Date.now() + 15000;
      while (!/running EVSE-SIM-001/.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      controller.abort();
      assert.equal(await done, 0, err);
      assert.match(err, /WARNING config: \/ocpp\/securityProfile: security profile 0 to 192\.0\.2\.10, which is not this machine/);
    });
  });

  describe('exit codes: one meaning each', () => {
    it('run: the local API port in use is 71 (EX_OSERR), not 69', async () => {
      const busy = net.createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      try {
        const port = (busy.address() as net.AddressInfo).port;
        const file = config((d) => (d['api'] = { listen: `127.0.0.1:${port}` }));
        const { code, stderr } = await runInProcess(['run', '--config', file]);
        assert.equal(code, EXIT.cannotListen, stderr);
        assert.match(stderr, new RegExp(`cannot start: cannot listen on 127\\.0\\.0\\.1:${port} for the local API: .*EADDRINUSE`));
      } finally {
        await new Promise<void>((resolve) => busy.close(() => resolve()));
      }
    });

    it('run: a storage.dir that cannot be created is 73 (EX_CANTCREAT)', async () => {
      const blocker = path.join(tmp, 'not-a-folder');
      writeFileSync(blocker, '');
      const file = config((d) => (d['storage'] = { dir: path.join(blocker, 'state') }));
      const { code, stderr } = await runInProcess(['run', '--config', file]);
      assert.equal(code, EXIT.cannotCreate, stderr);
      assert.match(stderr, /cannot start: cannot create storage\.dir .*not-a-folder\/state/);
    });

    it('a second SIGINT / SIGTERM exits 130 / 143 (128 + the signal), not 70; the first opens the relays and aborts', () => {
      for (const [sig, code] of [
        ['SIGINT', 130],
        ['SIGTERM', 143],
      ] as const) {
        const source = new EventEmitter();
        const controller = new AbortController();
        const exits: number[] = [];
        let relaysOpened = 0;
        const removeHook = onFailsafe(() => relaysOpened++);
        try {
          stopOnSignals(controller, (c) => exits.push(c), source);
          source.emit(sig);
          assert.ok(controller.signal.aborted);
          assert.equal(relaysOpened, 1);
          assert.deepEqual(exits, []);
          source.emit(sig);
          assert.equal(relaysOpened, 2);
          assert.deepEqual(exits, [code]);
        } finally {
          removeHook();
        }
      }
      assert.match(readme, /^\| 130, 143 \| a second SIGINT or SIGTERM/m);
    });

    it('the README lists every exit code with its meaning', () => {
      const table = readme.slice(readme.indexOf('| exit code |'));
      for (const code of Object.values(EXIT)) assert.match(table, new RegExp(`^\\| ${code} \\| `, 'm'), `exit code ${code} missing from the README`);
    });
  });

  describe('meter read while an agent runs', () => {
    it('refuses (75) to poll a Modbus meter that an agent on the same storage.dir polls; a simulated meter is read all the same', async () => {
      const modbus = config((d) => {
        d['meter'] = { driver: 'modbus-tcp', profile: 'eastron-sdm630', host: '127.0.0.1', tcpPort: 9, timeoutMs: 100, retries: 0 };
      });
      const simulated = config();
      await whileAgentHolds([path.join(path.dirname(modbus), 'var'), path.join(path.dirname(simulated), 'var')], async (pid) => {
        const refused = await runInProcess(['meter', 'read', '--config', modbus]);
        assert.equal(refused.code, EXIT.alreadyRunning, refused.stderr);
        assert.match(refused.stderr, new RegExp(`the agent is already running \\(pid ${pid}\\) .* two masters on one Modbus line`));
        assert.equal(refused.stdout, '');
        const read = await runInProcess(['meter', 'read', '--config', simulated]);
        assert.equal(read.code, 0, read.stderr);
      });
    });
  });

  describe('meter-sim --profile', () => {
    it('an unknown profile: exit 64 and the list of profiles (a real process)', async () => {
      const { code, stderr } = await runProcess(['meter-sim', '--profile', 'nope', '--tcp', '127.0.0.1:0']);
      assert.equal(code, EXIT.usage);
      assert.match(stderr, /^meter-sim: no meter profile "nope"; the profiles are: /);
      for (const name of shippedProfileNames()) assert.ok(stderr.includes(name), `${name} not listed:\n${stderr}`);
    });

    it('a profile file that is not JSON: its line and column', async () => {
      const file = path.join(tmp, 'broken-meter.json');
      writeFileSync(file, '{\n  "id": "broken-meter",\n  "phases": 3,,\n}\n');
      const { code, stderr } = await runInProcess(['meter-sim', '--profile', file, '--tcp', '127.0.0.1:0']);
      assert.equal(code, EXIT.config);
      assert.match(stderr, /valid JSON, found a syntax error at line 3, column 15 \(/);
    });
  });

  describe('JSON syntax errors say line and column, not a byte offset', () => {
    it('a damaged state file in storage.dir', () => {
      const dir = path.join(tmp, 'store');
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'availability.json'), '{\n  "evses": {\n    "1": false\n  \n');
      const warnings: string[] = [];
      const value = new JsonFileStore(dir, (m) => warnings.push(m)).read('availability');
      assert.equal(value, undefined);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] ?? '', /availability\.json is corrupt \(a syntax error at line 5, column 1 \(.*\)\); using defaults/);
      assert.doesNotMatch(warnings[0] ?? '', /position/);
    });

    it('a damaged settings file (it holds the CSMS password): line and column, never the text', () => {
      const dir = path.join(tmp, 'settings');
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'ocpp16-configuration.json'), '{"version": 1, "values": {\n  "AuthorizationKey": Secret-Passw0rd-123\n}}\n', { mode: 0o600 });
      const warnings: string[] = [];
      assert.equal(new SettingsFile(dir, 'ocpp16-configuration.json', 'the defaults', (m) => warnings.push(m)).load().size, 0);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0] ?? '', /ocpp16-configuration\.json is corrupt \(a syntax error at line 2, column 23 \(/);
      assert.ok(!(warnings[0] ?? '').includes('Passw0rd'), warnings[0]);
    });
  });
});
