import assert from 'node:assert/strict';
import { SignedReadings, type ReadingSigner, type SignedReading, type SigningRequest } from '../../../src/services/transactions/signed-readings.js';
import { FakeClock } from '../../../src/station/clock.js';
import type { TransactionEvent, TransactionSnapshot } from '../../../src/station/events.js';

/**
 * SignedReadings with a signer that signs asynchronously, as a meter does over Modbus (issue 17,
 * signedMeterValues.source "meter"): the documents are kept when they come; an end waits for them
 * at most endWaitMs (the OCA application note allows up to 30 s), then goes on unsigned.
 */

/** A signer whose documents come when the test says. */
class DeferredSigner implements ReadingSigner {
  readonly waiting: Array<{ request: SigningRequest; give: (doc: SignedReading | undefined) => void }> = [];
  sign(request: SigningRequest): Promise<SignedReading | undefined> {
    return new Promise((give) => this.waiting.push({ request, give }));
  }
  answer(index: number): void {
    const { request, give } = this.waiting[index]!;
    give({ ocmf: `OCMF|${request.type}|{}`, publicKeyHex: 'METER', energyWh: Math.round(request.reading.energyImportWh) });
  }
}

const snapshot: TransactionSnapshot = { id: 't1', evseId: 1, startedAt: new Date(0), meterStartWh: 1000, chargingState: 'Charging', energyWh: 0 };
const started: TransactionEvent = { type: 'TransactionStarted', evseId: 1, transaction: snapshot, trigger: 'Authorized', timestamp: new Date(1000), reading: { energyImportWh: 1000, timestamp: new Date(1000) } };
const ended: TransactionEvent & { type: 'TransactionEnded' } = {
  type: 'TransactionEnded',
  evseId: 1,
  transaction: snapshot,
  trigger: 'StopAuthorized',
  timestamp: new Date(2000),
  stoppedReason: 'Local',
  reading: { energyImportWh: 1500, timestamp: new Date(2000) },
};

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SignedReadings with an asynchronous (meter) signer (issue 17)', () => {
  it('keeps the start and end documents when they come; whenSigned settles then, before the bound', async () => {
    const clock = new FakeClock();
    const signer = new DeferredSigner();
    const readings = new SignedReadings({ signer, clock, endWaitMs: 10_000 });
    assert.equal(readings.ofEvent(started), undefined, 'not yet: the meter is signing');
    assert.equal(readings.ofEvent(started), undefined);
    assert.equal(signer.waiting.length, 1, 'asked once');
    signer.answer(0);
    await flush();
    assert.equal(readings.start('t1')?.ocmf, 'OCMF|B|{}');
    let settled = false;
    void readings.whenSigned(ended)!.then(() => (settled = true));
    assert.equal(signer.waiting.length, 2);
    await flush();
    assert.equal(settled, false, 'waits for the end document');
    signer.answer(1);
    await flush();
    assert.equal(settled, true);
    assert.deepEqual(readings.documents(ended), { start: 'OCMF|B|{}', end: 'OCMF|E|{}', publicKeyHex: 'METER' });
    assert.equal(readings.whenSigned(ended), undefined, 'nothing pending: no wait');
  });

  it('a document slower than endWaitMs: whenSigned settles at the bound with a warning; the end goes unsigned', async () => {
    const clock = new FakeClock();
    const signer = new DeferredSigner();
    const warnings: string[] = [];
    const readings = new SignedReadings({ signer, clock, endWaitMs: 2000, onWarning: (m) => warnings.push(m) });
    readings.ofEvent(started);
    signer.answer(0);
    await flush();
    let settled = false;
    void readings.whenSigned(ended)!.then(() => (settled = true));
    clock.advance(1999);
    await flush();
    assert.equal(settled, false);
    clock.advance(1);
    await flush();
    assert.equal(settled, true);
    assert.match(warnings.join('\n'), /did not come within 2000 ms/);
    assert.equal(readings.ofEvent(ended), undefined, 'still unsigned, and not asked for again');
    assert.equal(signer.waiting.length, 2);
  });

  it('a signer that fails: a warning, no document, no wait left', async () => {
    const warnings: string[] = [];
    const readings = new SignedReadings({ signer: { sign: () => Promise.reject(new Error('meter refused command B: status 131')) }, clock: new FakeClock(), onWarning: (m) => warnings.push(m) });
    readings.ofEvent(started);
    await flush();
    assert.match(warnings.join('\n'), /cannot sign the B reading of transaction t1: meter refused command B/);
    assert.equal(readings.start('t1'), undefined);
  });
});
