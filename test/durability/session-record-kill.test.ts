import assert from 'node:assert/strict';
import { OCPI_TEST_LOCATION } from '../helpers/signed-session.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StartTransactionRequest, StopTransactionRequest } from 'ocpp-messages/v1.6/index.js';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import type { StationStatusView } from '../../src/app/station-status.js';
import { loadConfig } from '../../src/config/load-config.js';
import { cdrProblems } from '../../src/services/ocpi/cdr-check.js';
import type { OcpiCdr } from '../../src/services/ocpi/ocpi-types.js';
import { readRecordsCsv, type SessionView } from '../../src/services/session-history/index.js';
import { DevCsms } from '../../tools/dev-csms/dev-csms.js';
import { CliProcess, runInProcess, simulatorConfigCopy } from '../helpers/cli.js';
import { ID } from './kill-checks.js';

/**
 * Issue 17: a session running at a kill -9 is ended with PowerLoss at the next start (from the
 * transaction journal), and its record is complete then: the charging periods and the limit seen
 * before the kill, the token and how it was authorized, the signed start and end documents; its
 * CSV row and CDR agree with the meter values the CSMS received to the Wh.
 */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Agree to the Wh: less than 1 Wh apart. Not equal after rounding: 1.6 carries whole Wh registers
 * (meterStart, meterStop), so a difference of two rounded registers can round otherwise than the
 * record's exact energy (5000.6 -> 5001 and 5008.4 -> 5008: 7 against 7.8).
 */
function toTheWh(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) < 1, `${what}: ${a} Wh against ${b} Wh`);
}

const OCPI = OCPI_TEST_LOCATION;

async function until<T>(read: () => Promise<T | undefined>, what: string, agent: CliProcess, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`never ${what}:\n${agent.out.slice(-3000)}`);
    await sleep(50);
  }
}

