import assert from 'node:assert/strict';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { AppendJournal } from '../../src/store/append-journal.js';
import { diskSyncs, durableUnder } from '../../src/store/disk-sync.js';
import { COMMIT_DELAY_MS } from '../../src/store/group-commit.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// Issue 18: the journal's syncs run off the event loop, one fdatasync for every record appended
// while the one before ran (group commit), and nothing is called safe before its sync finished.

interface Rec {
  n: number;
}
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && typeof (v as Rec).n === 'number';

/** Runs `body` with every sync made `ms` slower, as on a slow SD card. */
async function withSlowDisk<T>(ms: number, body: () => Promise<T>): Promise<T> {
  const before = process.env['EVSE_EMULATED_FSYNC_MS'];
  process.env['EVSE_EMULATED_FSYNC_MS'] = String(ms);
  try {
    return await body();
  } finally {
    if (before === undefined) delete process.env['EVSE_EMULATED_FSYNC_MS'];
    else process.env['EVSE_EMULATED_FSYNC_MS'] = before;
  }
}

/** This process's descriptors open on `file` (Linux /proc). */
function descriptorsOn(file: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;
}

describe('journal group commit', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = makeTempDir('evse-group-commit');
    file = path.join(dir, 'journal.log');
  });

  it('one fdatasync covers every record appended in the same turn', async () => {
    const { journal } = AppendJournal.open(file, isRec);
    const before = diskSyncs.started;
    for (let n = 0; n < 500; n++) journal.append({ n });
    await journal.synced();
    assert.equal(diskSyncs.started - before, 1, 'syncs for 500 appends');
    journal.close();
    assert.equal(AppendJournal.open(file, isRec).records.length, 500);
  });

  it('a write nobody waits for (an answered message leaving) is synced within the commit delay, with the others of that time', async () => {
    const { journal } = AppendJournal.open(file, isRec);
    const before = diskSyncs.started;
    journal.append({ n: 1 });
    const synced = journal.synced(false);
    await new Promise((r) => setImmediate(r));
    journal.append({ n: 2 });
    assert.equal(diskSyncs.started - before, 0, 'not begun at once');
    await new Promise((r) => setTimeout(r, COMMIT_DELAY_MS * 3)); // a timer set after the commit's fires after it
    assert.equal(diskSyncs.started - before, 1, 'one sync for both, begun by the delay');
    await synced;
    journal.close();
  });

  it('an idle journal holds no file open: opened for a write, closed once its sync is done (a fleet of stations in one process)', async () => {
    const { journal } = AppendJournal.open(file, isRec);
    assert.equal(descriptorsOn(file), 0, 'not open after reading it');
    journal.append({ n: 1 });
    assert.equal(descriptorsOn(file), 1);
    await journal.synced();
    assert.equal(descriptorsOn(file), 0, 'closed once synced with nothing more to write');
    journal.append({ n: 2 });
    await journal.synced();
    journal.close();
    assert.deepEqual(AppendJournal.open(file, isRec).records, [{ n: 1 }, { n: 2 }]);
  });

  it('a record appended while a sync runs is safe only after the next sync, which covers all that came meanwhile', async () => {
    await withSlowDisk(30, async () => {
      const { journal } = AppendJournal.open(file, isRec);
      const before = diskSyncs.started;
      journal.append({ n: 1 });
      const first = journal.synced();
      await new Promise((r) => setTimeout(r, 5)); // the first sync is running now
      assert.equal(diskSyncs.started - before, 1);
      journal.append({ n: 2 });
      journal.append({ n: 3 });
      const order: string[] = [];
      const second = journal.synced().then(() => order.push('second'));
      await first.then(() => order.push('first'));
      await second;
      assert.equal(diskSyncs.started - before, 2, 'one more sync for the two records appended meanwhile');
      assert.deepEqual(order, ['first', 'second']);
      journal.close();
    });
  });

  it('the event loop runs on while a slow sync is under way', async () => {
    await withSlowDisk(100, async () => {
      const { journal } = AppendJournal.open(file, isRec);
      const events: string[] = [];
      journal.append({ n: 1 });
      const safe = journal.synced().then(() => events.push('synced'));
      await new Promise<void>((r) =>
        setTimeout(() => {
          events.push('timer');
          r();
        }, 0),
      );
      await safe;
      assert.deepEqual(events, ['timer', 'synced'], 'a timer due now fires before the 100 ms sync ends');
      journal.close();
    });
  });

  it('durableUnder waits for the writes under a folder, and only those', async () => {
    await withSlowDisk(40, async () => {
      const { journal } = AppendJournal.open(file, isRec);
      journal.append({ n: 1 });
      let synced = false;
      void journal.synced().then(() => (synced = true));
      await durableUnder(path.join(dir, 'elsewhere'));
      assert.equal(synced, false, 'nothing pending elsewhere: no wait');
      await durableUnder(dir);
      assert.equal(synced, true);
      journal.close();
    });
  });

  it('appends made while a compaction runs are carried into the new file', async () => {
    await withSlowDisk(20, async () => {
      const { journal } = AppendJournal.open(file, isRec);
      for (let n = 0; n < 50; n++) journal.append({ n });
      const compaction = journal.rewrite([{ n: 48 }, { n: 49 }]);
      journal.append({ n: 50 });
      await new Promise((r) => setTimeout(r, 25)); // the new file's first sync is done by now
      journal.append({ n: 51 });
      await compaction;
      journal.append({ n: 52 });
      await journal.synced();
      journal.close();
      assert.deepEqual(AppendJournal.open(file, isRec).records.map((r) => r.n), [48, 49, 50, 51, 52]);
      assert.equal(existsSync(`${file}.tmp`), false);
    });
  });

  it('a close during a compaction keeps the old file whole and leaves no temporary file', async () => {
    await withSlowDisk(30, async () => {
      const { journal } = AppendJournal.open(file, isRec);
      for (let n = 0; n < 10; n++) journal.append({ n });
      const compaction = journal.rewrite([{ n: 9 }]);
      journal.append({ n: 10 });
      journal.close();
      await assert.rejects(compaction, /closed while being compacted/);
      assert.deepEqual(AppendJournal.open(file, isRec).records.map((r) => r.n), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.equal(existsSync(`${file}.tmp`), false);
    });
  });
});
