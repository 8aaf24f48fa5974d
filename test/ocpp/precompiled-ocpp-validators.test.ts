import assert from 'node:assert/strict';
import type { OcppVersion } from '../../src/config/station-config.js';
import { MESSAGE_KINDS, prepareSchema, versionActions } from '../../src/ocpp/rpc/ocpp-schema-files.js';
import { OcppSchemas } from '../../src/ocpp/rpc/ocpp-schemas.js';
import { builtValidatorsForTest } from '../helpers/built-validators.js';
import { brokenSamples, validSample } from './schema-samples.js';

// The build compiles every OCPP schema to standalone code (tools/build-validators.ts); built code
// validates with it, code run from source compiles the schemas. A station must answer the same
// either way: same verdict, same CALLERROR code and description.

const VERSIONS: readonly OcppVersion[] = ['2.0.1', '1.6'];

describe('precompiled OCPP validators (ajv standalone code from the build)', function () {
  this.timeout(60_000);
  let validatorsDir: string;
  before(() => {
    validatorsDir = builtValidatorsForTest();
  });

  for (const version of VERSIONS) {
    it(`${version}: every action's request and response gives the same result as the schema compiled at run time`, () => {
      const compiled = OcppSchemas.withValidatorsFrom(version, undefined);
      const precompiled = OcppSchemas.withValidatorsFrom(version, validatorsDir);
      const found = versionActions(version);
      assert.ok(found.actions.size > 30, `${version} has its actions`);
      let brokenCount = 0;
      for (const action of found.actions) {
        for (const kind of MESSAGE_KINDS) {
          const what = `${version} ${action} ${kind}`;
          assert.equal(precompiled.validatorOrigin(action, kind), 'precompiled', `${what}: the build wrote its module`);
          assert.equal(compiled.validatorOrigin(action, kind), 'compiled', what);
          const { schema } = prepareSchema(version, found, action, kind);
          const valid = validSample(schema);
          assert.deepEqual(compiled.validate(action, kind, valid), { ok: true }, `${what}: the valid sample`);
          assert.deepEqual(precompiled.validate(action, kind, valid), { ok: true }, `${what}: the valid sample`);
          for (const broken of brokenSamples(schema)) {
            const expected = compiled.validate(action, kind, broken.payload);
            assert.equal(expected.ok, false, `${what}: ${broken.label} is rejected`);
            assert.deepEqual(precompiled.validate(action, kind, broken.payload), expected, `${what}: ${broken.label}`);
            brokenCount++;
          }
        }
      }
      // Every kind of break was made somewhere (the samples are not vacuous).
      assert.ok(brokenCount > 500, `${version}: ${brokenCount} broken samples`);
    });
  }

  it('the 1.6 modules carry the OCPP-J 1.6 errata corrections', () => {
    const precompiled = OcppSchemas.withValidatorsFrom('1.6', validatorsDir);
    const sampled = { connectorId: 1, meterValue: [{ timestamp: '2026-12-02T15:00:00Z', sampledValue: [{ value: '20', unit: 'Celsius' }] }] };
    assert.deepEqual(precompiled.validate('MeterValues', 'request', sampled), { ok: true });
    assert.deepEqual(precompiled.validate('BootNotification', 'response', { status: 'Accepted', currentTime: '2026-12-02T15:00:00Z', interval: 1.5 }), {
      ok: false,
      code: 'TypeConstraintViolation',
      description: '/interval: must be integer',
    });
    assert.deepEqual(precompiled.validate('StartTransaction', 'response', { transactionId: 1, idTagInfo: { status: 'Accepted', colour: 'red' } }), {
      ok: false,
      code: 'FormatViolation',
      description: '/idTagInfo: unknown property "colour"',
    });
  });
});
