import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AgentLogFile, agentLogRecords, type AgentLogRecord } from '../../../src/services/diagnostics/agent-log.js';
import { silentLogger, teeLogger } from '../../../src/process/logger.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/** The agent's own log: bounded on disk, read back by time window, from the journal under systemd. */

const START = Date.UTC(2026, 11, 2, 10, 0, 0);

async function collect(records: AsyncIterable<AgentLogRecord>): Promise<AgentLogRecord[]> {
  const all: AgentLogRecord[] = [];
  for await (const r of records) all.push(r);
  return all;
}

describe('diagnostics agent log', () => {
  it('rotates: never more than (keepRotated + 1) x maxBytes, the newest records kept', async () => {
    const dir = makeTempDir('agent-log');
    let t = START;
    const log = new AgentLogFile(dir, { maxBytes: 4096, keepRotated: 2, now: () => new Date((t += 1000)) });
    for (let i = 0; i < 2000; i++) log.record('info', `record ${i} ${'x'.repeat(40)}`);
    log.close();
    const files = log.files();
    assert.deepEqual(files.map((f) => path.basename(f)), ['agent.log.2', 'agent.log.1', 'agent.log']);
    const total = files.reduce((sum, f) => sum + statSync(f).size, 0);
    assert.ok(total <= 3 * 4096, `${total} bytes`);
    const kept = await collect(log.readWindow());
    assert.equal(kept.at(-1)?.message.startsWith('record 1999 '), true);
    assert.ok(kept.length > 50 && kept.length < 2000);
    // Oldest first, across the files.
    assert.ok(kept.every((r, i) => i === 0 || Date.parse(r.time) > Date.parse(kept[i - 1]?.time ?? '')));
  });

  it('reads back the records in a window, either end open', async () => {
    const dir = makeTempDir('agent-log');
    let t = START;
    const log = new AgentLogFile(dir, { now: () => new Date((t += 60_000)) });
    for (let i = 1; i <= 10; i++) log.record(i % 2 ? 'info' : 'warning', `minute ${i}`);
    const inside = await collect(log.readWindow(new Date(START + 3 * 60_000), new Date(START + 5 * 60_000)));
    assert.deepEqual(inside.map((r) => r.message), ['minute 3', 'minute 4', 'minute 5']);
    assert.equal(inside[1]?.level, 'warning');
    assert.deepEqual((await collect(log.readWindow(new Date(START + 9 * 60_000)))).map((r) => r.message), ['minute 9', 'minute 10']);
    assert.equal((await collect(log.readWindow(undefined, new Date(START + 2 * 60_000)))).length, 2);
  });

  it('is fed by a tee of the logger, at its level, with the scope', async () => {
    const dir = makeTempDir('agent-log');
    const file = new AgentLogFile(dir);
    const log = teeLogger(silentLogger, (level, message) => file.record(level, message), 'info').child('ocpp');
    log.debug('too chatty');
    log.warning('connection lost (1006)');
    const records = await collect(file.readWindow());
    assert.deepEqual(records.map((r) => [r.level, r.message]), [['warning', 'ocpp: connection lost (1006)']]);
  });

  it('under systemd reads the unit\'s journal (journalctl --output=json), and the file when it has nothing', async () => {
    const dir = makeTempDir('agent-log');
    const argsFile = path.join(dir, 'args');
    const journalctl = path.join(dir, 'journalctl');
    const entry = (s: number, priority: number, message: string | number[]): string =>
      JSON.stringify({ __REALTIME_TIMESTAMP: String((START + s * 1000) * 1000), PRIORITY: String(priority), MESSAGE: message, _SYSTEMD_UNIT: 'evse-agent.service' });
    writeFileSync(
      journalctl,
      `#!/bin/sh\necho "$@" > '${argsFile}'\ncat <<'END'\n${entry(10, 6, 'started')}\n${entry(20, 3, [104, 105])}\nnot json\nEND\n`,
    );
    chmodSync(journalctl, 0o755);
    const file = new AgentLogFile(dir, { now: () => new Date(START) });
    file.record('info', 'from the file');
    const from = new Date(START + 5000);
    const to = new Date(START + 30_000);
    const journal = await collect(agentLogRecords(file, { unit: 'evse-agent.service', journalctl }, from, to));
    assert.deepEqual(journal.map((r) => [r.time, r.level, r.message]), [
      [new Date(START + 10_000).toISOString(), 'info', 'started'],
      [new Date(START + 20_000).toISOString(), 'error', 'hi'],
    ]);
    const args = readFileSync(argsFile, 'utf8').trim().split(' ');
    assert.ok(args.includes('--unit=evse-agent.service') && args.includes('--output=json'));
    assert.ok(args.includes(`--since=@${(START + 5000) / 1000}`) && args.includes(`--until=@${(START + 30_000) / 1000}`));
    const fallback = await collect(agentLogRecords(file, { unit: 'evse-agent.service', journalctl: path.join(dir, 'no-such-journalctl') }));
    assert.deepEqual(fallback.map((r) => r.message), ['from the file']);
    // A journal with nothing (not allowed to read it, emptied by a reboot): the file too.
    const empty = await collect(agentLogRecords(file, { unit: 'evse-agent.service', journalctl: 'true' }));
    assert.deepEqual(empty.map((r) => r.message), ['from the file']);
  });

  it('never throws when the disk refuses a record', () => {
    const dir = makeTempDir('agent-log');
    const file = new AgentLogFile(dir);
    // agent.log a folder: opening it to append fails (EISDIR), for root too.
    mkdirSync(file.file);
    assert.doesNotThrow(() => file.record('error', 'lost'));
    assert.equal(file.dropped, 1);
  });
});
