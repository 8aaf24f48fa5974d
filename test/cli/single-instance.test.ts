import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { DevCsms } from '../../tools/dev-csms/dev-csms.js';
import { LOCK_FILE } from '../../src/store/instance-lock.js';
import { CliProcess, runProcess, simulatorConfigCopy } from '../helpers/cli.js';

interface Status {
  evses: Array<{ connectors: Array<{ relayClosed: boolean; status: string }>; transaction: { id: string } | null }>;
}

describe('run: one agent per storage.dir (a second instance)', function () {
  this.timeout(60000);
  let csms: DevCsms;
  let config: string;
  let first: CliProcess | undefined;

  before(async () => {
    csms = new DevCsms({ port: 0 });
    await csms.start();
    config = simulatorConfigCopy((d) => {
      d['ocpp'].url = `${csms.url}`;
    });
  });
  after(async () => {
    if (first && first.child.exitCode === null) first.child.kill('SIGKILL');
    await csms.stop();
    rmSync(path.dirname(config), { recursive: true, force: true });
  });

  it('exits 75 with "already running (pid N)", before any hardware, and the first one charges on untouched', async () => {
    first = new CliProcess(['run', '--config', config]);
    const port = Number((await first.waitFor(/local API on http:\/\/127\.0\.0\.1:(\d+)\//, 15000))[1]);
    await first.waitFor(/running EVSE-SIM-001/, 15000);
    const api = `http://127.0.0.1:${port}`;
    const status = async (): Promise<Status> => (await (await fetch(`${api}/api/status`)).json()) as Status;
    // A charging session in the first agent: relay closed.
    await fetch(`${api}/api/sim/evses/1/connectors/1/plug`, { method: 'POST' });
    // Statuses go only once the boot is accepted; a remote start before that is refused (B02.FR.05).
    await csms.waitFor('EVSE-SIM-001', 'StatusNotification');
    const started = await csms.requestStartTransaction('EVSE-SIM-001', { evseId: 1 });
    assert.equal((started as { status: string }).status, 'Accepted');
    const deadline = Date.now() + 15000;
    let before = await status();
    while (!before.evses[0]?.connectors[0]?.relayClosed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      before = await status();
    }
    assert.equal(before.evses[0]?.connectors[0]?.relayClosed, true, first.out);
    const txId = before.evses[0]?.transaction?.id;
    assert.ok(txId);
    const storageDir = path.join(path.dirname(config), 'var');
    const lock = JSON.parse(readFileSync(path.join(storageDir, LOCK_FILE), 'utf8')) as { pid: number };
    assert.equal(lock.pid, first.child.pid);
    const mapWritten = statSync(path.join(storageDir, 'relay-map.json')).mtimeMs;

    const second = await runProcess(['run', '--config', config], { env: { JOURNAL_STREAM: '' } });
    assert.equal(second.code, 75, second.stderr);
    assert.match(second.stderr, new RegExp(`cannot start: already running \\(pid ${first.child.pid}\\) on storage\\.dir ${storageDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    // It stopped at the lock: no hardware opened, no API, nothing written where the first one keeps its state.
    assert.doesNotMatch(second.stderr, /hardware|local API|relay/i);
    assert.equal(statSync(path.join(storageDir, 'relay-map.json')).mtimeMs, mapWritten);

    const after = await status();
    assert.equal(after.evses[0]?.connectors[0]?.relayClosed, true);
    assert.equal(after.evses[0]?.transaction?.id, txId);
    assert.doesNotMatch(first.out, /opening every relay|stopping/);

    // Once the first has stopped, the lock is gone and a new agent may start.
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.out);
    assert.throws(() => statSync(path.join(storageDir, LOCK_FILE)), /ENOENT/);
  });
});
