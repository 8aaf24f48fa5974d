import type { StationConfig } from '../../../config/station-config.js';
import { StationSigner } from '../../../services/signed-metering/index.js';
import type { ConfigurationKeyDefinition, LiveKeyDefinition, StoredKeyDefinition } from './key-definitions.js';

/**
 * The OCA application note "Signed Meter Values in OCPP" (v1.0) section 3.3: the 1.6 keys for signed
 * meter values. The station signs only the transaction's start and end readings (config
 * signedMeterValues.source "station"), sent in the StopTransaction.req's transactionData (3.1.4), so:
 * - SampledDataSignReadings (3.3.3, RW) switches that on and off; on by default when a source signs.
 * - PublicKeyWithSignedMeterValue (3.3.2, RW): Never, OncePerTransaction or EveryMeterValue.
 * - SampledDataSignUpdatedReadings (3.3.6), AlignedDataSignReadings (3.3.7) and
 *   AlignedDataSignUpdatedReadings (3.3.8): read-only false, as the note allows for a station that
 *   cannot sign those values (2.1: "may be set to false and be read-only").
 * - MeterPublicKey[ConnectorID] (3.3.1, RO): the 3.2.2 value of the key that signs each connector's
 *   readings; empty while nothing signs. The station's one key signs for every connector.
 * StartTxnSampledData and SampledDataSignStartedReadings (3.3.4-3.3.5) are optional and not offered:
 * no MeterValues.req follows the StartTransaction.req.
 */

export const PUBLIC_KEY_WITH_SIGNED_METER_VALUE = ['Never', 'OncePerTransaction', 'EveryMeterValue'] as const;
export type PublicKeyWithSignedMeterValue = (typeof PUBLIC_KEY_WITH_SIGNED_METER_VALUE)[number];

/** The value in the note's spelling; CiString500Type is case insensitive (1.6 7.19). Undefined: none of them. */
export function publicKeyWithSignedMeterValue(value: string): PublicKeyWithSignedMeterValue | undefined {
  return PUBLIC_KEY_WITH_SIGNED_METER_VALUE.find((v) => v.toLowerCase() === value.trim().toLowerCase());
}

/** The 3.2.2 value of the station's signing key, or empty when the config does not sign with it. */
export function stationMeterPublicKey(config: StationConfig): () => string {
  let value: string | undefined;
  return () => {
    if (config.signedMeterValues.source !== 'station') return '';
    try {
      value ??= StationSigner.open(config.storage.dir).ocppPublicKey;
    } catch {
      // No key (yet) to tell: the signer's own log says why.
      return '';
    }
    return value;
  };
}

/**
 * The keys, for the 1.6 connectors numbered 1..connectorCount; `meterPublicKey` gives a connector's
 * MeterPublicKey value.
 */
export function signedMeterKeyDefinitions(config: StationConfig, connectorCount: number, meterPublicKey: (connectorId16: number) => string): ConfigurationKeyDefinition[] {
  const signs = config.signedMeterValues.source !== 'off';
  const stored: StoredKeyDefinition[] = [
    { key: 'SampledDataSignReadings', type: 'boolean', readonly: false, default: String(signs) },
    {
      key: 'PublicKeyWithSignedMeterValue',
      type: 'string',
      readonly: false,
      // The Central System learns the key with each value unless it asks for less.
      default: 'EveryMeterValue',
      validate: (value) => (publicKeyWithSignedMeterValue(value) ? undefined : `not one of ${PUBLIC_KEY_WITH_SIGNED_METER_VALUE.join(', ')}`),
    },
    { key: 'SampledDataSignUpdatedReadings', type: 'boolean', readonly: true, default: 'false' },
    { key: 'AlignedDataSignReadings', type: 'boolean', readonly: true, default: 'false' },
    { key: 'AlignedDataSignUpdatedReadings', type: 'boolean', readonly: true, default: 'false' },
  ];
  const keys: LiveKeyDefinition[] = Array.from({ length: connectorCount }, (_, i) => ({
    key: `MeterPublicKey${i + 1}`,
    type: 'string',
    readonly: true,
    read: () => meterPublicKey(i + 1),
  }));
  return [...stored, ...keys];
}
