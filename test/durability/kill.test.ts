import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import { answers, DevCsms } from '../../src/csms/dev-csms.js';
import { cliEntry, repoRoot, simulatorConfigCopy } from '../helpers/cli.js';

/**
 * The kill test: the agent as a real process, its meter a separate meter-sim process (a real meter
 * keeps counting while the agent is down), against a CSMS in the test. Many sessions; kill -9 at
 * random moments (as a session starts, while metering, as it stops, while replaying); restart on
 * the same storage. Then every transaction the CSMS heard of must be complete: every seqNo from
 * Started to Ended, in order, and its energy the meter's own registers.
 *
 * Delivery is at least once: a message the CSMS answered in the instant before the kill is sent
 * again after the restart, identical (same transactionId and seqNo), which is what seqNo lets a
 * CSMS recognise (2.0.1 E 1.3.2). The test counts those and fails on anything else twice.
 */

const ID = 'EVSE-SIM-001';
const CYCLES = Number(process.env['KILL_TEST_CYCLES'] ?? 10);
const SEED = Number(process.env['KILL_TEST_SEED'] ?? Date.now() % 100000);

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

class Proc {
  out = '';
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }
  async waitFor(re: RegExp, timeoutMs = 20000, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.out.slice(from).match(re);
      if (m) return m;
      if (this.child.exitCode !== null) throw new Error(`process exited (${this.child.exitCode}) before ${re}:\n${this.out.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`never saw ${re}:\n${this.out.slice(-3000)}`);
      await sleep(25);
    }
  }
}

function node(args: string[]): Proc {
  return new Proc(spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], { cwd: repoRoot, env: { ...process.env, JOURNAL_STREAM: '' } }));
}

describe('durability: kill -9 at random moments', function () {
  this.timeout(600_000);

  it(`loses no transaction message and counts no energy twice (${CYCLES} cycles, seed ${SEED})`, async () => {
    const rand = random(SEED);
    const csms = new DevCsms({ port: 0 });
    await csms.start();
    const meter = node(['meter-sim', '--profile', 'eastron-sdm630', '--tcp', '127.0.0.1:0', '--relay', 'closed', '--load', '16,16,16', '--start-energy-wh', '5000']);
    const meterPort = Number((await meter.waitFor(/tcp:\/\/127\.0\.0\.1:(\d+)/))[1]);
    const config = simulatorConfigCopy((d) => {
      d['ocpp'] = { ...d['ocpp'], url: csms.url, reconnect: { waitMinimumS: 1, randomRangeS: 0, repeatTimes: 0 }, messageTimeoutS: 3 };
      d['meter'] = { driver: 'modbus-tcp', host: '127.0.0.1', tcpPort: meterPort, profile: 'eastron-sdm630', pollIntervalMs: 200, timeoutMs: 300, retries: 1 };
      d['charging'] = { ...d['charging'], evIdleAfterS: 600 };
      d['meterValues'] = { ...d['meterValues'], txUpdatedIntervalS: 1, alignedIntervalS: 0 };
      d['log'] = { level: 'info' };
    });
    const kills: string[] = [];
    let agent: Proc | undefined;
    let api = '';

    const startAgent = async (): Promise<void> => {
      agent = node(['run', '--config', config]);
      api = `http://127.0.0.1:${(await agent.waitFor(/local API on http:\/\/127\.0\.0\.1:(\d+)/))[1]}`;
      const deadline = Date.now() + 20000;
      for (;;) {
        const s = (await (await fetch(`${api}/api/status`)).json()) as { connection: { bootState: string } };
        if (s.connection.bootState === 'Accepted') break;
        if (Date.now() > deadline) throw new Error(`no boot:\n${agent.out.slice(-2000)}`);
        await sleep(50);
      }
    };
    const post = async (path: string, body?: object): Promise<void> => {
      await fetch(`${api}${path}`, { method: 'POST', ...(body ? { body: JSON.stringify(body) } : {}) }).catch(() => undefined);
    };
    const kill = async (where: string): Promise<void> => {
      kills.push(where);
      agent!.child.kill('SIGKILL');
      await agent!.exited;
    };
    const status = async (): Promise<{ storage: { queuedTransactionMessages: number }; evses: Array<{ transaction: unknown }> }> =>
      (await (await fetch(`${api}/api/status`)).json()) as never;

    try {
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        await startAgent();
        const card = { idToken: `CARD-${cycle}`, type: 'ISO14443' };
        const scenario = ['start', 'metering', 'stop', 'replay', 'graceful'][Math.floor(rand() * 5)]!;
        if (scenario === 'replay') {
          // The CSMS stops answering: messages pile up, the agent dies, and dies again while replaying.
          csms.answer('TransactionEvent', answers.never());
          await post('/api/sim/evses/1/connectors/1/plug');
          await sleep(100);
          await post('/api/sim/evses/1/token', card);
          await sleep(1500 + rand() * 1500);
          await kill('with messages waiting');
          csms.reset();
          await startAgent();
          await sleep(rand() * 400);
          await kill('while replaying');
          continue;
        }
        await post('/api/sim/evses/1/connectors/1/plug');
        await sleep(100);
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
        await sleep(500);
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
    } finally {
      if (agent && agent.child.exitCode === null) agent.child.kill('SIGKILL');
      meter.child.kill('SIGTERM');
      await csms.stop();
    }

    // ---- what the CSMS received ----
    const records = (csms.station(ID)?.messages ?? []).filter((m) => m.direction === 'fromStation' && m.kind === 'call' && m.action === 'TransactionEvent');
    const byTx = new Map<string, Array<TransactionEventRequest>>();
    for (const r of records) {
      const e = r.payload as TransactionEventRequest;
      const list = byTx.get(e.transactionInfo.transactionId) ?? [];
      list.push(e);
      byTx.set(e.transactionInfo.transactionId, list);
    }
    assert.ok(byTx.size >= Math.floor(CYCLES / 2), `transactions: ${byTx.size} for ${CYCLES} cycles (${kills.join(', ')})`);
    let resends = 0;
    const spans: Array<{ begin: number; end: number; id: string }> = [];
    for (const [id, list] of byTx) {
      const first = new Map<number, TransactionEventRequest>();
      const order: number[] = [];
      for (const e of list) {
        const seen = first.get(e.seqNo);
        if (seen) {
          // Sent again after a kill: it must be the very same message.
          assert.deepEqual(e, seen, `transaction ${id}: seqNo ${e.seqNo} arrived twice with different content`);
          resends++;
          continue;
        }
        first.set(e.seqNo, e);
        order.push(e.seqNo);
      }
      const seqNos = [...first.keys()].sort((a, b) => a - b);
      assert.deepEqual(seqNos, seqNos.map((_, i) => i), `transaction ${id}: seqNo contiguous from 0 (got ${seqNos.join(',')})`);
      assert.deepEqual(order, seqNos, `transaction ${id}: in order`);
      const events = seqNos.map((n) => first.get(n)!);
      assert.equal(events[0]!.eventType, 'Started', `transaction ${id} starts with Started`);
      assert.equal(events.at(-1)!.eventType, 'Ended', `transaction ${id} ends with Ended (${events.map((e) => e.eventType).join(',')})`);
      assert.ok(events.slice(1, -1).every((e) => e.eventType === 'Updated'), `transaction ${id}: one Started, one Ended`);
      const register = (e: TransactionEventRequest, context: string): number | undefined =>
        (e.meterValue ?? []).flatMap((mv) => mv.sampledValue).find((s) => s.context === context && s.measurand === 'Energy.Active.Import.Register')?.value;
      const begin = register(events[0]!, 'Transaction.Begin');
      const end = register(events.at(-1)!, 'Transaction.End');
      assert.ok(begin !== undefined && end !== undefined, `transaction ${id} has meter start and stop`);
      assert.ok(end >= begin, `transaction ${id}: energy ${begin} -> ${end}`);
      let last = begin;
      for (const e of events.slice(1, -1)) {
        const v = register(e, 'Sample.Periodic');
        if (v === undefined) continue;
        assert.ok(v >= last && v <= end, `transaction ${id}: periodic ${v} outside ${last}..${end}`);
        last = v;
      }
      assert.ok(['Local', 'EVDisconnected', 'PowerLoss'].includes(events.at(-1)!.transactionInfo.stoppedReason ?? 'Local'), `transaction ${id} stopped for ${events.at(-1)!.transactionInfo.stoppedReason}`);
      spans.push({ begin, end, id });
    }
    // One EVSE, one transaction at a time, one meter that never stops counting: no energy in two
    // transactions, and every transaction's energy is the meter's own delta between its registers.
    spans.sort((a, b) => a.begin - b.begin);
    for (let i = 1; i < spans.length; i++) {
      assert.ok(spans[i]!.begin >= spans[i - 1]!.end, `transactions ${spans[i - 1]!.id} and ${spans[i]!.id} overlap: ${spans[i - 1]!.end} > ${spans[i]!.begin}`);
    }
    const callErrors = csms.station(ID)?.callErrors ?? [];
    assert.deepEqual(callErrors, [], 'the CSMS never had to reject a message');
    process.stdout.write(
      `      kill test: ${CYCLES} cycles (seed ${SEED}), ${kills.length} kills (${kills.join('; ')}), ${byTx.size} transactions, ` +
        `${records.length} TransactionEvents received, ${resends} identical resends after a kill\n`,
    );
  });
});
