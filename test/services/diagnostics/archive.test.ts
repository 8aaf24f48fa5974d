import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Secret } from '../../../src/config/station-config.js';
import { AgentLogFile } from '../../../src/services/diagnostics/agent-log.js';
import { ARCHIVE_MEMBERS, diagnosticsArchive, type DiagnosticsSources } from '../../../src/services/diagnostics/archive.js';
import { FrameRing } from '../../../src/services/diagnostics/frame-ring.js';
import { SecurityLog } from '../../../src/store/security-log.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { jsonLinesOf, unpack } from './unpack.js';

/** The diagnostics archive: its members, the window, no secret in it, and streamed. */

const START = Date.UTC(2026, 11, 2, 10, 0, 0);
const MINUTE = 60_000;
const PASSWORD = 'Basic-Auth-Pw-0042';
const TOKEN = 'api-token-7731';
const FTP_PASSWORD = 'ftp-pw-9918';

function sources(dir: string): DiagnosticsSources {
  let t = START;
  const agentLog = new AgentLogFile(dir, { now: () => new Date((t += MINUTE)) });
  for (let i = 1; i <= 10; i++) agentLog.record('info', `minute ${i}`);
  agentLog.record('notice', `connecting to ws://cp1:${PASSWORD}@csms.example.com/ocpp`);
  agentLog.close();
  const security = new SecurityLog(dir);
  for (let i = 1; i <= 5; i++) security.append({ timestamp: new Date(START + i * MINUTE).toISOString(), type: i === 3 ? 'InvalidCsmsCertificate' : 'StartupOfTheDevice' });
  let ft = START;
  const ring = new FrameRing({ now: () => new Date((ft += MINUTE)) });
  ring.record('in', JSON.stringify([2, 'a', 'SetVariables', { setVariableData: [{ attributeValue: PASSWORD, component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } }] }]));
  ring.record('out', JSON.stringify([3, 'a', { setVariableResult: [{ attributeStatus: 'Accepted', component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } }] }]));
  ring.record('in', JSON.stringify([2, 'b', 'GetLog', { logType: 'DiagnosticsLog', requestId: 7, log: { remoteLocation: `ftp://tech:${FTP_PASSWORD}@logs.example.com/` } }]));
  return {
    logDir: dir,
    securityLogDir: dir,
    frames: () => ring.frames(),
    config: () => ({ ocpp: { url: 'wss://csms.example.com/ocpp', identity: 'cp1', password: new Secret(PASSWORD) }, api: { token: new Secret(TOKEN) } }),
    status: () => ({ evses: [{ id: 1, state: 'Available' }] }),
    deviceModelReport: () => [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, variableAttribute: [{ type: 'Actual', value: PASSWORD }] }],
    counters: () => ({ meters: { evse1: { timeouts: 2, crcErrors: 0 } } }),
    now: () => new Date(START + 60 * MINUTE),
  };
}

