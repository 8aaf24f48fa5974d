import assert from 'node:assert/strict';
import type { TransactionEvent, TransactionSnapshot } from '../../../src/station/events.js';
import type { StateStore } from '../../../src/station/ports.js';
import { ocaPublicKey, signedMeterValueFields, SignedReadings, type ReadingSigner, type SigningRequest } from '../../../src/services/transactions/signed-readings.js';

/**
 * SignedReadings (issue 17): a transaction's start and end documents are made once (an ECDSA
 * signature differs each time, and the CSMS and the session record must hold the same one), kept
 * across restarts, bounded; and the SignedMeterValueType fields of the OCA application note
 * (3.2.1, 3.2.2, table 11).
 */

class MemoryStore implements StateStore {
  readonly data = new Map<string, unknown>();
  read<T>(name: string): T | undefined {
    return this.data.has(name) ? (JSON.parse(JSON.stringify(this.data.get(name))) as T) : undefined;
  }
  write(name: string, value: unknown): void {
    this.data.set(name, JSON.parse(JSON.stringify(value)));
  }
}

/** Signs with a counter, so every signing is told apart. */
class CountingSigner implements ReadingSigner {
  readonly requests: SigningRequest[] = [];
  sign(request: SigningRequest): { ocmf: string; publicKeyHex: string; energyWh: number } {
    this.requests.push(request);
    return { ocmf: `OCMF|${request.type}${this.requests.length}|{}`, publicKeyHex: 'AB12', energyWh: Math.round(request.reading.energyImportWh) };
  }
}

const snapshot = (id: string): TransactionSnapshot => ({ id, evseId: 1, startedAt: new Date(0), meterStartWh: 1000, chargingState: 'Charging', energyWh: 0 });
const started = (id: string, wh = 1000.4): TransactionEvent => ({
  type: 'TransactionStarted',
  evseId: 1,
  transaction: snapshot(id),
  trigger: 'Authorized',
  timestamp: new Date(1000),
  reading: { energyImportWh: wh, timestamp: new Date(1000) },
});
const ended = (id: string, wh = 1500.6): TransactionEvent & { type: 'TransactionEnded' } => ({
  type: 'TransactionEnded',
  evseId: 1,
  transaction: snapshot(id),
  trigger: 'StopAuthorized',
  timestamp: new Date(2000),
  stoppedReason: 'Local',
  reading: { energyImportWh: wh, timestamp: new Date(2000) },
});

describe('SignedReadings (issue 17)', () => {
  it('signs a start (B) and an end (E) once each, whoever asks first: adapter and session record get the same documents', () => {
    const signer = new CountingSigner();
    const readings = new SignedReadings({ signer });
    const begin = readings.ofEvent(started('t1'));
    assert.equal(readings.ofEvent(started('t1')), begin);
    // The record asks before the adapter has: the end is made then, and the adapter gets that one.
    assert.deepEqual(readings.documents(ended('t1')), { start: 'OCMF|B1|{}', end: 'OCMF|E2|{}', publicKeyHex: 'AB12' });
    assert.equal(readings.ofEvent(ended('t1'))?.ocmf, 'OCMF|E2|{}');
    assert.deepEqual(
      signer.requests.map((r) => [r.type, r.reading.energyImportWh]),
      [
        ['B', 1000.4],
        ['E', 1500.6],
      ],
    );
    assert.equal(begin?.energyWh, 1000, 'to the Wh');
  });

  it('keeps the start across a restart (storage), so an end after it still has the start signed before', () => {
    const store = new MemoryStore();
    new SignedReadings({ signer: new CountingSigner(), store }).ofEvent(started('t1'));
    const again = new SignedReadings({ signer: new CountingSigner(), store });
    assert.equal(again.start('t1')?.ocmf, 'OCMF|B1|{}');
    assert.deepEqual(again.documents(ended('t1')), { start: 'OCMF|B1|{}', end: 'OCMF|E1|{}', publicKeyHex: 'AB12' });
  });

  it('is bounded: the oldest transactions go first', () => {
    const readings = new SignedReadings({ signer: new CountingSigner(), maxKept: 2 });
    for (const id of ['a', 'b', 'c']) readings.ofEvent(started(id));
    assert.equal(readings.start('a'), undefined);
    assert.ok(readings.start('b'));
    assert.ok(readings.start('c'));
  });

  it('an Updated event, or one without reading, is not signed; a signer that throws gives none and a warning', () => {
    const warnings: string[] = [];
    const readings = new SignedReadings({
      signer: {
        sign: () => {
          throw new Error('key unreadable');
        },
      },
      onWarning: (m) => warnings.push(m),
    });
    assert.equal(readings.ofEvent({ ...started('t1'), type: 'TransactionUpdated' }), undefined);
    assert.equal(readings.ofEvent({ ...started('t1'), reading: undefined }), undefined);
    assert.equal(readings.ofEvent(started('t1')), undefined);
    assert.match(warnings.join('\n'), /cannot sign the B reading of transaction t1: key unreadable/);
    assert.deepEqual(readings.documents(ended('t1')), {});
  });

  it('SignedMeterValueType as the app note fills it: Base64 OCMF, signingMethod empty (OCMF names it in SA), encodingMethod OCMF, publicKey Base64 oca:base16:asn1 or empty', () => {
    const signed = { ocmf: 'OCMF|{"PG":"T1"}|{"SD":"00"}', publicKeyHex: '3059AB', energyWh: 1 };
    assert.deepEqual(signedMeterValueFields(signed, true), {
      signedMeterData: Buffer.from(signed.ocmf).toString('base64'),
      signingMethod: '',
      encodingMethod: 'OCMF',
      publicKey: Buffer.from('oca:base16:asn1:3059AB').toString('base64'),
    });
    assert.equal(signedMeterValueFields(signed, false).publicKey, '');
    assert.equal(Buffer.from(ocaPublicKey('ff'), 'base64').toString(), 'oca:base16:asn1:ff');
  });
});
