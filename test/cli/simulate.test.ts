import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/cli.js';
import { parseSimulateArgs, stationIdentity } from '../../src/cli/commands/simulate.js';
import { fleetProfileOf, FleetProfileError, versionAt } from '../../src/app/fleet-profile.js';
import type { FleetSummary } from '../../src/cli/commands/simulate-summary.js';
import { packageRoot } from '../../src/paths.js';
import { DevCsms } from '../../tools/dev-csms/dev-csms.js';

/**
 * Issue 18, "Many stations in one process": `evse-agent simulate` runs whole simulated stations
 * against a CSMS (here the development CSMS on 127.0.0.1), each playing random or scripted
 * sessions, and prints a summary of the traffic and the process' cost (also as one JSON line, for
 * gathering the pods of a Kubernetes Indexed Job, each taking its slice of identities).
 */
describe('evse-agent simulate: many stations in one process (issue 18)', function () {
  this.timeout(40000);
  let csms: DevCsms;
  let tmp: string;

  beforeEach(async () => {
    csms = new DevCsms({ port: 0 });
    await csms.start();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'simulate-test-'));
  });
  afterEach(async () => {
    await csms.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function simulate(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, stop: new AbortController().signal };
    const code = await runCli(['simulate', '--csms', csms.url, ...args], io);
    return { code, out, err };
  }

  const callsOf = (identity: string) => (csms.stations().find((s) => s.identity === identity)?.messages ?? []).filter((m) => m.kind === 'call');

  /** Every station's booted (BootNotification Accepted by the dev CSMS) and at least one transaction each. */
  function assertEachStationCharged(identities: string[], transactionAction: string): void {
    for (const identity of identities) {
      const calls = callsOf(identity);
      assert.ok(calls.some((m) => m.action === 'BootNotification'), `${identity} sent a BootNotification`);
      assert.ok(calls.some((m) => m.action === transactionAction), `${identity} sent ${transactionAction}`);
    }
  }

  for (const [version, transactionAction] of [
    ['2.0.1', 'TransactionEvent'],
    ['1.6', 'StartTransaction'],
  ] as const) {
    it(`OCPP ${version}: 3 stations connect, boot Accepted, each charges at least once, the summary is printed, exit 0, the memory folder removed`, async () => {
      const prefix = `SIM${version.replace(/\./g, '')}-`;
      const { code, out, err } = await simulate(['--stations', '3', '--identity-prefix', prefix, '--ocpp', version, '--ramp', '20', '--sessions-per-hour', '36000', '--session-seconds', '1', '--duration', '3']);
      assert.equal(err, '');
      assert.equal(code, 0);
      assert.match(out, /stations: +3 started of 3 \(0 failed\), 3 connected \(boot Accepted\) at the end/);
      const sessions = Number(/sessions: +(\d+)/.exec(out)?.[1]);
      assert.ok(sessions >= 3, `at least one session per station, got ${sessions}`);
      assert.match(out, /messages: +\d+ \(0 CALLERRORs\)/);
      assert.match(out, /round trip: +p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms/);
      assert.match(out, /after ramp: +p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms \(\d+ CALLs\)/);
      assert.match(out, /memory: +RSS [\d.]+ MB, [\d.]+ MB per station/);
      assert.match(out, /CPU: +[\d.]+ s over/);
      // Live progress: round trips and CPU of the last period.
      assert.match(out, /simulate: \d+ s, started \d\/3, connected \d, sessions \d+ .*round trip p50 .*CPU \d+%, RSS/);
      assertEachStationCharged([`${prefix}0001`, `${prefix}0002`, `${prefix}0003`], transactionAction);
      // Stopped cleanly: nobody left connected; the stations' folders were on tmpfs and are gone.
      assert.equal(csms.stations().filter((s) => s.connected).length, 0);
      const folder = /storage in memory \(tmpfs (\S+), removed at the end\)/.exec(out)?.[1];
      assert.ok(folder?.startsWith('/dev/shm/'), out.split('\n')[0]);
      assert.equal(existsSync(folder!), false);
    });
  }

  it('takes its slice of identities from the completion index in the environment and ends with a JSON summary', async () => {
    // Pod 2 of 3-station slices: indices 7, 8, 9 (1 + 2 * 3 on), zero-padded to 6 digits.
    process.env['SIMULATE_TEST_INDEX'] = '2';
    try {
      const { code, out, err } = await simulate(['--stations', '3', '--identity-prefix', 'POD-', '--index-width', '6', '--slice-from-env', 'SIMULATE_TEST_INDEX', '--ramp', '30', '--sessions-per-hour', '0', '--duration', '1', '--storage', tmp, '--summary-json']);
      assert.equal(err, '');
      assert.equal(code, 0);
      assert.deepEqual(csms.stations().map((s) => s.identity).sort(), ['POD-000007', 'POD-000008', 'POD-000009']);
      const lines = out.trimEnd().split('\n');
      const summary = JSON.parse(lines[lines.length - 1]!) as FleetSummary;
      assert.equal(summary.kind, 'evse-agent-simulate-summary');
      assert.deepEqual(summary.identities, { prefix: 'POD-', firstIndex: 7, first: 'POD-000007', last: 'POD-000009' });
      assert.deepEqual(summary.stations, { requested: 3, started: 3, failed: 0, connected: 3, ocpp: { '2.0.1': 3, '1.6': 0 } });
      assert.equal(summary.callErrors, 0);
      assert.ok(summary.messages >= 6 && summary.roundTripMs.count >= 3 && summary.roundTripMs.p95 !== null, JSON.stringify(summary));
      // After the ramp: a part of all of them (no session, so perhaps none).
      assert.ok(summary.roundTripAfterRampMs.count <= summary.roundTripMs.count, JSON.stringify(summary));
      assert.ok(summary.memory.rssBytes > summary.memory.rssPerStationBytes && summary.cpu.wallSeconds >= 1, JSON.stringify(summary));
      // --storage DIR: one folder per station, kept.
      assert.ok(existsSync(path.join(tmp, 'POD-000008', 'transactions.journal')));
    } finally {
      delete process.env['SIMULATE_TEST_INDEX'];
    }
  });

  it('plays a profile: versions mixed by their shares, the scripted card and charge of each station', async () => {
    const file = path.join(tmp, 'profile.json');
    const profile = {
      ocpp: { '2.0.1': 1, '1.6': 1 },
      sessionsPerHour: 36000,
      sessions: [{ name: 'short', steps: [{ do: 'plug' }, { do: 'card', idTag: '{identity}-TAG' }, { do: 'charge', currentA: 16, untilWh: 1, maxSeconds: 5 }, { do: 'stop' }, { do: 'unplug' }] }],
    };
    writeFileSync(file, JSON.stringify(profile));
    const { code, out, err } = await simulate(['--stations', '2', '--identity-prefix', 'MIX-', '--profile', file, '--ramp', '20', '--duration', '3']);
    assert.equal(err, '');
    assert.equal(code, 0);
    assert.match(out, /stations: +2 started of 2 \(0 failed\), 2 connected \(boot Accepted\) at the end; 1 on 2\.0\.1, 1 on 1\.6/);
    // Station 1 speaks the version versionAt gives index 1, station 2 the other one.
    const [first, second] = [versionAt(1, profile.ocpp), versionAt(2, profile.ocpp)];
    assert.notEqual(first, second);
    for (const [identity, version] of [['MIX-0001', first], ['MIX-0002', second]] as const) {
      const calls = callsOf(identity);
      if (version === '1.6') {
        const start = calls.find((m) => m.action === 'StartTransaction')?.payload as { idTag: string; meterStart: number } | undefined;
        assert.equal(start?.idTag, `${identity}-TAG`);
        // The charge lasted until the meter counted 1 Wh more (1.6 meter values are whole Wh).
        const end = calls.find((m) => m.action === 'StopTransaction')?.payload as { meterStop: number } | undefined;
        assert.ok(end && end.meterStop - start!.meterStart >= 1, JSON.stringify(end));
      } else {
        const event = calls.find((m) => m.action === 'TransactionEvent' && (m.payload as { idToken?: unknown }).idToken)?.payload as { idToken: { idToken: string } } | undefined;
        assert.equal(event?.idToken.idToken, `${identity}-TAG`);
      }
    }
  });

  it('refuses a profile that is not one, naming the JSON path of each wrong value (exit 78)', async () => {
    const file = path.join(tmp, 'bad.json');
    writeFileSync(file, JSON.stringify({ sessions: [{ steps: [{ do: 'card' }, { do: 'charge', currentA: 16 }, { do: 'dance' }] }] }));
    const { code, err } = await simulate(['--stations', '1', '--profile', file]);
    assert.equal(code, 78);
    assert.match(err, /bad.json: \/sessions\/0\/steps\/0\/idTag: must be present/);
    assert.match(err, /\/sessions\/0\/steps\/2\/do: must be one of "plug"/);
    assert.throws(
      () => fleetProfileOf({ sessions: [{ steps: [{ do: 'charge', currentA: 16 }] }] }, 'p.json'),
      (e: unknown) => e instanceof FleetProfileError && /\/sessions\/0\/steps\/0: must be a charge with exactly one of "seconds" or "untilWh", found neither/.test(e.message),
    );
    // The shipped example is a valid profile.
    const example = fleetProfileOf(JSON.parse(readFileSync(path.join(packageRoot, 'bench', 'load-test', 'profile-example.json'), 'utf8')), 'example');
    assert.ok(example.sessions.length >= 2);
  });

  it('slices: pod k of N-station slices starts at first-index + k*N; identities zero-padded to at least 4 digits', () => {
    const o = parseSimulateArgs(['--stations', '25', '--csms', 'ws://x/ocpp', '--identity-prefix', 'P', '--slice-from-env', 'JOB_COMPLETION_INDEX'], { JOB_COMPLETION_INDEX: '3' });
    assert.equal(o.firstIndex, 76);
    assert.equal(stationIdentity(o, o.firstIndex), 'P0076');
    const wide = parseSimulateArgs(['--stations', '1000', '--csms', 'ws://x/ocpp', '--first-index', '0', '--slice-from-env', 'K', '--index-width', '6'], { K: '99' });
    assert.equal(stationIdentity(wide, wide.firstIndex + 999), 'SIM-099999');
    assert.throws(() => parseSimulateArgs(['--stations', '2', '--csms', 'ws://x', '--slice-from-env', 'K'], {}), /K: the environment variable must hold a whole number/);
  });

  it('the Kubernetes manifest is an Indexed Job whose pods take their slice from the completion index and print the JSON summary', () => {
    const yaml = readFileSync(path.join(packageRoot, 'bench', 'load-test', 'simulate-job.yaml'), 'utf8');
    assert.match(yaml, /^kind: Job$/m);
    assert.match(yaml, /^ {2}completionMode: Indexed$/m);
    const completions = /^ {2}completions: (\d+)$/m.exec(yaml)?.[1];
    assert.ok(completions !== undefined && completions === /^ {2}parallelism: (\d+)$/m.exec(yaml)?.[1], 'completions = parallelism');
    for (const arg of ['simulate', '--slice-from-env', 'JOB_COMPLETION_INDEX', '--summary-json', '--storage', 'memory']) assert.match(yaml, new RegExp(`- "?${arg}"?$`, 'm'));
  });

  it('refuses a command line without --stations or --csms (exit 64)', async () => {
    const { code, err } = await simulate(['--ramp', '5']);
    assert.equal(code, 64);
    assert.match(err, /--stations/);
  });
});
