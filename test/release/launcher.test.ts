import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { activateRelease, pruneReleases } from '../../src/release/install.js';
import { CURRENT_LINK, pointLink, PREVIOUS_LINK, releaseDir } from '../../src/release/layout.js';
import { confirmPendingInstall, readPendingInstall, writePendingInstall } from '../../src/release/pending-install.js';
import { repoRoot } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The launcher (issue 15, "Installing on the Pi") as a real process, over tiny fake releases in a
 * scratch state folder: each fake's dist/src/cli/main.js appends "<version> <args>" to started.log
 * and then does what the test needs (exit 1 at once, confirm, hang).
 */

type Behaviour = 'exit0' | 'crash' | 'confirm' | 'hang' | 'unloadable';

const FAKE_MAIN: Record<Behaviour, string> = {
  exit0: '',
  crash: 'process.exit(1);',
  // What the new release does once its BootNotification is Accepted (confirmPendingInstall's write),
  // then, the first time, stays up past the confirmation timeout (0.4 s in the test).
  confirm: `const file = path.join(root, 'pending-install.json');
const pending = JSON.parse(fs.readFileSync(file, 'utf8'));
if (!pending.confirmedAt) {
  fs.writeFileSync(file, JSON.stringify({ ...pending, confirmedAt: new Date().toISOString() }));
  await new Promise((resolve) => setTimeout(resolve, 800));
}`,
  hang: 'setInterval(() => undefined, 1000);',
  // A broken update: its entry throws while it is being loaded.
  unloadable: "throw new Error('this release cannot load');",
};

function writeFakeProgram(dir: string, name: string, behaviour: Behaviour): void {
  mkdirSync(path.join(dir, 'dist', 'src', 'cli'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'evse-agent', version: name, type: 'module' }));
  writeFileSync(
    path.join(dir, 'dist', 'src', 'cli', 'main.js'),
    `import fs from 'node:fs';
import path from 'node:path';
const root = process.env.FAKE_STATE_DIR;
if (process.env.STATE_DIRECTORY !== root) throw new Error('STATE_DIRECTORY is ' + process.env.STATE_DIRECTORY);
fs.appendFileSync(path.join(root, 'started.log'), ${JSON.stringify(name)} + ' ' + process.argv.slice(2).join(' ') + '\\n');
${FAKE_MAIN[behaviour]}
`,
  );
  writeFileSync(path.join(dir, 'release.json'), '{}');
}

/** The launcher built by this run when there is one (plain node starts faster), else its source through tsx. */
function launcherArgs(): string[] {
  const built = process.env['EVSE_AGENT_TEST_BUILT_CLI'];
  if (built) return [path.join(path.dirname(built), '..', 'release', 'launcher.js')];
  return ['--import', 'tsx', path.join(repoRoot, 'src', 'release', 'launcher.ts')];
}

