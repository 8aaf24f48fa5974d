import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, loadConfig, resolveConfig } from '../../src/config/load-config.js';
import { Secret } from '../../src/config/station-config.js';
import { repoRoot, runInProcess, runProcess, simulatorDoc } from '../helpers/cli.js';

const configDir = path.join(repoRoot, 'config');
const badDir = path.join(repoRoot, 'test', 'config', 'bad');
const expected = JSON.parse(readFileSync(path.join(badDir, 'expected.json'), 'utf8')) as Record<string, string[]>;
const corpusFiles = readdirSync(badDir)
  .filter((f) => f.endsWith('.json') && f !== 'expected.json')
  .sort();

const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

/** The problem lines check-config prints under its header, one per problem. */
function problemLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^ {2}\/.*?: must be /.test(l));
}

/** The problem line for a JSON path, if printed. */
function lineFor(stderr: string, jsonPath: string): string | undefined {
  return problemLines(stderr).find((l) => l.startsWith(`  ${jsonPath}: must be `));
}

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'evse-config-test-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Writes a config document (or raw text) into a fresh folder of the temp dir; returns its path. */
let seq = 0;
function writeConfig(doc: unknown, name = 'config.json'): string {
  const dir = path.join(tmp, `c${++seq}`);
  mkdirSync(dir);
  const file = path.join(dir, name);
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

function writePasswordFile(dir: string, password: string, mode: number): string {
  const file = path.join(dir, 'csms-password');
  writeFileSync(file, `${password}\n`, { mode });
  chmodSync(file, mode);
  return file;
}

describe('config: corpus of bad configs', () => {
  it('has an expectation for every corpus file and a file for every expectation', () => {
    assert.deepEqual(Object.keys(expected).sort(), corpusFiles);
    assert.ok(corpusFiles.length >= 25, `only ${corpusFiles.length} corpus files`);
    for (const [file, paths] of Object.entries(expected)) assert.ok(paths.length > 0, `${file} expects no path`);
  });

  for (const file of corpusFiles) {
    it(`rejects ${file} with exit 78, naming ${(expected[file] ?? []).join(', ')}`, async () => {
      const full = path.join(badDir, file);
      const { code, stdout, stderr } = await runInProcess(['check-config', full]);
      assert.equal(code, 78, stderr);
      assert.equal(stdout, '');
      const paths = expected[file] ?? [];
      for (const p of paths) assert.ok(lineFor(stderr, p), `no problem line for ${p} in:\n${stderr}`);
      // Nothing but the expected problems: each corpus file carries exactly the mistakes listed for it.
      const lines = problemLines(stderr);
      assert.equal(lines.length, paths.length, stderr);
      assert.match(stderr, new RegExp(`invalid configuration \\(${paths.length} problems?\\):`));
      // A password in a rejected file is never echoed back.
      let password: unknown;
      try {
        password = (readJson(full)['ocpp'] as { password?: unknown } | undefined)?.password;
      } catch {
        // not JSON
      }
      if (typeof password === 'string') assert.ok(!stderr.includes(password), `password printed:\n${stderr}`);
    });
  }

  it('words an enum mistake as the installer reads it (baudRate as a string)', async () => {
    const { stderr } = await runInProcess(['check-config', path.join(badDir, 'baud-rate-string.json')]);
    assert.match(lineFor(stderr, '/meter/baudRate') ?? '', /^ {2}\/meter\/baudRate: must be one of 1200\.\.115200 \(.*\), found "9600"$/);
  });

  it('suggests the key a typo meant', async () => {
    const { stderr } = await runInProcess(['check-config', path.join(badDir, 'meter-key-typo.json')]);
    const line = lineFor(stderr, '/meter/pollIntervallMs') ?? '';
    assert.match(line, /did you mean "pollIntervalMs"\?/);
    assert.match(line, /unknown key "pollIntervallMs"/);
  });

  it('does not guess a key for an unrelated unknown key', async () => {
    const { stderr } = await runInProcess(['check-config', path.join(badDir, 'unknown-top-level-key.json')]);
    const line = lineFor(stderr, '/billing') ?? '';
    assert.match(line, /known here: station, ocpp, meter, gpio, evses/);
    assert.doesNotMatch(line, /did you mean/);
  });

  it('says which driver a misplaced meter key belongs to', async () => {
    const { stderr } = await runInProcess(['check-config', path.join(badDir, 'meter-key-for-other-driver.json')]);
    assert.match(lineFor(stderr, '/meter/host') ?? '', /absent with driver "modbus-rtu" \(it applies to modbus-tcp\), found "192\.168\.1\.50"/);
  });

  it('lists the shipped profiles for an unknown profile name', async () => {
    const { stderr } = await runInProcess(['check-config', path.join(badDir, 'meter-profile-unknown.json')]);
    const line = lineFor(stderr, '/meter/profile') ?? '';
    assert.match(line, /eastron-sdm630/);
    assert.match(line, /found "eastron-sdm999"/);
  });

  for (const [file, token] of [
    ['not-json.json', '"vendor"'],
    ['not-json-trailing-comma.json', ']'],
  ] as const) {
    it(`gives the line and column of a JSON syntax error (${file})`, async () => {
      const full = path.join(badDir, file);
      const text = readFileSync(full, 'utf8');
      // Where the parser stops: the first token after the missing comma / the bracket after the trailing comma.
      const offending = file === 'not-json.json' ? text.indexOf(token) : text.indexOf(',]') + 1;
      const before = text.slice(0, offending);
      const line = before.split('\n').length;
      const column = offending - before.lastIndexOf('\n');
      const { code, stderr } = await runInProcess(['check-config', full]);
      assert.equal(code, 78);
      assert.match(lineFor(stderr, '/') ?? '', new RegExp(`must be valid JSON, found a syntax error at line ${line}, column ${column} \\(`));
    });
  }

  it('prints every schema problem at once, one line each', async () => {
    const { code, stderr } = await runInProcess(['check-config', path.join(badDir, 'many-schema-mistakes.json')]);
    assert.equal(code, 78);
    assert.ok(problemLines(stderr).length >= 3, stderr);
    assert.deepEqual(
      problemLines(stderr).map((l) => l.trim().split(':')[0]).sort(),
      ['/api/listen', '/log/level', '/meter/driver', '/ocpp/version', '/station/identity'],
    );
  });

  it('prints every problem past the schema at once, one line each', async () => {
    const { code, stderr } = await runInProcess(['check-config', path.join(badDir, 'many-semantic-mistakes.json')]);
    assert.equal(code, 78);
    assert.ok(problemLines(stderr).length >= 3, stderr);
    assert.equal(problemLines(stderr).length, 4, stderr);
  });

  it('ConfigError carries every problem as data', () => {
    try {
      loadConfig(path.join(badDir, 'many-semantic-mistakes.json'));
      assert.fail('loaded an invalid config');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems.map((p) => p.path).sort(), ['/api/listen', '/evses/0/leds/green/line', '/inputs/rcd/evseId', '/ocpp/securityProfile']);
    }
  });

  describe('as a real process', () => {
    for (const file of ['baud-rate-string.json', 'not-json.json']) {
      it(`exits 78 for ${file}`, async () => {
        const { code, signal, stderr } = await runProcess(['check-config', path.join(badDir, file)]);
        assert.equal(signal, null);
        assert.equal(code, 78, stderr);
        assert.match(stderr, /invalid configuration/);
      });
    }

    it('exits 0 for config/simulator.json', async () => {
      const { code, stdout, stderr } = await runProcess(['check-config', 'config/simulator.json']);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /config\/simulator\.json: valid/);
    });
  });
});

