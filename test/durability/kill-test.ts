import assert from 'node:assert/strict';
import type { StationStatusView } from '../../src/app/station-status.js';
import type { OcppVersion } from '../../src/config/station-config.js';
import { answers, DevCsms, type AnswerFn } from '../../tools/dev-csms/dev-csms.js';
import { CliProcess, simulatorConfigCopy } from '../helpers/cli.js';
import { check16, check201, ID, TX_ACTIONS, type Run } from './kill-checks.js';

/**
 * The kill test: the agent as a real process, its meter a separate meter-sim process (a real meter
 * keeps counting while the agent is down), against a CSMS in the test. Many sessions; kill -9 at
 * random moments (as a session starts, while metering, as it stops, while replaying); restart on
 * the same storage. Then every transaction the CSMS heard of must be complete, in OCPP 2.0.1 and in
 * OCPP 1.6.
 *
 * 2.0.1: every seqNo from Started to Ended, in order, and its energy the meter's own registers.
 * 1.6: every StartTransaction has exactly one StopTransaction with the transactionId the CSMS
 * answered, MeterValues only for ids the CSMS gave (never the placeholder), meterStart and
 * meterStop the meter's register at their timestamps, sessions never overlapping.
 *
 * Delivery is at least once: a message the CSMS answered in the instant before the kill is sent
 * again after the restart, identical (2.0.1: same transactionId and seqNo, which is what seqNo lets
 * a CSMS recognise, E 1.3.2; 1.6 has no seqNo, so the CSMS here recognises an identical
 * StartTransaction.req and answers it with the id it gave it). The test counts those and fails on
 * anything else twice.
 *
 * KILL_TEST_CYCLES (default 10 per version), KILL_TEST_SEED, KILL_TEST_VERSIONS (e.g. "1.6").
 * The tests themselves are kill-v201.test.ts and kill-v16.test.ts.
 */

const CYCLES = Number(process.env['KILL_TEST_CYCLES'] ?? 10);
const SEED = Number(process.env['KILL_TEST_SEED'] ?? Date.now() % 100000);
const VERSIONS = (process.env['KILL_TEST_VERSIONS'] ?? '2.0.1,1.6').split(',').map((v) => v.trim()) as OcppVersion[];

/** A small seeded generator, so a failing run can be repeated (KILL_TEST_SEED). */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function meterRegister(meter: CliProcess): Promise<{ at: number; wh: number }> {
  const from = meter.out.length;
  meter.child.stdin.write('status\n');
  const line = (await meter.waitFor(/^\[\{.*\}\]$/m, 5000, from))[0];
  return { at: Date.now(), wh: (JSON.parse(line) as Array<{ energyImportWh: number }>)[0]!.energyImportWh };
}

