import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../../src/cli/commands/run.js';
import {
  createServiceNotifier,
  statusLine,
  watchdogIntervalMs,
  type ServiceNotifier,
  type SpawnFunction,
} from '../../src/process/systemd-notify.js';
import { simulatorConfigCopy } from '../helpers/cli.js';
import { capturingLogger } from '../helpers/logging.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A stand-in for systemd's notify socket: socat receiving on a unix datagram socket, its -x dump
 * giving each datagram with its own header, so message boundaries survive.
 */
interface NotifyReceiver {
  socket: string;
  /** Every datagram so far, as text. */
  messages(): string[];
  waitFor(count: number, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

async function notifyReceiver(): Promise<NotifyReceiver> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evse-notify-'));
  const socket = path.join(dir, 'notify');
  const child = spawn('socat', ['-u', '-x', `UNIX-RECV:${socket}`, '/dev/null'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let dump = '';
  child.stderr.on('data', (d: Buffer) => (dump += d.toString()));
  const deadline = Date.now() + 5000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`socat did not create ${socket}: ${dump}`);
    await sleep(10);
  }
  // Complete datagrams only: a dump line may arrive in pieces.
  const messages = (): string[] => {
    const out: Array<{ length: number; bytes: number[] }> = [];
    for (const line of dump.split('\n')) {
      const header = /^> \S+ \S+\s+length=(\d+)/.exec(line);
      if (header) out.push({ length: Number(header[1]), bytes: [] });
      else if (out.length > 0 && /^[\s0-9a-f]+$/.test(line)) out[out.length - 1]!.bytes.push(...(line.match(/[0-9a-f]{2}/g) ?? []).map((h) => parseInt(h, 16)));
    }
    const complete = out.findIndex((m) => m.bytes.length < m.length);
    return (complete < 0 ? out : out.slice(0, complete)).map((m) => Buffer.from(m.bytes).toString('utf8'));
  };
  return {
    socket,
    messages,
    async waitFor(count, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (messages().length < count && Date.now() < until) await sleep(10);
      return messages();
    },
    close: () =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill();
      }),
  };
}

/** A spawn that records each systemd-notify call and runs `true` in its place. */
function recordingSpawn(calls: string[][]): SpawnFunction {
  return (_command: string, args: readonly string[], options: SpawnOptions): ChildProcess => {
    calls.push([...args]);
    return spawn('true', [], options);
  };
}

const fieldsOf = (message: string): string[] => message.split('\n').filter((f) => !f.startsWith('MAINPID='));