describe('diagnostics archive', () => {
  it('DiagnosticsLog: every member, the agent log and frames cut to the window, no secret anywhere', async () => {
    const dir = makeTempDir('diag-archive');
    const members = await unpack(diagnosticsArchive(sources(dir), { kind: 'DiagnosticsLog', from: new Date(START + 2 * MINUTE), to: new Date(START + 4 * MINUTE) }));
    assert.deepEqual([...members.keys()], ['agent.log', 'ocpp-frames.jsonl', 'config.json', 'status.json', 'device-model.json', 'counters.json']);
    assert.deepEqual(jsonLinesOf(members.get(ARCHIVE_MEMBERS.agentLog)).map((r) => (r as { message: string }).message), ['minute 2', 'minute 3', 'minute 4']);
    const frames = jsonLinesOf(members.get(ARCHIVE_MEMBERS.frames)) as { direction: string; text: string }[];
    assert.deepEqual(frames.map((f) => f.direction), ['out', 'in']);
    const config = JSON.parse(members.get(ARCHIVE_MEMBERS.config)?.toString('utf8') ?? '') as { ocpp: { identity: string; password: string } };
    assert.equal(config.ocpp.identity, 'cp1');
    assert.match(config.ocpp.password, /^\*+$/);
    assert.deepEqual(JSON.parse(members.get(ARCHIVE_MEMBERS.counters)?.toString('utf8') ?? ''), { meters: { evse1: { timeouts: 2, crcErrors: 0 } } });
    assert.equal((JSON.parse(members.get(ARCHIVE_MEMBERS.status)?.toString('utf8') ?? '') as { evses: unknown[] }).evses.length, 1);

    const whole = await unpack(diagnosticsArchive(sources(makeTempDir('diag-archive')), { kind: 'DiagnosticsLog' }));
    assert.equal(jsonLinesOf(whole.get(ARCHIVE_MEMBERS.agentLog)).length, 11);
    assert.equal(jsonLinesOf(whole.get(ARCHIVE_MEMBERS.frames)).length, 3);
    const bytes = Buffer.concat([...whole.values()]).toString('utf8');
    for (const secret of [PASSWORD, TOKEN, FTP_PASSWORD]) assert.ok(!bytes.includes(secret), `${secret} is in the archive`);
    assert.ok(bytes.includes('logs.example.com'), 'the masked frame is there');
  });

  it('SecurityLog: only the security events in the window', async () => {
    const dir = makeTempDir('diag-archive');
    const members = await unpack(diagnosticsArchive(sources(dir), { kind: 'SecurityLog', from: new Date(START + 2 * MINUTE), to: new Date(START + 3 * MINUTE) }));
    assert.deepEqual([...members.keys()], ['security.log']);
    assert.deepEqual(jsonLinesOf(members.get(ARCHIVE_MEMBERS.securityLog)).map((e) => (e as { type: string }).type), ['StartupOfTheDevice', 'InvalidCsmsCertificate']);
  });

  it('leaves out device-model.json when there is no report, and writes a failing source as its error', async () => {
    const dir = makeTempDir('diag-archive');
    const s = { ...sources(dir), deviceModelReport: undefined, status: () => { throw new Error('not started'); } };
    const members = await unpack(diagnosticsArchive(s, { kind: 'DiagnosticsLog' }));
    assert.ok(!members.has(ARCHIVE_MEMBERS.deviceModel));
    assert.deepEqual(JSON.parse(members.get(ARCHIVE_MEMBERS.status)?.toString('utf8') ?? ''), { error: 'not started' });
  });

  it('stays a whole archive when the log changes between its two reads (journal fake)', async () => {
    const dir = makeTempDir('diag-archive');
    const counter = path.join(dir, 'calls');
    writeFileSync(counter, '');
    const journalctl = path.join(dir, 'journalctl');
    const entry = (s: number, message: string): string => JSON.stringify({ __REALTIME_TIMESTAMP: String((START + s * 1000) * 1000), PRIORITY: '6', MESSAGE: message });
    // First call (counting): three entries; second (sending): two, a rotation took the oldest.
    writeFileSync(journalctl, `#!/bin/sh\necho x >> '${counter}'\nif [ "$(wc -l < '${counter}')" -eq 1 ]; then echo '${entry(1, 'one')}'; fi\necho '${entry(2, 'two')}'\necho '${entry(3, 'three')}'\n`);
    chmodSync(journalctl, 0o755);
    const s = { ...sources(dir), journal: { unit: 'evse-agent.service', journalctl } };
    const members = await unpack(diagnosticsArchive(s, { kind: 'DiagnosticsLog' }));
    assert.deepEqual(jsonLinesOf(members.get(ARCHIVE_MEMBERS.agentLog)).map((r) => (r as { message: string }).message), ['two', 'three']);
    assert.ok(members.has(ARCHIVE_MEMBERS.counters), 'the members after it are whole');
  });

  it('stops reading its sources when the reader gives up (journalctl stopped)', async () => {
    const dir = makeTempDir('diag-archive');
    const pidFile = path.join(dir, 'pid');
    const journalctl = path.join(dir, 'journalctl');
    const line = JSON.stringify({ __REALTIME_TIMESTAMP: String(START * 1000 + 1000), PRIORITY: '6', MESSAGE: 'again and again' });
    // A journal without end: only giving up ends its reading.
    writeFileSync(journalctl, `#!/bin/sh\necho $$ > '${pidFile}'\nwhile true; do echo '${line}'; done\n`);
    chmodSync(journalctl, 0o755);
    const archive = diagnosticsArchive({ ...sources(dir), journal: { unit: 'evse-agent.service', journalctl } }, { kind: 'DiagnosticsLog' });
    archive.on('error', () => undefined);
    archive.resume();
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') await new Promise((resolve) => setTimeout(resolve, 20));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    archive.destroy();
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && alive(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(alive(), false, 'journalctl still runs');
  });

  it('streams a big log: a reader that waits holds the reading back', async function () {
    this.timeout(30_000);
    const dir = makeTempDir('diag-archive');
    let t = START;
    const log = new AgentLogFile(dir, { maxBytes: 4 * 1024 * 1024, keepRotated: 2, now: () => new Date((t += 1)) });
    // Random text: gzip cannot shrink the log to nothing, so holding it would show.
    const noise = randomBytes(3 * 1024 * 1024).toString('base64');
    let records = 0;
    for (let offset = 0; offset + 400 <= noise.length; offset += 400, records += 1) log.record('debug', noise.slice(offset, offset + 400));
    log.close();
    const archive = diagnosticsArchive({ ...sources(makeTempDir('diag-archive')), logDir: dir, now: () => new Date(t + 1) }, { kind: 'DiagnosticsLog' });
    archive.pause();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(archive.readableLength < 512 * 1024, `${archive.readableLength} bytes made ahead of the reader`);
    const members = await unpack(archive);
    const lines = jsonLinesOf(members.get(ARCHIVE_MEMBERS.agentLog));
    assert.equal(lines.length, records);
  });
});