interface Launched {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

describe('release launcher (issue 15: current release, rollback after crashes or no confirmation)', function () {
  this.timeout(20000);
  let root: string;
  let installed: string;

  const fakeRelease = (version: string, behaviour: Behaviour): void => writeFakeProgram(releaseDir(root, version), version, behaviour);
  const started = (): string[] => (existsSync(path.join(root, 'started.log')) ? readFileSync(path.join(root, 'started.log'), 'utf8').trim().split('\n') : []);
  const current = (): string | undefined => (existsSync(path.join(root, CURRENT_LINK)) ? path.basename(readlinkSync(path.join(root, CURRENT_LINK))) : undefined);

  const launch = (...command: string[]): Promise<Launched> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [...launcherArgs(), '--state', root, '--installed', installed, ...command], {
        env: { ...process.env, FAKE_STATE_DIR: root, JOURNAL_STREAM: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stderr }));
    });

  beforeEach(() => {
    root = makeTempDir('evse-launcher');
    installed = path.join(makeTempDir('evse-installed'), 'opt');
    writeFakeProgram(installed, 'installed', 'exit0');
  });

  it('starts the installed program when there is no current release, with the command line as given', async () => {
    const r = await launch('failsafe', '--config', '/etc/evse-agent/config.json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(started(), ['installed failsafe --config /etc/evse-agent/config.json']);
  });

  it('starts the current release; falls back to the installed program when its files are gone', async () => {
    fakeRelease('1.0.0', 'exit0');
    pointLink(root, CURRENT_LINK, '1.0.0');
    assert.equal((await launch('run', '--config', 'x.json')).code, 0);
    pointLink(root, CURRENT_LINK, '9.9.9');
    const r = await launch('run');
    assert.deepEqual(started(), ['1.0.0 run --config x.json', 'installed run']);
    assert.match(r.stderr, /has no releases\/9\.9\.9|has no .*main\.js: starting the installed program/);
  });

  it('rolls back a release that crashed maxFailedStarts times without confirming; the old one starts and finds rolledBack', async () => {
    fakeRelease('1.0.0', 'exit0');
    fakeRelease('2.0.0', 'crash');
    pointLink(root, CURRENT_LINK, '1.0.0');
    await activateRelease(root, '2.0.0', { maxFailedStarts: 3, confirmTimeoutS: 600, requestId: 7 });
    for (let i = 0; i < 3; i++) assert.equal((await launch('run')).code, 1);
    assert.equal(readPendingInstall(root)?.starts, 3);
    const r = await launch('run');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(started(), ['2.0.0 run', '2.0.0 run', '2.0.0 run', '1.0.0 run']);
    assert.equal(current(), '1.0.0');
    const pending = readPendingInstall(root);
    assert.equal(pending?.requestId, 7);
    assert.equal(pending?.rolledBack?.from, '2.0.0');
    assert.equal(pending?.rolledBack?.to, '1.0.0');
    assert.match(pending?.rolledBack?.reason ?? '', /started 3 times without its boot being accepted/);
    assert.match(r.stderr, /release 2\.0\.0 rolled back to 1\.0\.0/);
    // Later starts leave the record alone for the old release to report (InstallationFailed).
    await launch('run');
    assert.equal(current(), '1.0.0');
    assert.deepEqual(readPendingInstall(root)?.rolledBack, pending?.rolledBack);
  });

  it('stops and rolls back a release that stays up without confirming within confirmTimeoutS', async () => {
    fakeRelease('1.0.0', 'exit0');
    fakeRelease('2.0.0', 'hang');
    pointLink(root, CURRENT_LINK, '1.0.0');
    await activateRelease(root, '2.0.0', { confirmTimeoutS: 0.5 });
    const t0 = Date.now();
    const r = await launch('run');
    assert.equal(r.signal, 'SIGTERM', r.stderr);
    assert.ok(Date.now() - t0 >= 450, 'not before its time');
    assert.equal(current(), '1.0.0');
    assert.match(readPendingInstall(root)?.rolledBack?.reason ?? '', /not accepted within 0\.5 s/);
    await launch('run');
    assert.deepEqual(started(), ['2.0.0 run', '1.0.0 run']);
  });

  it('rolls back at start when the time ran out while it was down, to the installed program when there was no previous release', async () => {
    fakeRelease('2.0.0', 'exit0');
    await activateRelease(root, '2.0.0', { confirmTimeoutS: 60, now: new Date(Date.now() - 120_000) });
    assert.equal(readPendingInstall(root)?.previous, null);
    const r = await launch('run');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(started(), ['installed run']);
    assert.equal(current(), undefined);
    assert.equal(readPendingInstall(root)?.rolledBack?.to, null);
  });

  it('keeps a release that confirmed, past the timeout and through restarts, without counting more starts', async () => {
    fakeRelease('1.0.0', 'exit0');
    fakeRelease('2.0.0', 'confirm');
    pointLink(root, CURRENT_LINK, '1.0.0');
    await activateRelease(root, '2.0.0', { confirmTimeoutS: 0.4, maxFailedStarts: 1 });
    const r = await launch('run');
    assert.equal(r.code, 0, r.stderr);
    const pending = readPendingInstall(root);
    assert.ok(pending?.confirmedAt);
    assert.equal(pending.rolledBack, undefined);
    assert.equal(current(), '2.0.0');
    await launch('run');
    assert.deepEqual(started(), ['2.0.0 run', '2.0.0 run']);
    assert.equal(readPendingInstall(root)?.starts, 1);
  });

  it("failsafe (ExecStopPost) of a current release that cannot load: the previous release's, else the installed program's", async () => {
    fakeRelease('1.0.0', 'exit0');
    fakeRelease('2.0.0', 'unloadable');
    pointLink(root, CURRENT_LINK, '1.0.0');
    await activateRelease(root, '2.0.0');
    const r = await launch('failsafe', '--config', 'x.json');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /current\/dist\/src\/cli\/main\.js did not load \(this release cannot load\): running the failsafe of .*\/previous\/dist\/src\/cli\/main\.js/);
    pointLink(root, PREVIOUS_LINK, undefined);
    assert.equal((await launch('failsafe')).code, 0);
    // The broken entry runs up to its throw (the fake's log line is before it), then the fallback.
    assert.deepEqual(started(), ['2.0.0 failsafe --config x.json', '1.0.0 failsafe --config x.json', '2.0.0 failsafe', 'installed failsafe']);
    // `run` is not handed over: the start counts as failed, as the rollback wants.
    const run = await launch('run');
    assert.equal(run.code, 70);
    assert.equal(readPendingInstall(root)?.starts, 1);
  });

  it('finishes a rollback that was cut between writing the record and switching current', async () => {
    fakeRelease('1.0.0', 'exit0');
    fakeRelease('2.0.0', 'exit0');
    pointLink(root, CURRENT_LINK, '1.0.0');
    const pending = await activateRelease(root, '2.0.0');
    writePendingInstall(root, { ...pending, rolledBack: { from: '2.0.0', to: '1.0.0', reason: 'crashed', at: new Date().toISOString() } });
    await launch('run');
    assert.deepEqual(started(), ['1.0.0 run']);
  });
});

