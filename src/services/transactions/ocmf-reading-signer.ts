import type { OcmfSession } from '../signed-metering/ocmf.js';
import type { ReadingSigner, SigningRequest, SignedReading } from './signed-readings.js';

/**
 * A ReadingSigner that writes one OCMF document per reading (OCMF-en.md) through a signer of
 * sessions: the station's (J1's StationSigner, signedMeterValues.source "station", which marks the
 * document station-signed in GI and keeps PG's counter) or a simulated meter's. Start and end go in
 * separate documents, as the app note allows (3.1.4, 4.1.2: Transaction.Begin and Transaction.End
 * each in its own sampled value).
 */

/** What signs a session's readings (StationSigner has this shape). */
export interface SessionSigner {
  /** Hex of the DER SubjectPublicKeyInfo. */
  readonly publicKeyHex: string;
  signSession(session: Omit<OcmfSession, 'pagination' | 'gatewayIdentification'>): string;
}

export interface OcmfReadingSignerOptions {
  signer: SessionSigner;
  /** GS: the signing component's serial (the station's identity when the station signs). */
  gatewayId: string;
  /** GV: its software version. */
  gatewayVersion?: string;
  /** MS, MV, MM of the EVSE's meter. */
  meterOf(evseId: number): { id: string; vendor?: string; model?: string };
}

export function ocmfReadingSigner(options: OcmfReadingSignerOptions): ReadingSigner {
  return {
    sign(request: SigningRequest): SignedReading {
      const meter = options.meterOf(request.evseId);
      const token = request.transaction.idToken;
      // RU Wh: the document holds the register to the Wh, as the unsigned values round to it.
      const energyWh = Math.round(request.reading.energyImportWh);
      const ocmf = options.signer.signSession({
        gatewayId: options.gatewayId,
        gatewayVersion: options.gatewayVersion,
        meterId: meter.id,
        meterVendor: meter.vendor,
        meterModel: meter.model,
        idToken: token ? { value: token.idToken, type: token.type } : undefined,
        unit: 'Wh',
        readings: [{ time: request.reading.timestamp, energyWh, type: request.type }],
      });
      return { ocmf, publicKeyHex: options.signer.publicKeyHex, energyWh };
    },
  };
}