/** The cycles of sessions and kills, against one CSMS and one meter; returns what the CSMS recorded. */
async function killCycles(version: OcppVersion): Promise<Run> {
  const rand = random(SEED);
  const csms = new DevCsms({ port: 0 });
  await csms.start();
  // 1.6 has no seqNo: a CSMS recognises a StartTransaction sent again by its content.
  const startTransaction = recognisingResends();
  const program = (): void => {
    if (version === '1.6') csms.answer('StartTransaction', startTransaction);
  };
  program();
  const meter = new CliProcess(['meter-sim', '--profile', 'eastron-sdm630', '--tcp', '127.0.0.1:0', '--relay', 'closed', '--load', '16,16,16', '--start-energy-wh', '5000']);
  const meterPort = Number((await meter.waitFor(/tcp:\/\/127\.0\.0\.1:(\d+)/))[1]);
  const first = await meterRegister(meter);
  const config = simulatorConfigCopy((d) => {
    d['ocpp'] = { ...d['ocpp'], version, url: csms.url, reconnect: { waitMinimumS: 1, randomRangeS: 0, repeatTimes: 0 }, messageTimeoutS: 3 };
    d['meter'] = { driver: 'modbus-tcp', host: '127.0.0.1', tcpPort: meterPort, profile: 'eastron-sdm630', pollIntervalMs: 200, timeoutMs: 300, retries: 1 };
    d['charging'] = { ...d['charging'], evIdleAfterS: 600 };
    if (version === '1.6') {
      delete d['charging'].txStartPoints;
      delete d['charging'].txStopPoints;
    }
    d['meterValues'] = { ...d['meterValues'], txUpdatedIntervalS: 1, alignedIntervalS: 0 };
    d['log'] = { level: 'info' };
  });
  const kills: string[] = [];
  let agent: CliProcess | undefined;
  let api = '';

  const startAgent = async (): Promise<void> => {
    agent = new CliProcess(['run', '--config', config]);
    api = await agent.booted();
  };
  const post = async (path: string, body?: object): Promise<void> => {
    await fetch(`${api}${path}`, { method: 'POST', ...(body ? { body: JSON.stringify(body) } : {}) }).catch(() => undefined);
  };
  const kill = async (where: string): Promise<void> => {
    kills.push(where);
    agent!.child.kill('SIGKILL');
    await agent!.exited;
  };
  const status = async (): Promise<StationStatusView> => (await (await fetch(`${api}/api/status`)).json()) as StationStatusView;
  /** Waits until the agent's status is as `ok` wants (what a fixed pause only hoped for). */
  const statusWhen = async (ok: (s: StationStatusView) => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + 5000;
    while (!ok(await status())) {
      if (Date.now() > deadline) throw new Error(`never ${what}:\n${agent!.out.slice(-2000)}`);
      await sleep(20);
    }
  };
  /** Plugs the vehicle in and waits for the agent to have seen it (the plug input is debounced). */
  const plugIn = async (): Promise<void> => {
    await post('/api/sim/evses/1/connectors/1/plug');
    await statusWhen((s) => s.evses[0]!.connectors[0]!.plugged, 'plugged in');
  };

  try {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await startAgent();
      const card = { idToken: `CARD-${cycle}`, type: 'ISO14443' };
      const scenario = ['start', 'metering', 'stop', 'replay', 'graceful'][Math.floor(rand() * 5)]!;
      if (scenario === 'replay') {
        // The CSMS stops answering: messages pile up, the agent dies, and dies again while replaying.
        for (const action of TX_ACTIONS[version]) csms.answer(action, answers.never());
        await plugIn();
        await post('/api/sim/evses/1/token', card);
        await sleep(1500 + rand() * 1500);
        await kill('with messages waiting');
        csms.reset();
        program();
        await startAgent();
        await sleep(rand() * 400);
        await kill('while replaying');
        continue;
      }
      await plugIn();
      await post('/api/sim/evses/1/token', card);
      if (scenario === 'start') {
        await sleep(rand() * 300);
        await kill('as the session started');
        continue;
      }
      await sleep(800 + rand() * 1700);
      if (scenario === 'metering') {
        await kill('while metering');
        continue;
      }
      await post('/api/sim/evses/1/token', card); // the same card stops
      if (scenario === 'stop') {
        await sleep(rand() * 150);
        await kill('as the session stopped');
        continue;
      }
      await post('/api/sim/evses/1/connectors/1/unplug');
      await statusWhen((s) => s.evses[0]!.transaction === null, 'the transaction ended by the unplug');
      agent!.child.kill('SIGTERM');
      assert.equal(await agent!.exited, 0, agent!.out.slice(-2000));
    }
    // A last start: whatever was left is recovered and delivered.
    await startAgent();
    const deadline = Date.now() + 30000;
    for (;;) {
      const s = await status();
      if (s.storage.queuedTransactionMessages === 0 && s.evses.every((e) => e.transaction === null)) break;
      if (Date.now() > deadline) throw new Error(`queue never emptied: ${JSON.stringify(s.storage)}\n${agent!.out.slice(-3000)}`);
      await sleep(100);
    }
    agent!.child.kill('SIGTERM');
    await agent!.exited;
    const last = await meterRegister(meter);
    return { csms, kills, meter: { t0: first.at, e0: first.wh, rate: (last.wh - first.wh) / (last.at - first.at) }, cycles: CYCLES, seed: SEED };
  } finally {
    if (agent && agent.child.exitCode === null) agent.child.kill('SIGKILL');
    meter.child.kill('SIGTERM');
    // Gone before the run's root hook looks for processes a test left running.
    await meter.exited;
    await csms.stop();
  }
}

/** Answers an identical StartTransaction.req with the id it got the first time; new ones with the next id. */
function recognisingResends(): AnswerFn {
  const given = new Map<string, number>();
  return (payload) => {
    const key = JSON.stringify(payload);
    if (!given.has(key)) given.set(key, given.size + 1);
    return { transactionId: given.get(key)!, idTagInfo: { status: 'Accepted' } };
  };
}

/**
 * The kill test of one version, if KILL_TEST_VERSIONS names it: one file per version
 * (kill-v201.test.ts, kill-v16.test.ts), so that a parallel run runs the two at once.
 */
export function describeKillTest(version: OcppVersion): void {
  if (!VERSIONS.includes(version)) return;
  describe(`durability: kill -9 at random moments (OCPP ${version})`, function () {
    this.timeout(600_000);

    const title =
      version === '2.0.1'
        ? `loses no transaction message and counts no energy twice (${CYCLES} cycles, seed ${SEED})`
        : `1.6 3.7, 4.8, errata 3.18: every StartTransaction has one StopTransaction with the CSMS' transactionId, meter readings the meter's, nothing lost or counted twice (${CYCLES} cycles, seed ${SEED})`;
    it(title, async () => {
      const run = await killCycles(version);
      try {
        if (version === '2.0.1') check201(run);
        else check16(run);
      } catch (err) {
        // What the CSMS heard, to see what went wrong (repeat the run with KILL_TEST_SEED).
        const lines = (run.csms.station(ID)?.messages ?? [])
          .filter((m) => TX_ACTIONS[version].includes(m.action ?? '') || m.action === 'BootNotification')
          .map((m) => `${m.at.toISOString().slice(11, 23)} ${m.direction === 'fromStation' ? '<-' : '->'} ${m.kind} ${m.action} ${JSON.stringify(m.payload).slice(0, 300)}`);
        throw new Error(`${(err as Error).message}\nkills: ${run.kills.join('; ')}\n${lines.join('\n')}`, { cause: err });
      }
    });
  });
}