describe('release layout (issue 15: current, previous, pending-install.json, the last N kept)', () => {
  let root: string;
  beforeEach(() => {
    root = makeTempDir('evse-layout');
  });

  const install = (version: string, ageS: number): void => {
    writeFakeProgram(releaseDir(root, version), version, 'exit0');
    const t = new Date(Date.now() - ageS * 1000);
    utimesSync(path.join(releaseDir(root, version), 'release.json'), t, t);
  };

  it('activateRelease points current at the release and previous at the one before, and writes the pending install', async () => {
    install('1.0.0', 30);
    install('2.0.0', 20);
    pointLink(root, CURRENT_LINK, '1.0.0');
    const pending = await activateRelease(root, '2.0.0', { requestId: 3, now: new Date('2026-12-02T12:00:00Z') });
    assert.equal(readlinkSync(path.join(root, CURRENT_LINK)), 'releases/2.0.0');
    assert.equal(readlinkSync(path.join(root, PREVIOUS_LINK)), 'releases/1.0.0');
    assert.deepEqual(readPendingInstall(root), pending);
    assert.deepEqual(pending, { version: '2.0.0', previous: '1.0.0', requestId: 3, startedAt: '2026-12-02T12:00:00.000Z', maxFailedStarts: 3, confirmTimeoutS: 600, starts: 0 });
    await assert.rejects(activateRelease(root, '2.0.0'), /already the current one/);
    await assert.rejects(activateRelease(root, '3.0.0'), /not installed/);
    await assert.rejects(activateRelease(root, '../x'), /not a release version/);
  });

  it('confirmPendingInstall confirms once, and not a rolled back install', async () => {
    install('2.0.0', 1);
    await activateRelease(root, '2.0.0');
    const confirmed = confirmPendingInstall(root, new Date('2026-12-02T12:05:00Z'));
    assert.equal(confirmed?.confirmedAt, '2026-12-02T12:05:00.000Z');
    assert.equal(confirmPendingInstall(root), undefined);
    assert.equal(readPendingInstall(root)?.confirmedAt, '2026-12-02T12:05:00.000Z');
  });

  it('keeps the last N releases, and always the current and previous ones', async () => {
    for (const [v, age] of [['1.0.0', 50], ['1.1.0', 40], ['1.2.0', 30], ['1.3.0', 20], ['1.4.0', 10]] as const) install(v, age);
    pointLink(root, CURRENT_LINK, '1.0.0');
    await activateRelease(root, '1.1.0', { keepReleases: 3 });
    // Current 1.1.0 and previous 1.0.0 stay, and the newest other one.
    const kept = ['1.0.0', '1.1.0', '1.4.0'];
    for (const v of ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0']) assert.equal(existsSync(releaseDir(root, v)), kept.includes(v), v);
    assert.deepEqual(await pruneReleases(root, 2), ['1.4.0']);
  });
});
