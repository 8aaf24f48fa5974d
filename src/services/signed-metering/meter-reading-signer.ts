import type { ReadingSigner, SignedReading, SigningRequest } from '../transactions/signed-readings.js';
import type { MeterOcmfSigner, MeterSignedInput } from './meter-signed.js';
import { parseOcmf, readingsOf } from './ocmf.js';

/**
 * A ReadingSigner whose documents the EVSE's meter signs itself (signedMeterValues.source "meter",
 * Eichrecht): at a transaction's start the meter opens its own transaction (TX B) with the billing
 * dataset, at the end it closes it (TX E); the readings are the meter's, not the station's (OCMF-en.md
 * 3.2: the meter's register at that moment). Asynchronous: the meter signs over Modbus, so each
 * document is a promise that SignedReadings keeps once it comes. One command at a time per meter,
 * in the order asked: an end asked while the start is still being signed follows it.
 */

export interface MeterReadingSignerOptions {
  /** The signing meter of an EVSE; undefined: that EVSE's meter does not sign. */
  meterOf(evseId: number): MeterOcmfSigner | undefined;
  /** GS: the station's identity (the gateway the meter signs for). */
  gatewayId: string;
  /** GV: its software version. */
  gatewayVersion?: string;
}

export function meterReadingSigner(options: MeterReadingSignerOptions): ReadingSigner {
  const queues = new Map<number, Promise<unknown>>();
  const inTurn = <T>(evseId: number, work: () => Promise<T>): Promise<T> => {
    const next = (queues.get(evseId) ?? Promise.resolve()).then(work, work);
    queues.set(evseId, next.catch(() => undefined));
    return next;
  };
  return {
    sign(request: SigningRequest): Promise<SignedReading | undefined> | undefined {
      const meter = options.meterOf(request.evseId);
      if (!meter) return undefined;
      return inTurn(request.evseId, async () => {
        const ocmf = request.type === 'B' ? await begin(meter, request) : request.type === 'E' ? await meter.end('E') : await meter.intermediate('C');
        const energyWh = readingsOf(parseOcmf(ocmf)).at(-1)?.energyWh ?? Math.round(request.reading.energyImportWh);
        return { ocmf, publicKeyHex: await meter.publicKeyHex(), energyWh };
      });
    },
  };

  async function begin(meter: MeterOcmfSigner, request: SigningRequest): Promise<string> {
    // A transaction the meter still has open (the agent stopped before its end): aborted (TX A), so that B is accepted.
    if ((await meter.state()) !== 0) await meter.end('A').catch(() => undefined);
    const token = request.transaction.idToken;
    const input: MeterSignedInput = {
      gatewayId: options.gatewayId,
      gatewayVersion: options.gatewayVersion,
      ...(token ? { idToken: { value: token.idToken, type: token.type } } : {}),
    };
    return meter.begin(input);
  }
}
