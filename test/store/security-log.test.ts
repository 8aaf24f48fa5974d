import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SECURITY_LOG_FILE, SecurityLog } from '../../src/store/security-log.js';

describe('security log (A04.FR.04)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evse-security-log-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('one JSON line per event (timestamp, type, techInfo), mode 600, read back in order, across reopening', () => {
    const log = new SecurityLog(dir);
    log.append({ timestamp: '2026-01-01T00:00:00.000Z', type: 'StartupOfTheDevice', techInfo: 'the machine started' });
    log.append({ timestamp: '2026-01-01T00:01:00.000Z', type: 'ResetOrReboot', techInfo: 'two\nlines' });
    log.append({ timestamp: '2026-01-01T00:02:00.000Z', type: 'InvalidMessages' });
    const file = path.join(dir, SECURITY_LOG_FILE);
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.length, 4, 'three lines and the final newline');
    assert.deepEqual(JSON.parse(lines[0]!), { timestamp: '2026-01-01T00:00:00.000Z', type: 'StartupOfTheDevice', techInfo: 'the machine started' });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(
      new SecurityLog(dir).entries().map((e) => [e.type, e.techInfo]),
      [
        ['StartupOfTheDevice', 'the machine started'],
        ['ResetOrReboot', 'two\nlines'],
        ['InvalidMessages', undefined],
      ],
    );
  });

  it('rolls over: past maxBytes the file becomes .1, older ones move up, at most keepRotated kept; never more than (keep + 1) x maxBytes', () => {
    const log = new SecurityLog(dir, { maxBytes: 300, keepRotated: 2 });
    for (let i = 0; i < 40; i++) log.append({ timestamp: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), type: 'ResetOrReboot', techInfo: `restart ${i}` });
    assert.deepEqual(readdirSync(dir).sort(), [SECURITY_LOG_FILE, `${SECURITY_LOG_FILE}.1`, `${SECURITY_LOG_FILE}.2`]);
    for (const f of log.files()) assert.ok(statSync(f).size <= 300, `${f} is ${statSync(f).size} bytes`);
    const kept = log.entries().map((e) => e.techInfo);
    // The newest are kept, oldest first, with no gap: only the oldest fell off.
    assert.equal(kept.at(-1), 'restart 39');
    const first = Number(kept[0]!.split(' ')[1]);
    assert.ok(first > 0, 'the oldest were dropped');
    assert.deepEqual(
      kept,
      Array.from({ length: 40 - first }, (_, i) => `restart ${first + i}`),
    );
    assert.deepEqual(
      log.files().map((f) => path.basename(f)),
      [`${SECURITY_LOG_FILE}.2`, `${SECURITY_LOG_FILE}.1`, SECURITY_LOG_FILE],
    );
  });

  it('a line torn by a power cut is skipped; the next event starts on a line of its own', () => {
    const log = new SecurityLog(dir);
    log.append({ timestamp: '2026-01-01T00:00:00.000Z', type: 'StartupOfTheDevice' });
    appendFileSync(path.join(dir, SECURITY_LOG_FILE), '{"timestamp":"2026-01-01T00:0\n');
    log.append({ timestamp: '2026-01-01T00:02:00.000Z', type: 'ResetOrReboot' });
    assert.deepEqual(
      log.entries().map((e) => e.type),
      ['StartupOfTheDevice', 'ResetOrReboot'],
    );
  });
});
