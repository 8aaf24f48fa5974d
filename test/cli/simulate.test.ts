import assert from 'node:assert/strict';
import { runCli } from '../../src/cli/cli.js';
import { DevCsms } from '../../tools/dev-csms/dev-csms.js';

/**
 * Issue 18, "Many stations in one process": `evse-agent simulate` runs whole simulated stations
 * against a CSMS (here the development CSMS on 127.0.0.1), each playing random sessions, and
 * prints a summary of the traffic and the process' cost.
 */
describe('evse-agent simulate: many stations in one process (issue 18)', function () {
  this.timeout(40000);
  let csms: DevCsms;

  beforeEach(async () => {
    csms = new DevCsms({ port: 0 });
    await csms.start();
  });
  afterEach(async () => {
    await csms.stop();
  });

  async function simulate(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, stop: new AbortController().signal };
    const code = await runCli(['simulate', '--csms', csms.url, ...args], io);
    return { code, out, err };
  }

  /** Every station's booted (BootNotification Accepted by the dev CSMS) and at least one transaction each. */
  function assertEachStationCharged(prefix: string, stations: number, transactionAction: string): void {
    for (let i = 1; i <= stations; i++) {
      const identity = `${prefix}${i}`;
      const seen = csms.stations().find((s) => s.identity === identity)?.messages ?? [];
      const calls = seen.filter((m) => m.kind === 'call');
      assert.ok(calls.some((m) => m.action === 'BootNotification'), `${identity} sent a BootNotification`);
      assert.ok(calls.some((m) => m.action === transactionAction), `${identity} sent ${transactionAction}`);
    }
  }

  for (const [version, transactionAction] of [
    ['2.0.1', 'TransactionEvent'],
    ['1.6', 'StartTransaction'],
  ] as const) {
    it(`OCPP ${version}: 3 stations connect, boot Accepted, each charges at least once, the summary is printed, exit 0`, async () => {
      const { code, out, err } = await simulate(['--stations', '3', '--identity-prefix', `SIM${version.replace(/\./g, '')}-`, '--ocpp', version, '--ramp', '20', '--sessions-per-hour', '36000', '--session-seconds', '1', '--duration', '4']);
      assert.equal(err, '');
      assert.equal(code, 0);
      assert.match(out, /stations: +3 started of 3 \(0 failed\), 3 connected \(boot Accepted\) at the end/);
      const sessions = Number(/sessions: +(\d+)/.exec(out)?.[1]);
      assert.ok(sessions >= 3, `at least one session per station, got ${sessions}`);
      assert.match(out, /messages: +\d+ \(0 CALLERRORs\)/);
      assert.match(out, /round trip: +p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms/);
      assert.match(out, /memory: +RSS [\d.]+ MB, [\d.]+ MB per station/);
      assert.match(out, /CPU: +[\d.]+ s over/);
      assertEachStationCharged(`SIM${version.replace(/\./g, '')}-`, 3, transactionAction);
      // Stopped cleanly: nobody left connected.
      assert.equal(csms.stations().filter((s) => s.connected).length, 0);
    });
  }

  it('refuses a command line without --stations or --csms (exit 64)', async () => {
    const { code, err } = await simulate(['--ramp', '5']);
    assert.equal(code, 64);
    assert.match(err, /--stations/);
  });
});