describe('systemd notifier (sd_notify through systemd-notify)', function () {
  this.timeout(15000);

  before(function () {
    const missing = ['socat', 'systemd-notify'].filter((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).error);
    // .ci/run installs both (packages socat and systemd).
    if (missing.length > 0) assert.fail(`${missing.join(' and ')} needed for these tests (apt-get install socat systemd)`);
  });

  let receiver: NotifyReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('sends READY=1 with a status, WATCHDOG=1 and STOPPING=1 as real datagrams', async () => {
    receiver = await notifyReceiver();
    const notifier = createServiceNotifier({ env: { ...process.env, NOTIFY_SOCKET: receiver.socket }, waitForManager: false });
    assert.equal(notifier.enabled, true);
    notifier.ready('CSMS connected (Accepted); EVSE 1: Available');
    await receiver.waitFor(1);
    notifier.ready('again'); // READY=1 goes once; a later call is a status update
    await receiver.waitFor(2);
    notifier.watchdogPing();
    await receiver.waitFor(3);
    notifier.stopping('stopping');
    await notifier.close();
    const messages = await receiver.waitFor(4);
    assert.deepEqual(messages.map(fieldsOf), [
      ['READY=1', 'STATUS=CSMS connected (Accepted); EVSE 1: Available'],
      ['STATUS=again'],
      ['WATCHDOG=1'],
      ['STOPPING=1', 'STATUS=stopping'],
    ]);
    // --pid: the messages name the main process, whichever child sends them.
    assert.ok(messages.every((m) => m.startsWith(`MAINPID=${process.pid}\n`)), messages.join(' / '));
  });

  it('pings the watchdog every WATCHDOG_USEC/2 until stopped', async () => {
    receiver = await notifyReceiver();
    const env = { ...process.env, NOTIFY_SOCKET: receiver.socket, WATCHDOG_USEC: '200000', WATCHDOG_PID: String(process.pid) };
    const notifier = createServiceNotifier({ env, waitForManager: false });
    const started = Date.now();
    const stop = notifier.startWatchdog();
    // Counted by what arrived, not in a fixed window: each ping spawns systemd-notify, slow on a busy machine.
    const pingTimes: number[] = [];
    const pingsNow = (): number => receiver!.messages().filter((m) => fieldsOf(m).includes('WATCHDOG=1')).length;
    while (pingTimes.length < 4 && Date.now() - started < 10_000) {
      if (pingsNow() > pingTimes.length) pingTimes.push(Date.now());
      else await sleep(5);
    }
    stop();
    const pings = pingsNow();
    assert.ok(pings >= 4, `${pings} pings in ${Date.now() - started} ms`);
    // One at once, then every 100 ms: four take at least 300 ms (an upper bound would only measure the machine).
    assert.ok(pingTimes[3]! - started >= 290, `four pings within ${pingTimes[3]! - started} ms: faster than WATCHDOG_USEC/2`);
    await sleep(300);
    await notifier.close();
    const after = receiver.messages().filter((m) => fieldsOf(m).includes('WATCHDOG=1')).length;
    assert.ok(after <= pings + 1, `pings went on after stop: ${pings} then ${after}`);
  });

  it('sends STATUS on change only, at most once a second, the latest text winning', async () => {
    receiver = await notifyReceiver();
    const notifier = createServiceNotifier({ env: { ...process.env, NOTIFY_SOCKET: receiver.socket }, waitForManager: false });
    const t0 = Date.now();
    notifier.status('one');
    notifier.status('one');
    notifier.status('two');
    notifier.status('three');
    await sleep(200);
    assert.deepEqual(receiver.messages().map(fieldsOf), [['STATUS=one']], 'only the first goes at once');
    const messages = await receiver.waitFor(2, 3000);
    const secondAt = Date.now() - t0;
    assert.deepEqual(messages.map(fieldsOf), [['STATUS=one'], ['STATUS=three']]);
    assert.ok(secondAt >= 950, `second status after ${secondAt} ms`);
    notifier.status('three'); // unchanged: nothing
    notifier.status('four\nlines'); // within the second again: left pending, sent by close()
    await notifier.close();
    assert.deepEqual((await receiver.waitFor(3)).map(fieldsOf), [['STATUS=one'], ['STATUS=three'], ['STATUS=four | lines']]);
  });

  it('does nothing without NOTIFY_SOCKET (not started by systemd)', async () => {
    const calls: string[][] = [];
    const env: NodeJS.ProcessEnv = { ...process.env, WATCHDOG_USEC: '200000' };
    delete env['NOTIFY_SOCKET'];
    const notifier = createServiceNotifier({ env, spawn: recordingSpawn(calls) });
    assert.equal(notifier.enabled, false);
    notifier.ready('x');
    notifier.status('y');
    notifier.watchdogPing();
    const stop = notifier.startWatchdog();
    await sleep(250);
    stop();
    notifier.stopping();
    await notifier.close();
    assert.deepEqual(calls, []);
  });

  it('runs systemd-notify with --pid, waiting for the manager unless told not to', async () => {
    const calls: string[][] = [];
    const env = { NOTIFY_SOCKET: '/run/systemd/notify' };
    const blocking = createServiceNotifier({ env, spawn: recordingSpawn(calls), pid: 4242 });
    blocking.watchdogPing();
    await blocking.close();
    const nonBlocking = createServiceNotifier({ env, spawn: recordingSpawn(calls), pid: 4242, waitForManager: false });
    nonBlocking.watchdogPing();
    await nonBlocking.close();
    assert.deepEqual(calls, [
      ['--pid=4242', 'WATCHDOG=1'],
      ['--pid=4242', '--no-block', 'WATCHDOG=1'],
    ]);
  });

  it('pings only when the watchdog is meant for this process', async () => {
    const calls: string[][] = [];
    const env = { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '200000', WATCHDOG_PID: String(process.pid + 1) };
    const notifier = createServiceNotifier({ env, spawn: recordingSpawn(calls) });
    notifier.startWatchdog()();
    createServiceNotifier({ env: { NOTIFY_SOCKET: '/run/systemd/notify' }, spawn: recordingSpawn(calls) }).startWatchdog()();
    await notifier.close();
    assert.deepEqual(calls, []);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }), 15000);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '17' }, 17), 15000);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '17' }, 18), undefined);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: 'soon' }), undefined);
    assert.equal(watchdogIntervalMs({}), undefined);
  });

  it('logs a missing systemd-notify once as a warning and never throws', async () => {
    const lines: string[] = [];
    const missing: SpawnFunction = (_c, args, options) => spawn('/nonexistent/systemd-notify', [...args], options);
    const notifier = createServiceNotifier({ env: { NOTIFY_SOCKET: '/run/systemd/notify' }, spawn: missing, log: capturingLogger(lines) });
    notifier.ready('up');
    notifier.watchdogPing();
    notifier.watchdogPing();
    await notifier.close();
    const warnings = lines.filter((l) => l.startsWith('warning '));
    assert.equal(warnings.length, 1, lines.join('\n'));
    assert.match(warnings[0]!, /systemd-notify.*ENOENT/);
  });
});

