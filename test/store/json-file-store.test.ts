import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { JsonFileStore } from '../../src/store/json-file-store.js';
import { durableUnder } from '../../src/store/disk-sync.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// Issue 18: JSON state is written without holding the event loop, and still survives kill -9 from
// the moment write() returns (its pending file), and a power cut once it is in place.

describe('JSON state files written behind', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('evse-json-store');
  });

  it('write() returns with the value in a pending file; it is in place, and the pending file gone, once on disk', async () => {
    const store = new JsonFileStore(dir);
    store.write('settings', { a: 1 });
    const pending = readdirSync(dir).filter((f) => f.endsWith('.pending'));
    assert.equal(pending.length, 1, 'the value is on a file at once (kill -9 keeps it)');
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, pending[0]!), 'utf8')), { a: 1 });
    assert.deepEqual(store.read('settings'), { a: 1 }, 'read sees it at once');
    await store.written();
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'settings.json'), 'utf8')), { a: 1 });
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.pending')), []);
  });

  it('quick writes of one file end in its last value, with no pending file left', async () => {
    const store = new JsonFileStore(dir);
    for (let n = 0; n < 20; n++) store.write('counter', { n });
    await durableUnder(dir);
    assert.deepEqual(new JsonFileStore(dir).read('counter'), { n: 19 });
    assert.deepEqual(readdirSync(dir).sort(), ['counter.json']);
  });

  it('after a crash, the newest pending file that parses wins over the file, and is put in place', async () => {
    writeFileSync(path.join(dir, 'monitors.json'), JSON.stringify({ v: 'old' }));
    writeFileSync(path.join(dir, 'monitors.json.7.pending'), JSON.stringify({ v: 'newer' }));
    // A power cut tore the newest one: it is not taken.
    writeFileSync(path.join(dir, 'monitors.json.8.pending'), '{"v": "newe');
    const store = new JsonFileStore(dir);
    assert.deepEqual(store.read('monitors'), { v: 'newer' });
    await store.written();
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'monitors.json'), 'utf8')), { v: 'newer' });
    assert.deepEqual(readdirSync(dir).sort(), ['monitors.json'], 'the pending files are gone');
    // A write after it is newer than what the crash left.
    store.write('monitors', { v: 'newest' });
    await store.written();
    assert.deepEqual(new JsonFileStore(dir).read('monitors'), { v: 'newest' });
  });

  it('a folder that cannot be written keeps the value in memory and says so once per write', () => {
    const lines: string[] = [];
    const file = path.join(dir, 'not-a-folder');
    writeFileSync(file, '');
    const store = new JsonFileStore(file, (m) => lines.push(m));
    store.write('x', { v: 1 });
    assert.deepEqual(store.read('x'), { v: 1 });
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /cannot write .*x\.json.*kept in memory/);
    assert.equal(existsSync(path.join(file, 'x.json')), false);
  });
});