describe('config: shipped examples', () => {
  const examples = readdirSync(configDir).filter((f) => f.endsWith('.json') && f !== 'config.schema.json');

  it('ships the examples this test expects', () => {
    assert.deepEqual(examples.sort(), [
      'raspberry-pi-evse-wb.json',
      'raspberry-pi-sdm630.json',
      'raspberry-pi-two-evses.json',
      'simulator-ocpp16.json',
      'simulator-pilot.json',
      'simulator-signed-meter.json',
      'simulator.json',
    ]);
  });

  for (const example of examples) {
    it(`${example} passes check-config`, async () => {
      const source = path.join(configDir, example);
      const ocpp = readJson(source)['ocpp'] as { passwordFile?: string };
      let file = source;
      if (ocpp.passwordFile) {
        // The password file is named relative to the config's folder: check a copy next to one.
        const dir = mkdtempSync(path.join(tmp, 'example-'));
        file = path.join(dir, example);
        copyFileSync(source, file);
        writePasswordFile(dir, 'Example-Password-0020', 0o600);
      }
      const { code, stdout, stderr } = await runInProcess(['check-config', file]);
      assert.equal(code, 0, stderr);
      assert.equal(stderr, '');
      assert.match(stdout, new RegExp(`${example.replace(/\./g, '\\.')}: valid\n`));
      if (ocpp.passwordFile) assert.match(stdout, /password from .*csms-password/);
    });
  }

  it('the raspberry-pi examples do not load without their password file', async () => {
    const { code, stderr } = await runInProcess(['check-config', path.join(configDir, 'raspberry-pi-sdm630.json')]);
    assert.equal(code, 78);
    assert.ok(lineFor(stderr, '/ocpp/passwordFile'), stderr);
  });
});

