import { concatMap, from, map, of, type Observable } from 'rxjs';
import type { StationConfig } from '../config/station-config.js';
import type { MeterSignedData } from '../hal/meter-signed-data.js';
import type { Logger } from '../process/logger.js';
import { MeterOcmfSigner, StationSigner } from '../services/signed-metering/index.js';
import { meterReadingSigner } from '../services/signed-metering/meter-reading-signer.js';
import { ocmfReadingSigner } from '../services/transactions/ocmf-reading-signer.js';
import { END_WAIT_MS, SignedReadings } from '../services/transactions/signed-readings.js';
import type { Clock } from '../station/clock.js';
import type { StationEvent } from '../station/events.js';
import type { StateStore } from '../station/ports.js';

/**
 * Signed meter values (issue 17) as config signedMeterValues.source says: "station" signs the
 * transactions' start and end readings with the station's key (J1's StationSigner, marked
 * station-signed: transparency, not legal metrology); "meter" has each EVSE's meter sign its own
 * readings over its signedData registers (MeterOcmfSigner), the end's message waiting for them at
 * most signedMeterValues.meterWaitS; "off" signs nothing.
 */
export interface SignedMeteringParts {
  store: StateStore;
  log: Logger;
  firmwareVersion: string;
  /** The EVSEs' meters' signing registers (the hardware layer's). */
  meters?: ReadonlyArray<{ evseId: number; meterSignedData?: MeterSignedData }>;
  clock?: Clock;
}

export function signedReadingsOf(config: StationConfig, parts: SignedMeteringParts): SignedReadings | undefined {
  const { source } = config.signedMeterValues;
  if (source === 'off') return undefined;
  if (source === 'meter') return meterSignedReadings(config, parts);
  let signer: StationSigner;
  try {
    signer = StationSigner.open(config.storage.dir, { log: parts.log });
  } catch (err) {
    parts.log.error(`signedMeterValues.source "station": no signing key, so no signed meter values are sent: ${(err as Error).message}`);
    return undefined;
  }
  const meterOf = (evseId: number): { id: string; vendor?: string; model?: string } => {
    const meter = config.evses.find((e) => e.id === evseId)?.meter;
    // MS: no meter serial is read over Modbus here; the station and EVSE name the meter uniquely.
    return { id: `${config.station.identity}-EVSE${evseId}`, vendor: meter?.profile.manufacturer, model: meter?.profile.model };
  };
  return new SignedReadings({
    signer: ocmfReadingSigner({ signer, gatewayId: config.station.identity, gatewayVersion: parts.firmwareVersion, meterOf }),
    store: parts.store,
    onWarning: (m) => parts.log.warning(m),
  });
}

function meterSignedReadings(config: StationConfig, parts: SignedMeteringParts): SignedReadings | undefined {
  const signers = new Map<number, MeterOcmfSigner>();
  for (const m of parts.meters ?? []) {
    if (!m.meterSignedData) continue;
    const { spec, readHolding, writeHolding } = m.meterSignedData;
    // The signer's own timeout is the app note's 30 s: the transaction's message waits less (meterWaitS) and goes on without.
    signers.set(m.evseId, new MeterOcmfSigner({ readHolding, writeHolding }, spec, { now: parts.clock ? () => parts.clock!.now() : undefined, timeoutMs: 30_000 }));
  }
  if (signers.size === 0) {
    parts.log.warning('signedMeterValues.source "meter": no EVSE has a meter that signs (signedData), so no signed meter values are sent');
    return undefined;
  }
  const waitS = config.signedMeterValues.meterWaitS;
  return new SignedReadings({
    signer: meterReadingSigner({ meterOf: (evseId) => signers.get(evseId), gatewayId: config.station.identity, gatewayVersion: parts.firmwareVersion }),
    store: parts.store,
    onWarning: (m) => parts.log.warning(m),
    endWaitMs: waitS === undefined ? END_WAIT_MS : waitS * 1000,
    ...(parts.clock ? { clock: parts.clock } : {}),
  });
}

/**
 * The station's events with each TransactionEnded held until its signed documents are kept (at most
 * the bound), in order: for the session record, which is to hold the meter's documents too.
 */
export function afterSignedDocuments(events$: Observable<StationEvent>, signed: SignedReadings | undefined): Observable<StationEvent> {
  if (!signed) return events$;
  return events$.pipe(
    concatMap((e) => {
      const waiting = e.type === 'TransactionEnded' ? signed.whenSigned(e) : undefined;
      return waiting ? from(waiting).pipe(map(() => e)) : of(e);
    }),
  );
}
