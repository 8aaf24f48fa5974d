import assert from 'node:assert/strict';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CodeCache, cachedScripts } from '../../src/process/code-cache.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Issue 18: V8's code cache for the shipped bundle (src/process/code-cache.ts). Scripts under the
 * root are compiled with their cached code when the file still is what the entry was made from,
 * from source otherwise; the cache is written atomically and keeps what it does not replace.
 */

const requireHere = createRequire(import.meta.url);

describe('code cache: CommonJS compiled from V8\'s cached code', () => {
  let undo: (() => void) | undefined;
  afterEach(() => {
    undo?.();
    undo = undefined;
  });

  /** A fresh require of `file` and what it requires (none from require.cache) through `cache`. */
  function load(cache: CodeCache, file: string): unknown {
    undo = cache.install();
    for (const loaded of Object.keys(requireHere.cache)) if (loaded.startsWith(path.dirname(path.dirname(file)))) delete requireHere.cache[loaded];
    try {
      return requireHere(file);
    } finally {
      undo();
      undo = undefined;
    }
  }

  function fixture(): { root: string; cacheFile: string; script: string } {
    const root = makeTempDir('evse-code-cache');
    const script = path.join(root, 'lib', 'answer.cjs');
    writeFileSync(path.join(root, 'helper.cjs'), 'module.exports = (x) => x * 2;\n');
    requireHere('node:fs').mkdirSync(path.dirname(script));
    writeFileSync(script, "#!/usr/bin/env node\nconst double = require('../helper.cjs');\nmodule.exports = { answer: double(21), dir: __dirname, file: __filename, strict: (function () { return this; })() === undefined };\n");
    return { root, cacheFile: path.join(root, 'code-cache.bin'), script };
  }

  it('compiles from source without an entry, then from the cache once written; the module sees what Node gives it', () => {
    const { root, cacheFile, script } = fixture();
    const first = CodeCache.open(cacheFile, root);
    assert.deepEqual(load(first, script), { answer: 42, dir: path.dirname(script), file: script, strict: false });
    assert.deepEqual(first.stats, { hits: 0, misses: 2, unusable: 0 });
    assert.equal(first.stale, true);
    first.write();
    assert.equal(first.stale, false);
    assert.deepEqual(cachedScripts(cacheFile).sort(), ['helper.cjs', path.join('lib', 'answer.cjs')]);

    const second = CodeCache.open(cacheFile, root);
    assert.deepEqual(load(second, script), { answer: 42, dir: path.dirname(script), file: script, strict: false });
    assert.deepEqual(second.stats, { hits: 2, misses: 0, unusable: 0 });
    assert.equal(second.stale, false);
  });

  it('a script changed since its entry was made is compiled from its new source, never from the old code', () => {
    const { root, cacheFile, script } = fixture();
    const first = CodeCache.open(cacheFile, root);
    load(first, script);
    first.write();
    // Same length, so V8's own check (the source's length) would take the old code.
    writeFileSync(script, readFileSync(script, 'utf8').replace('double(21)', 'double(12)'));
    utimesSync(script, new Date(), new Date(Date.now() + 5000));
    const second = CodeCache.open(cacheFile, root);
    assert.equal((load(second, script) as { answer: number }).answer, 24);
    assert.deepEqual(second.stats, { hits: 1, misses: 0, unusable: 1 });
    assert.equal(second.stale, true, 'written again at exit');
  });

  it('keeps the entries of scripts it did not load when it writes', () => {
    const { root, cacheFile, script } = fixture();
    const first = CodeCache.open(cacheFile, root);
    load(first, script);
    first.write();
    const other = path.join(root, 'other.cjs');
    writeFileSync(other, 'module.exports = 7;\n');
    const second = CodeCache.open(cacheFile, root);
    assert.equal(load(second, other), 7);
    // A script without an entry is no reason to write at exit: the build's warm-up decides what is cached.
    assert.deepEqual([second.stats, second.stale], [{ hits: 0, misses: 1, unusable: 0 }, false]);
    second.write();
    assert.deepEqual(cachedScripts(cacheFile).sort(), ['helper.cjs', path.join('lib', 'answer.cjs'), 'other.cjs']);
    const third = CodeCache.open(cacheFile, root);
    load(third, script);
    assert.deepEqual(third.stats, { hits: 2, misses: 0, unusable: 0 });
  });

  it('a damaged or foreign cache file is no cache: the scripts load from source', () => {
    const { root, cacheFile, script } = fixture();
    writeFileSync(cacheFile, 'not a cache at all');
    const cache = CodeCache.open(cacheFile, root);
    assert.deepEqual(cache.scripts, []);
    assert.equal((load(cache, script) as { answer: number }).answer, 42);
    assert.deepEqual([cache.stats, cache.stale], [{ hits: 0, misses: 2, unusable: 0 }, true]);
  });

  it('leaves to Node the scripts outside its root and those that call import()', () => {
    const { root, cacheFile } = fixture();
    const dynamic = path.join(root, 'dynamic.cjs');
    writeFileSync(dynamic, "module.exports = () => import('node:path');\n");
    const cache = CodeCache.open(cacheFile, path.join(root, 'elsewhere'));
    load(cache, path.join(root, 'helper.cjs'));
    const inside = CodeCache.open(cacheFile, root);
    load(inside, dynamic);
    assert.deepEqual([cache.stats, inside.stats], [{ hits: 0, misses: 0, unusable: 0 }, { hits: 0, misses: 0, unusable: 0 }]);
  });
});