describe('config: secrets', () => {
  const PASSWORD = 'Sup3r-Secret-Passw0rd';

  function withPassword(securityProfile: number, password: unknown = PASSWORD): ReturnType<typeof simulatorDoc> {
    const doc = simulatorDoc();
    doc['ocpp'] = { ...doc['ocpp'], securityProfile, password };
    return doc;
  }

  it('warns about a password file others can read, naming /ocpp/passwordFile, and still accepts it', async () => {
    const dir = mkdtempSync(path.join(tmp, 'pwmode-'));
    const pwFile = writePasswordFile(dir, PASSWORD, 0o644);
    const doc = simulatorDoc();
    doc['ocpp'] = { ...doc['ocpp'], securityProfile: 1, passwordFile: 'csms-password' };
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(doc), { mode: 0o600 });
    chmodSync(file, 0o600);
    const { code, stdout, stderr } = await runInProcess(['check-config', file]);
    assert.equal(code, 0, stderr);
    const warnings = stderr.split('\n').filter((l) => l.startsWith('warning:'));
    assert.equal(warnings.length, 1, stderr);
    assert.match(warnings[0] ?? '', /^warning: \/ocpp\/passwordFile: .*csms-password.*readable by every user \(mode 644\)/);
    assert.match(stdout, /valid/);
    assert.ok(!stdout.includes(PASSWORD) && !stderr.includes(PASSWORD));

    // Owner and group may read it (the agent's user and its group): 0600 and 0640 draw no warning.
    for (const mode of [0o600, 0o640]) {
      chmodSync(pwFile, mode);
      const again = await runInProcess(['check-config', file]);
      assert.equal(again.code, 0);
      assert.equal(again.stderr, '', `mode ${mode.toString(8)}`);
    }
  });

  it('reads the password from the file, without its trailing newline', () => {
    const dir = mkdtempSync(path.join(tmp, 'pwread-'));
    writePasswordFile(dir, PASSWORD, 0o600);
    const doc = simulatorDoc();
    doc['ocpp'] = { ...doc['ocpp'], securityProfile: 1, passwordFile: 'csms-password' };
    const { config } = resolveConfig(doc, path.join(dir, 'config.json'));
    assert.equal(config.ocpp.password?.reveal(), PASSWORD);
    assert.equal(config.ocpp.passwordSource, path.join(dir, 'csms-password'));
  });

  it('rejects a password file holding too short a password, without printing it', async () => {
    const dir = mkdtempSync(path.join(tmp, 'pwshort-'));
    writePasswordFile(dir, 'Short-Pw-11', 0o600);
    const doc = simulatorDoc();
    doc['ocpp'] = { ...doc['ocpp'], securityProfile: 1, passwordFile: 'csms-password' };
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(doc));
    const { code, stdout, stderr } = await runInProcess(['check-config', file]);
    assert.equal(code, 78);
    assert.match(lineFor(stderr, '/ocpp/passwordFile') ?? '', /found 11 characters/);
    assert.ok(!stdout.includes('Short-Pw-11') && !stderr.includes('Short-Pw-11'), stderr);
  });

  // Each run must not show the password, nor any 8 characters of it.
  const cases: Array<{ name: string; doc: () => unknown; code: number }> = [
    { name: 'a valid config with an inline password', doc: () => withPassword(1), code: 0 },
    { name: 'a password with security profile 0', doc: () => withPassword(0), code: 78 },
    { name: 'a password with profile 2 and a ws:// URL', doc: () => withPassword(2), code: 78 },
    { name: 'a password with profile 3', doc: () => ({ ...withPassword(3), ocpp: { ...withPassword(3)['ocpp'], url: 'wss://csms.example.com/ocpp' } }), code: 78 },
    { name: 'a password too long for the schema', doc: () => withPassword(1, `${PASSWORD}-${PASSWORD}`), code: 78 },
    { name: 'a password too short for the schema', doc: () => withPassword(1, 'Tiny-Pw-99'), code: 78 },
    { name: 'a password under a misspelt key', doc: () => ({ ...simulatorDoc(), ocpp: { ...simulatorDoc()['ocpp'], securityProfile: 1, pasword: PASSWORD } }), code: 78 },
    { name: 'a password next to other mistakes', doc: () => ({ ...withPassword(1), log: { level: 'verbose' }, extra: true }), code: 78 },
    {
      name: 'an unquoted password (not JSON)',
      doc: () => JSON.stringify(simulatorDoc(), null, 2).replace('"securityProfile": 0', `"securityProfile": 1, "password": ${PASSWORD}`),
      code: 78,
    },
  ];
  for (const c of cases) {
    it(`never prints the password: ${c.name}`, async () => {
      const doc = c.doc();
      const file = writeConfig(doc);
      const { code, stdout, stderr } = await runInProcess(['check-config', file]);
      assert.equal(code, c.code, stderr);
      const out = stdout + stderr;
      const secrets = [PASSWORD, 'Tiny-Pw-99'];
      for (const s of secrets) {
        for (let i = 0; i + 8 <= s.length; i++) {
          assert.ok(!out.includes(s.slice(i, i + 8)), `"${s.slice(i, i + 8)}" of the password printed:\n${out}`);
        }
      }
      if (c.code === 0) assert.match(stdout, /password from the config file/);
    });
  }

  it('keeps the loaded password out of JSON, util.inspect and template strings', () => {
    const file = writeConfig(withPassword(1));
    const loaded = loadConfig(file);
    const pw = loaded.config.ocpp.password;
    assert.ok(pw instanceof Secret);
    assert.equal(pw.reveal(), PASSWORD);
    for (const text of [
      JSON.stringify(loaded),
      JSON.stringify(loaded.config.ocpp),
      inspect(loaded, { depth: Infinity }),
      inspect(loaded.config.ocpp, { depth: Infinity, showHidden: true }),
      `${pw}`,
      `${String(pw)}`,
      `password: ${pw as unknown as string}`,
    ]) {
      assert.ok(!text.includes(PASSWORD), text);
    }
    assert.match(JSON.stringify(loaded.config.ocpp), /"password":"\*+"/);
    assert.match(inspect(loaded.config.ocpp), /Secret\(\*+\)/);
    assert.equal(`${pw}`, '********');
  });
});

