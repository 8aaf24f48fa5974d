import assert from 'node:assert/strict';
import { Secret } from '../../src/config/station-config.js';
import { createLogger } from '../../src/process/logger.js';

/** The log as journald reads it: one line per event, its syslog priority first, at the configured level. */
describe('logging for journald', () => {
  const capture = (): { lines: string[]; sink: { write(line: string): void } } => {
    const lines: string[] = [];
    return { lines, sink: { write: (line: string) => void lines.push(line) } };
  };

  it('prefixes each line with its syslog priority (<3> error .. <7> debug), so journalctl -p works', () => {
    const { lines, sink } = capture();
    const log = createLogger('debug', sink, true);
    log.error('e');
    log.warning('w');
    log.notice('n');
    log.info('i');
    log.debug('d');
    assert.deepEqual(lines, ['<3>e\n', '<4>w\n', '<5>n\n', '<6>i\n', '<7>d\n']);
  });

  it('drops what is less severe than log.level', () => {
    const { lines, sink } = capture();
    const log = createLogger('warning', sink, true);
    log.info('not shown');
    log.notice('not shown either');
    log.warning('shown');
    log.error('shown too');
    assert.deepEqual(lines, ['<4>shown\n', '<3>shown too\n']);
  });

  it('keeps one event on one line, with the scope of a child logger', () => {
    const { lines, sink } = capture();
    createLogger('info', sink, true).child('ocpp').child('rpc').warning('first line\nsecond line\r\nthird');
    assert.deepEqual(lines, ['<4>ocpp: rpc: first line | second line | third\n']);
  });

  it('never prints a secret', () => {
    const { lines, sink } = capture();
    const secret = new Secret('SuperSecretPassword-123');
    createLogger('info', sink, true).info(`connecting with password ${secret} and ${JSON.stringify({ password: secret })}`);
    assert.equal(lines.length, 1);
    assert.doesNotMatch(lines[0]!, /SuperSecret/);
  });

  it('on a terminal (no JOURNAL_STREAM): a time and the level name instead of the priority', () => {
    const { lines, sink } = capture();
    createLogger('info', sink, false).warning('w');
    assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARNING w\n$/);
  });
});
