import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/cli.js';

const unitFile = path.join(repoRoot, 'systemd', 'evse-agent.service');
const installScript = path.join(repoRoot, 'systemd', 'install.sh');
/** The highest `systemd-analyze security` exposure accepted (systemd calls up to 3.9 "OK"). */
const MAX_EXPOSURE = 2.5;

function run(command: string, args: string[], timeoutMs = 60000): { code: number | null; out: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs });
  if (r.error) throw r.error;
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function systemdAnalyzeAvailable(): boolean {
  return !spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).error;
}

/** Every Key=value of the unit, values of repeated keys in order. */
function directives(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    map.set(key, [...(map.get(key) ?? []), line.slice(eq + 1)]);
  }
  return map;
}

/**
 * `systemd-analyze verify` of a unit whose evse-agent paths point at `executable`: verify insists
 * that ExecStart= exists and is executable, and the real /usr/local/bin/evse-agent is not here.
 */
function verifyUnit(unitText: string, executable: string): { code: number | null; out: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evse-unit-'));
  try {
    const file = path.join(dir, 'evse-agent.service');
    writeFileSync(file, unitText.replaceAll('/usr/local/bin/evse-agent', executable));
    return run('systemd-analyze', ['verify', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every path below root with what it is: a file's mode and hash, a link's target, a folder's mode. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const rel = path.relative(root, p);
      const st = lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.set(rel, `link ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.set(rel, `dir ${mode}`);
        walk(p);
      } else out.set(rel, `file ${mode} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(root);
  return out;
}

function mode(p: string): string {
  return (statSync(p).mode & 0o777).toString(8);
}

describe('systemd unit (systemd/evse-agent.service)', function () {
  this.timeout(30000);
  const unit = readFileSync(unitFile, 'utf8');
  const d = directives(unit);

  it('has the settings the agent relies on', () => {
    assert.deepEqual(d.get('Type'), ['notify']);
    assert.deepEqual(d.get('NotifyAccess'), ['all'], 'messages come from systemd-notify children');
    assert.match(d.get('WatchdogSec')?.[0] ?? '', /^\d+s$/);
    assert.deepEqual(d.get('Restart'), ['always']);
    assert.ok(d.get('RestartSec'));
    assert.ok(d.get('TimeoutStopSec'));
    assert.deepEqual(d.get('ExecStart'), ['/usr/local/bin/evse-agent run --config /etc/evse-agent/config.json']);
    assert.deepEqual(d.get('ExecStopPost'), ['/usr/local/bin/evse-agent failsafe --config /etc/evse-agent/config.json']);
    // %b: the boot id, which the sandbox's ProcSubset=pid hides in /proc (device-start.ts).
    assert.deepEqual(d.get('Environment'), ['EVSE_AGENT_CONFIG=/etc/evse-agent/config.json', 'EVSE_AGENT_BOOT_ID=%b']);
    assert.deepEqual(d.get('User'), ['evse-agent']);
    assert.deepEqual(d.get('SupplementaryGroups')?.[0]?.split(/\s+/).sort(), ['dialout', 'gpio']);
    assert.deepEqual(d.get('StateDirectory'), ['evse-agent']);
    assert.deepEqual(d.get('ConfigurationDirectory'), ['evse-agent']);
    assert.deepEqual(d.get('DevicePolicy'), ['closed']);
    const devices = d.get('DeviceAllow') ?? [];
    for (const dev of ['char-ttyUSB rw', 'char-ttyAMA rw', 'char-ttyS rw', 'char-gpiochip rw']) assert.ok(devices.includes(dev), `DeviceAllow=${dev}`);
    assert.ok(d.get('ReadWritePaths')?.join(' ').includes('/sys/class/gpio'), 'sysfs GPIO stays writable');
    assert.deepEqual(d.get('RestrictAddressFamilies'), ['AF_UNIX AF_INET AF_INET6']);
    assert.equal(d.get('IPAddressDeny'), undefined, 'the CSMS may be anywhere');
    assert.ok(!/^(yes|true|1|on)$/i.test(d.get('MemoryDenyWriteExecute')?.[0] ?? 'no'), "V8's JIT needs writable+executable memory");
    assert.equal(d.get('PrivateUsers'), undefined, 'dialout and gpio must keep their meaning');
    assert.deepEqual(d.get('CapabilityBoundingSet'), ['']);
    assert.deepEqual(d.get('SystemCallErrorNumber'), ['EPERM']);
  });

  it('passes systemd-analyze verify', function () {
    if (!systemdAnalyzeAvailable()) this.skip(); // .ci/run installs it (package systemd)
    const dir = mkdtempSync(path.join(os.tmpdir(), 'evse-bin-'));
    const fake = path.join(dir, 'evse-agent');
    writeFileSync(fake, '#!/bin/sh\nexit 0\n');
    chmodSync(fake, 0o755);
    const { code, out } = verifyUnit(unit, fake);
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, out);
    // verify exits 0 on unknown keys and bad values too: it must say nothing at all.
    assert.equal(out.trim(), '');
  });

  it(`has a systemd-analyze security exposure of ${MAX_EXPOSURE} or lower`, function () {
    if (!systemdAnalyzeAvailable()) this.skip();
    const { out } = run('systemd-analyze', ['security', '--offline=true', '--no-pager', unitFile]);
    const m = /Overall exposure level for evse-agent\.service: (\d+\.\d+) (\w+)/.exec(out);
    assert.ok(m, out);
    assert.ok(Number(m[1]) <= MAX_EXPOSURE, `exposure ${m[1]} ${m[2]}\n${out}`);
  });
});

describe('systemd/install.sh', function () {
  this.timeout(60000);
  let root: string;

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'evse-root-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const at = (p: string): string => path.join(root, p);
  const install = (...args: string[]): { code: number | null; out: string } => run('bash', [installScript, '--root', root, ...args], 120000);

  it('installs into a scratch root, printing what it would do to the system', () => {
    const { code, out } = install();
    assert.equal(code, 0, out);
    assert.match(out, /would run: useradd --system .*--no-create-home .*--shell \/usr\/sbin\/nologin evse-agent/);
    assert.match(out, /would run: usermod --append --groups dialout,gpio evse-agent/);
    assert.match(out, /would run: systemctl enable evse-agent/);
    assert.match(out, /evse-agent check-config/);
    assert.match(out, /sudo systemctl start evse-agent/);
    assert.match(out, /journalctl -u evse-agent -f/);

    assert.equal(readFileSync(at('etc/systemd/system/evse-agent.service'), 'utf8'), readFileSync(unitFile, 'utf8'));
    const wrapper = readFileSync(at('usr/local/bin/evse-agent'), 'utf8');
    assert.match(wrapper, /^#!\/bin\/sh\n/);
    // Through the launcher, which picks the current release or /opt/evse-agent (issue 15).
    assert.match(wrapper, /\nexec "\/\S+\/node" "\/opt\/evse-agent\/dist\/src\/release\/launcher\.js" --state "\/var\/lib\/evse-agent" "\$@"\n/);
    assert.equal(mode(at('usr/local/bin/evse-agent')), '755');

    // The app, with its runtime dependencies and without the build and test tools.
    for (const p of ['package.json', 'dist/src/cli/main.js', 'dist/src/cli/failsafe-main.js', 'hardware/meters', 'config/config.schema.json', 'systemd/install.sh', 'node_modules/ajv', 'node_modules/ws']) {
      assert.ok(existsSync(at(`opt/evse-agent/${p}`)), p);
    }
    for (const dev of ['mocha', 'tsx', 'typescript', 'sinon']) assert.ok(!existsSync(at(`opt/evse-agent/node_modules/${dev}`)), dev);
    const version = run(process.execPath, [at('opt/evse-agent/dist/src/cli/main.js'), 'version']);
    assert.match(version.out, /^evse-agent \d+\.\d+\.\d+/, 'the installed copy runs');
    // The installed launcher, with no current release in the state folder, runs the installed copy.
    const launched = run(process.execPath, [at('opt/evse-agent/dist/src/release/launcher.js'), '--state', at('var/lib/evse-agent'), 'version']);
    assert.equal(launched.out, version.out);
    // The failsafe entry runs on the pruned dependencies too: no config and no relay map is exit 78.
    const failsafe = run(process.execPath, [at('opt/evse-agent/dist/src/cli/failsafe-main.js'), '--config', at('nowhere.json'), '--state-dir', at('nowhere')]);
    assert.equal(failsafe.code, 78, failsafe.out);
    assert.match(failsafe.out, /failsafe: cannot read .*nowhere\.json: ENOENT; no relay map either/);

    // The example config, its schema reference pointing at the installed schema.
    const config = JSON.parse(readFileSync(at('etc/evse-agent/config.json'), 'utf8')) as Record<string, unknown>;
    const example = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'raspberry-pi-sdm630.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config['$schema'], '/opt/evse-agent/config/config.schema.json');
    assert.deepEqual({ ...config, $schema: null }, { ...example, $schema: null });
    assert.equal(mode(at('etc/evse-agent/config.json')), '640');
    assert.equal(mode(at('etc/evse-agent')), '750');
    assert.equal(mode(at('var/lib/evse-agent')), '750');
  });

  it('passes systemd-analyze verify as installed', function () {
    if (!systemdAnalyzeAvailable()) this.skip();
    const { code, out } = verifyUnit(readFileSync(at('etc/systemd/system/evse-agent.service'), 'utf8'), at('usr/local/bin/evse-agent'));
    assert.equal(code, 0, out);
    assert.equal(out.trim(), '');
  });

  it('gives the same result when run again, and keeps a config edited in between', () => {
    const configPath = at('etc/evse-agent/config.json');
    const first = snapshot(root);
    const edited = readFileSync(configPath, 'utf8').replace('"CP-0042"', '"CP-EDITED"');
    writeFileSync(configPath, edited);
    const { code, out } = install();
    assert.equal(code, 0, out);
    assert.match(out, /kept the existing \/etc\/evse-agent\/config\.json/);
    assert.equal(readFileSync(configPath, 'utf8'), edited);
    const second = snapshot(root);
    second.delete('etc/evse-agent/config.json');
    first.delete('etc/evse-agent/config.json');
    assert.deepEqual([...second], [...first]);
  });

  it('makes the installed program the one that runs: a current release is set aside, its folder kept', () => {
    const state = at('var/lib/evse-agent');
    mkdirSync(path.join(state, 'releases', '2.0.0'), { recursive: true });
    symlinkSync('releases/2.0.0', path.join(state, 'current'));
    writeFileSync(path.join(state, 'pending-install.json'), '{}');
    const { code, out } = install();
    assert.equal(code, 0, out);
    assert.match(out, /the installed program replaces release 2\.0\.0/);
    assert.ok(!existsSync(path.join(state, 'pending-install.json')));
    assert.throws(() => lstatSync(path.join(state, 'current')), /ENOENT/);
    assert.ok(existsSync(path.join(state, 'releases', '2.0.0')));
  });

  it('--uninstall removes the program and keeps the config and the journal', () => {
    writeFileSync(at('var/lib/evse-agent/journal'), 'transactions');
    const { code, out } = install('--uninstall');
    assert.equal(code, 0, out);
    for (const gone of ['etc/systemd/system/evse-agent.service', 'usr/local/bin/evse-agent', 'opt/evse-agent']) assert.ok(!existsSync(at(gone)), gone);
    assert.ok(existsSync(at('etc/evse-agent/config.json')));
    assert.ok(existsSync(at('var/lib/evse-agent/journal')));
    assert.match(out, /would run: systemctl disable --now evse-agent/);
  });

  it('--purge removes the config, the state and the user too', () => {
    const { code, out } = install('--purge');
    assert.equal(code, 0, out);
    assert.ok(!existsSync(at('etc/evse-agent')));
    assert.ok(!existsSync(at('var/lib/evse-agent')));
    assert.match(out, /would run: userdel evse-agent/);
  });

  it('explains itself, refuses unknown options, and asks for npm ci when dist/ is missing', () => {
    const help = run('bash', [installScript, '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /--root DIR[\s\S]*--uninstall[\s\S]*--purge[\s\S]*--no-enable/);
    assert.equal(run('bash', [installScript, '--bogus']).code, 64);

    const bare = mkdtempSync(path.join(os.tmpdir(), 'evse-bare-'));
    mkdirSync(path.join(bare, 'systemd'));
    writeFileSync(path.join(bare, 'systemd', 'install.sh'), readFileSync(installScript));
    writeFileSync(path.join(bare, 'package.json'), readFileSync(path.join(repoRoot, 'package.json')));
    const r = run('bash', [path.join(bare, 'systemd', 'install.sh'), '--root', path.join(bare, 'root')]);
    rmSync(bare, { recursive: true, force: true });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /npm ci/);
  });
});
