import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DOCUMENT_SCHEMA_NAMES, loadDocumentValidator, type DocumentSchemaName } from '../../src/util/document-schemas.js';
import { SchemaChecker, type Problem } from '../../src/util/json-schema.js';
import { builtValidatorsForTest } from '../helpers/built-validators.js';
import { repoRoot } from '../helpers/cli.js';

// The build compiles our documents' schemas (config, meter and pilot profiles) to standalone code
// (tools/build-validators.ts); built code checks documents with it, code run from source compiles
// the schemas. An installer must read the same problems either way (JSON path, what was expected,
// what was found), and the document must come out with the same defaults filled in.

const jsonFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json') && f !== 'expected.json')
    .sort()
    .map((f) => path.join(dir, f));

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

type CheckResult = { ok: true; value: unknown } | { ok: false; problems: Problem[] };

describe('precompiled document validators (ajv standalone code from the build)', function () {
  this.timeout(60_000);
  let checkers: Map<DocumentSchemaName, { compiled: SchemaChecker<unknown>; precompiled: SchemaChecker<unknown> }>;
  before(() => {
    const validatorsDir = builtValidatorsForTest();
    checkers = new Map();
    for (const name of DOCUMENT_SCHEMA_NAMES) {
      const compiled = loadDocumentValidator(name, undefined);
      const precompiled = loadDocumentValidator(name, validatorsDir);
      assert.equal(compiled.precompiled, false, name);
      assert.equal(precompiled.precompiled, true, `${name}: the build wrote its module`);
      checkers.set(name, { compiled: new SchemaChecker(compiled.validate), precompiled: new SchemaChecker(precompiled.validate) });
    }
  });

  /** Checks a copy of doc with both; asserts they agree and returns the result. */
  function bothAgree(name: DocumentSchemaName, doc: unknown, what: string): CheckResult {
    const pair = checkers.get(name)!;
    const expected = pair.compiled.check(structuredClone(doc));
    assert.deepEqual(pair.precompiled.check(structuredClone(doc)), expected, what);
    return expected;
  }

  it('config: the shipped configs and the bad-config corpus give the same problems and defaults', () => {
    let filled = 0;
    for (const file of jsonFiles(path.join(repoRoot, 'config'))) {
      const doc = readJson(file);
      const result = bothAgree('config', doc, file);
      assert.ok(result.ok, `${file} is valid`);
      if (JSON.stringify(result.value) !== JSON.stringify(doc)) filled++;
    }
    assert.ok(filled > 0, 'defaults were filled in');
    let rejected = 0;
    for (const file of jsonFiles(path.join(repoRoot, 'test', 'config', 'bad'))) {
      let doc: unknown;
      try {
        doc = readJson(file);
      } catch {
        continue; // a syntax error: the schema is never reached
      }
      if (!bothAgree('config', doc, file).ok) rejected++;
    }
    assert.ok(rejected >= 10, `${rejected} of the corpus fail the schema itself`);
  });

  it('config: broken documents (missing, wrong type, bad enum, unknown key, a secret) give the same problems', () => {
    const simulator = readJson(path.join(repoRoot, 'config', 'simulator.json')) as Record<string, Record<string, unknown>>;
    const broken: Array<[string, unknown]> = [
      ['nothing', {}],
      ['not an object', []],
      ['ocpp missing', { ...simulator, ocpp: undefined }],
      ['ocpp a string', { ...simulator, ocpp: 'ws://x' }],
      ['ocpp version not allowed', { ...simulator, ocpp: { ...simulator['ocpp'], version: '1.5' } }],
      ['a typo of a key', { ...simulator, ocppp: {} }],
      ['a typo of the password key', { ...simulator, ocpp: { ...simulator['ocpp'], pasword: 'hunter2-hunter2' } }],
      ['a password of a wrong type', { ...simulator, ocpp: { ...simulator['ocpp'], password: 42 } }],
      ['several at once', { station: 7, meter: null, evses: 'all', gpio: [] }],
    ];
    for (const [what, doc] of broken) {
      const result = bothAgree('config', JSON.parse(JSON.stringify(doc)) as unknown, what);
      assert.equal(result.ok, false, `${what} is rejected`);
    }
  });

  it('meter and pilot profiles: the shipped ones and broken copies give the same problems and defaults', () => {
    for (const [name, dir] of [['meter-profile', 'meters'], ['pilot-profile', 'pilots']] as const) {
      for (const file of jsonFiles(path.join(repoRoot, 'hardware', dir))) {
        const doc = readJson(file) as Record<string, unknown>;
        assert.ok(bothAgree(name, doc, file).ok, `${file} is valid`);
        const withoutId = { ...doc, id: undefined };
        for (const [what, copy] of [
          ['without id', JSON.parse(JSON.stringify(withoutId)) as unknown],
          ['id a number', { ...doc, id: 3 }],
          ['an unknown key', { ...doc, modle: 'x' }],
        ] as const) {
          assert.equal(bothAgree(name, copy, `${file} ${what}`).ok, false, `${file} ${what} is rejected`);
        }
      }
    }
  });
});