describe('config: defaults and merging', () => {
  const minimal = (): Record<string, unknown> => ({
    station: { identity: 'CP-1' },
    ocpp: { version: '2.0.1', url: 'ws://localhost:9000/ocpp' },
    meter: { driver: 'simulated' },
    gpio: { driver: 'simulated' },
    evses: [
      {
        id: 1,
        connectors: [{ id: 1, relay: { line: 17 }, plugDetect: { line: 22 } }],
      },
    ],
    inputs: { stop: { function: 'emergency-stop', line: 23 } },
  });

  it('fills in the schema defaults of a minimal config', () => {
    const file = writeConfig(minimal());
    const { config, warnings } = loadConfig(file);
    assert.deepEqual(warnings, []);
    assert.equal(config.file, file);
    assert.deepEqual(config.station, { identity: 'CP-1', vendor: 'evse-agent', model: 'evse-agent' });
    assert.equal(config.ocpp.securityProfile, 0);
    assert.equal(config.ocpp.password, undefined);
    assert.deepEqual(config.gpio, { driver: 'simulated', chip: undefined, sysfsRoot: '/sys/class/gpio' });
    assert.deepEqual(config.storage, { dir: '/var/lib/evse-agent', maxQueuedMessages: 20000 });
    assert.deepEqual(config.api, { host: '127.0.0.1', port: 8080, token: undefined, allowFaultClearing: false, simulation: false });
    assert.deepEqual(config.log, { level: 'info' });
    const evse = config.evses[0];
    assert.ok(evse);
    assert.equal(evse.maxCurrentA, 32);
    assert.equal(evse.phases, 3);
    assert.deepEqual(evse.leds, {});
    const connector = evse.connectors[0];
    assert.ok(connector);
    assert.equal(connector.type, 'sType2');
    assert.deepEqual(connector.relay, { line: 17, activeLow: false, chip: undefined });
    assert.deepEqual(connector.plugDetect, { line: 22, activeLow: false, chip: undefined, debounceMs: 50 });
    // A safety input's own default debounce is shorter than a plug's.
    assert.deepEqual(config.inputs, [{ name: 'stop', function: 'emergency-stop', evseId: undefined, line: { line: 23, activeLow: false, chip: undefined, debounceMs: 10 } }]);
    const m = evse.meter;
    assert.equal(m.driver, 'simulated');
    assert.equal(m.profile.id, 'eastron-sdm630');
    assert.equal(m.link, undefined);
    assert.equal(m.unitId, 1);
    assert.deepEqual(m.timing, { timeoutMs: 500, interRequestDelayMs: 20 });
    assert.equal(m.retries, 2);
    assert.equal(m.pollIntervalMs, 1000);
    assert.equal(m.failAfterPolls, 3);
    assert.deepEqual(m.simulation, { voltageV: 230, voltageNoiseV: 1, frequencyHz: 50, startEnergyWh: 0, evCurrentA: [16, 16, 16] });
  });

  it('resolves a relative storage.dir from the config file’s folder, not the working directory', () => {
    const doc = { ...minimal(), storage: { dir: 'state/agent' } };
    const file = writeConfig(doc);
    const { config } = loadConfig(file);
    assert.equal(config.storage.dir, path.join(path.dirname(file), 'state', 'agent'));
    assert.notEqual(path.dirname(file), process.cwd());
  });

  it('resolves the simulator example’s storage.dir next to config/', () => {
    const { config } = loadConfig(path.join(configDir, 'simulator.json'));
    assert.equal(config.storage.dir, path.join(repoRoot, 'var', 'simulator'));
  });

  it('takes an EVSE’s own meter keys over the top-level ones and inherits the rest', () => {
    const doc = {
      ...minimal(),
      meter: { driver: 'modbus-rtu', profile: 'eastron-sdm630', port: '/dev/ttyAMA0', baudRate: 19200, parity: 'even', unitId: 5, timeoutMs: 800 },
      evses: [
        { id: 1, meter: { unitId: 1 }, connectors: [{ id: 1, relay: { line: 17 } }] },
        { id: 2, phases: 1, meter: { unitId: 2, profile: 'eastron-sdm120' }, connectors: [{ id: 1, relay: { line: 18 } }] },
        { id: 3, connectors: [{ id: 1, relay: { line: 19 } }] },
      ],
      inputs: {},
    };
    const { config, warnings } = resolveConfig(doc, path.join(tmp, 'merge.json'));
    assert.deepEqual(warnings, []);
    const [e1, e2, e3] = config.evses;
    assert.ok(e1 && e2 && e3);
    const link = { kind: 'rtu', path: '/dev/ttyAMA0', baudRate: 19200, parity: 'even', stopBits: 1 };
    assert.equal(e1.meter.unitId, 1);
    assert.equal(e1.meter.profile.id, 'eastron-sdm630');
    assert.deepEqual(e1.meter.link, link);
    assert.equal(e1.meter.timing.timeoutMs, 800);
    // EVSE 2 overrides unitId and profile; the port and its settings are still the top-level ones,
    // not the sdm120's factory 2400 baud.
    assert.equal(e2.meter.unitId, 2);
    assert.equal(e2.meter.profile.id, 'eastron-sdm120');
    assert.deepEqual(e2.meter.link, link);
    assert.equal(e2.meter.timing.timeoutMs, 800);
    // EVSE 3 has no meter of its own: the top-level one as it is.
    assert.equal(e3.meter.unitId, 5);
    assert.equal(e3.meter.profile.id, 'eastron-sdm630');
    assert.deepEqual(e3.meter.link, link);
  });

  it('takes serial settings the config leaves out from the profile’s factory defaults', () => {
    const doc = {
      ...minimal(),
      meter: { driver: 'modbus-rtu', profile: 'eastron-sdm120', port: '/dev/ttyUSB0' },
      evses: [{ id: 1, phases: 1, connectors: [{ id: 1, relay: { line: 17 } }] }],
      inputs: {},
    };
    const { config } = resolveConfig(doc, path.join(tmp, 'profile-defaults.json'));
    assert.deepEqual(config.evses[0]?.meter.link, { kind: 'rtu', path: '/dev/ttyUSB0', baudRate: 2400, parity: 'none', stopBits: 1 });
  });

  it('throws a ConfigError naming the file for a config that does not exist', () => {
    const missing = path.join(tmp, 'nope.json');
    assert.throws(
      () => loadConfig(missing),
      (err: unknown) => err instanceof ConfigError && err.file === missing && err.problems[0]?.found === 'ENOENT',
    );
  });
});
