import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppendJournal } from '../../src/store/append-journal.js';
import { makeTempDir } from '../helpers/temp-dir.js';

interface Rec {
  n: number;
  text?: string;
}
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && typeof (v as Rec).n === 'number';

describe('append-only journal', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = makeTempDir('evse-journal');
    file = path.join(dir, 'journal.log');
  });

  it('keeps every appended record across reopening, in order, file mode 600', () => {
    const { journal, records, damage } = AppendJournal.open(file, isRec);
    assert.deepEqual(records, []);
    assert.deepEqual(damage, []);
    journal.append({ n: 1 });
    journal.append({ n: 2, text: 'ünïcödé\nnewline' }, { n: 3 });
    journal.close();
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const again = AppendJournal.open(file, isRec);
    assert.deepEqual(again.records, [{ n: 1 }, { n: 2, text: 'ünïcödé\nnewline' }, { n: 3 }]);
    assert.deepEqual(again.damage, []);
    assert.equal(again.journal.bytes, statSync(file).size);
    again.journal.close();
  });

  it('skips a torn last record, keeps the rest, keeps the damaged file aside and appends cleanly after', () => {
    const { journal } = AppendJournal.open(file, isRec);
    journal.append({ n: 1 }, { n: 2 });
    journal.close();
    const whole = readFileSync(file, 'utf8');
    // A power cut in the middle of the third record.
    appendFileSync(file, '0badc0de {"n":3,"te');
    const opened = AppendJournal.open(file, isRec);
    assert.deepEqual(opened.records, [{ n: 1 }, { n: 2 }]);
    assert.equal(opened.damage.length, 1);
    assert.match(opened.damage[0]!.reason, /torn record/);
    assert.ok(opened.damagedCopy && existsSync(opened.damagedCopy));
    assert.equal(readFileSync(file, 'utf8'), whole, 'the journal is back to its intact records');
    opened.journal.append({ n: 4 });
    opened.journal.close();
    assert.deepEqual(AppendJournal.open(file, isRec).records, [{ n: 1 }, { n: 2 }, { n: 4 }]);
  });

  it('skips records whose checksum does not match, and garbage, anywhere in the file', () => {
    const { journal } = AppendJournal.open(file, isRec);
    journal.append({ n: 1 }, { n: 2 }, { n: 3 });
    journal.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"n":2', '"n":7'); // a flipped bit: the checksum no longer fits
    writeFileSync(file, `${lines.join('\n')}\u0000\u0000garbage\nmore garbage without end`);
    const opened = AppendJournal.open(file, isRec);
    assert.deepEqual(opened.records, [{ n: 1 }, { n: 3 }]);
    assert.deepEqual(
      opened.damage.map((d) => d.reason),
      ['checksum mismatch', 'not a journal record', 'torn record (24 bytes without an end)'],
    );
    opened.journal.close();
  });

  it('refuses records of another shape, without failing', () => {
    writeFileSync(file, '');
    const { journal } = AppendJournal.open(file, (v: unknown): v is { other: true } => typeof v === 'object' && v !== null && 'other' in v);
    journal.append({ other: true });
    journal.close();
    const opened = AppendJournal.open(file, isRec);
    assert.deepEqual(opened.records, []);
    assert.equal(opened.damage[0]?.reason, 'not a record this journal holds');
    opened.journal.close();
  });

  it('compacts atomically to the records given', async () => {
    const { journal } = AppendJournal.open(file, isRec);
    for (let n = 0; n < 100; n++) journal.append({ n });
    const before = journal.bytes;
    await journal.rewrite([{ n: 98 }, { n: 99 }]);
    assert.ok(journal.bytes < before / 10);
    journal.append({ n: 100 });
    journal.close();
    assert.deepEqual(AppendJournal.open(file, isRec).records, [{ n: 98 }, { n: 99 }, { n: 100 }]);
    assert.equal(existsSync(`${file}.tmp`), false);
  });

  it('throws on a full disk, leaving no half record behind', () => {
    // /dev/full answers every write with ENOSPC, as a full SD card does.
    symlinkSync('/dev/full', file);
    const { journal } = AppendJournal.open(file, isRec);
    assert.throws(() => journal.append({ n: 1 }), (err: NodeJS.ErrnoException) => err.code === 'ENOSPC');
    assert.equal(journal.bytes, 0);
    journal.close();
  });
});