describe('durability (issue 17): the session record after a kill -9 mid-session', function () {
  this.timeout(60_000);

  for (const version of ['2.0.1', '1.6'] as const) {
    it(`OCPP ${version}: is complete after the PowerLoss end at the next start, and its CSV and CDR agree with the meter to the Wh`, async () => {
      const csms = new DevCsms({ port: 0 });
      await csms.start();
      // The meter a process of its own, as in kill-test.ts: a real meter keeps counting while the agent is down.
      const meter = new CliProcess(['meter-sim', '--profile', 'eastron-sdm630', '--tcp', '127.0.0.1:0', '--relay', 'closed', '--load', '16,16,16', '--start-energy-wh', '5000']);
      const meterPort = Number((await meter.waitFor(/tcp:\/\/127\.0\.0\.1:(\d+)/))[1]);
      const config = simulatorConfigCopy((d) => {
        d['meter'] = { driver: 'modbus-tcp', host: '127.0.0.1', tcpPort: meterPort, profile: 'eastron-sdm630', pollIntervalMs: 200, timeoutMs: 300, retries: 1 };
        d['charging'] = { ...d['charging'], evIdleAfterS: 600 };
        d['ocpp'] = { ...d['ocpp'], version, url: csms.url, reconnect: { waitMinimumS: 1, randomRangeS: 0, repeatTimes: 0 } };
        if (version === '1.6') {
          delete d['charging'].txStartPoints;
          delete d['charging'].txStopPoints;
        }
        d['meterValues'] = { ...d['meterValues'], txUpdatedIntervalS: 1, alignedIntervalS: 0 };
        d['signedMeterValues'] = { source: 'station' };
        d['ocpi'] = OCPI;
      });
      let agent = new CliProcess(['run', '--config', config]);
      try {
        let api = await agent.booted();
        const status = async (): Promise<StationStatusView> => (await (await fetch(`${api}/api/status`)).json()) as StationStatusView;
        await fetch(`${api}/api/sim/evses/1/connectors/1/plug`, { method: 'POST' });
        await fetch(`${api}/api/sim/evses/1/token`, { method: 'POST', body: JSON.stringify({ idToken: 'CARD-KILL-1', type: 'ISO14443' }) });
        const running = agent;
        await until(async () => ((await status()).evses[0]!.transaction?.chargingState === 'Charging' && (await status()).evses[0]!.transaction!.energyWh > 0) || undefined, 'charging with energy', running);
        await sleep(1200);
        agent.child.kill('SIGKILL');
        await agent.exited;

        agent = new CliProcess(['run', '--config', config]);
        api = await agent.booted();
        const restarted = agent;
        const sessions = await until(async () => {
          const body = (await (await fetch(`${api}/api/sessions`)).json()) as { sessions: SessionView[] };
          return body.sessions.length > 0 ? body.sessions : undefined;
        }, 'a recorded session', restarted);
        const [s] = sessions;
        assert.equal(s!.stopReason, 'PowerLoss');
        assert.equal(s!.stationId, ID);
        assert.equal(s!.authorizedBy, 'Card');
        assert.ok(s!.energyWh > 0, `the energy before the kill is in the record: ${JSON.stringify(s)}`);
        assert.equal(s!.meterStopWh! - s!.meterStartWh, s!.energyWh);
        assert.ok(s!.chargingPeriods.some((p) => p.state === 'Charging'), JSON.stringify(s!.chargingPeriods));
        assert.equal(Math.round(s!.chargingPeriods.reduce((sum, p) => sum + p.energyWh, 0)), Math.round(s!.energyWh));
        assert.ok(s!.signed, 'the OCMF documents are in the record');

        const { begin, end } = await registersAtCsms(csms, version, s!, restarted);
        toTheWh(end - begin, s!.energyWh, 'the CSMS registers and the record');

        agent.child.kill('SIGTERM');
        await agent.exited;
        const csv = readRecordsCsv((await runInProcess(['sessions', 'export', '--format', 'csv', '--config', config])).stdout);
        toTheWh(Number(csv[0]!['energyWh']), end - begin, 'the CSV and the CSMS registers');
        const cdrText = (await runInProcess(['sessions', 'export', '--format', 'ocpi-cdr', '--config', config])).stdout;
        const [cdr] = JSON.parse(cdrText) as OcpiCdr[];
        assert.deepEqual(cdrProblems(cdr), []);
        toTheWh(cdr!.total_energy * 1000, end - begin, 'the CDR and the CSMS registers');
        const file = path.join(loadConfig(config).config.storage.dir, 'cdrs.json');
        writeFileSync(file, cdrText);
        const verified = await runInProcess(['sessions', 'verify', file]);
        assert.equal(verified.code, 0, verified.stdout);
      } finally {
        if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
        await agent.exited;
        meter.child.kill('SIGTERM');
        await meter.exited;
        await csms.stop();
      }
    });
  }
});

/**
 * The registers the CSMS received for the session: 2.0.1 the Started event's Transaction.Begin and
 * the Ended's Transaction.End; 1.6 StartTransaction's meterStart and StopTransaction's meterStop.
 */
async function registersAtCsms(csms: DevCsms, version: '2.0.1' | '1.6', s: SessionView, agent: CliProcess): Promise<{ begin: number; end: number }> {
  const calls = (action: string): unknown[] =>
    (csms.station(ID)?.messages ?? []).filter((m) => m.direction === 'fromStation' && m.kind === 'call' && m.action === action).map((m) => m.payload);
  if (version === '1.6') {
    const stop = await until(async () => calls('StopTransaction')[0] as StopTransactionRequest | undefined, 'the StopTransaction at the CSMS', agent);
    return { begin: (calls('StartTransaction')[0] as StartTransactionRequest).meterStart, end: stop.meterStop };
  }
  const received = (): TransactionEventRequest[] => (calls('TransactionEvent') as TransactionEventRequest[]).filter((e) => e.transactionInfo.transactionId === s.transactionId);
  await until(async () => received().some((e) => e.eventType === 'Ended') || undefined, 'the Ended event at the CSMS', agent);
  const register = (context: string): number | undefined =>
    received()
      .flatMap((e) => e.meterValue ?? [])
      .flatMap((mv) => mv.sampledValue)
      .find((v) => v.context === context && (v.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register')?.value;
  const begin = register('Transaction.Begin');
  const end = register('Transaction.End');
  assert.ok(begin !== undefined && end !== undefined, 'the CSMS has the begin and end registers');
  return { begin, end };
}
