import type { StationConfig } from '../config/station-config.js';
import type { Logger } from '../process/logger.js';
import { StationSigner } from '../services/signed-metering/index.js';
import { ocmfReadingSigner } from '../services/transactions/ocmf-reading-signer.js';
import { SignedReadings } from '../services/transactions/signed-readings.js';
import type { StateStore } from '../station/ports.js';

/**
 * Signed meter values (issue 17) as config signedMeterValues.source says: "station" signs the
 * transactions' start and end readings with the station's key (J1's StationSigner, marked
 * station-signed: transparency, not legal metrology); "off" signs nothing. "meter" needs the
 * meter's own signed documents, which no driver hands over yet: nothing is signed, and the log says so.
 */
export function signedReadingsOf(config: StationConfig, parts: { store: StateStore; log: Logger; firmwareVersion: string }): SignedReadings | undefined {
  const { source } = config.signedMeterValues;
  if (source === 'off') return undefined;
  if (source === 'meter') {
    parts.log.warning('signedMeterValues.source "meter": the meter drivers do not hand over signed readings yet, so no signed meter values are sent');
    return undefined;
  }
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