describe('statusLine (the STATUS= text)', () => {
  it('sums up the CSMS connection and every EVSE', () => {
    const line = statusLine({
      connection: { connected: true, bootState: 'Accepted' },
      evses: [
        {
          evseId: 1,
          connectors: [{ connectorId: 1, status: 'Occupied', chargingState: 'Charging', faults: [] }],
          transaction: { energyWh: 3254.5 },
        },
        { evseId: 2, connectors: [{ connectorId: 1, status: 'Available', chargingState: 'Idle', faults: [] }], transaction: null },
      ],
    });
    assert.equal(line, 'CSMS connected (Accepted); EVSE 1: Occupied/Charging 3.25 kWh, EVSE 2: Available');
  });

  it('names faults, and each connector of an EVSE that has several', () => {
    const line = statusLine({
      connection: { connected: false, bootState: 'NotBooted' },
      evses: [
        {
          evseId: 1,
          connectors: [
            { connectorId: 1, status: 'Faulted', chargingState: 'Idle', faults: ['emergency-stop'] },
            { connectorId: 2, status: 'Available', chargingState: 'Idle', faults: [] },
          ],
        },
      ],
    });
    assert.equal(line, 'CSMS not connected; EVSE 1: #1 Faulted (emergency-stop) #2 Available');
  });
});

describe('evse-agent run under systemd', function () {
  this.timeout(20000);

  it('reports ready with the station state, keeps the status up to date, and says when it stops', async () => {
    const calls: string[] = [];
    let watchdogStopped = false;
    const notifier: ServiceNotifier = {
      enabled: true,
      ready: (s) => calls.push(`ready ${s ?? ''}`),
      status: (s) => calls.push(`status ${s}`),
      stopping: (s) => calls.push(`stopping ${s ?? ''}`),
      watchdogPing: () => calls.push('ping'),
      startWatchdog: () => () => (watchdogStopped = true),
      close: async () => {
        calls.push('close');
      },
    };
    const controller = new AbortController();
    let out = '';
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) }, stop: controller.signal };
    const done = runCommand(io, simulatorConfigCopy(), {}, notifier);
    const deadline = Date.now() + 15000;
    while (!calls.some((c) => c.startsWith('ready')) && Date.now() < deadline) await sleep(50);
    controller.abort();
    assert.equal(await done, 0, out);
    const ready = calls.find((c) => c.startsWith('ready'));
    assert.match(ready ?? '', /^ready CSMS not connected; EVSE 1: \w+/, calls.join('\n'));
    assert.deepEqual(calls.slice(-2).map((c) => c.split(' ')[0]), ['stopping', 'close']);
    assert.equal(watchdogStopped, true, 'the watchdog runs from start to stop');
  });
});
