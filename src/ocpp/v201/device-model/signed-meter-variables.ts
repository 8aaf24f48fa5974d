import type { ComponentAddress, VariableDefinition } from './device-model.js';
import { boolean, liveValue, optionList, stored, text } from './definition-helpers.js';

/**
 * The signed meter values' variables (OCA application note "Signed Meter Values in OCPP" 4.3;
 * SignReadings and PublicKeyWithSignedMeterValue are 2.0.1's own, Part 2 2.7 and 2.1): whether the
 * transaction's start and end values, and its updated ones, carry OCMF, and when the public key
 * goes with them. Without a source of signed values (config signedMeterValues.source "off") the
 * three flags are ReadOnly false, as 2.1 of the note allows for what the hardware cannot sign.
 */

export const PUBLIC_KEY_WITH_SIGNED_METER_VALUE = 'PublicKeyWithSignedMeterValue';
export const PUBLIC_KEY_POLICIES = ['Never', 'OncePerTransaction', 'EveryMeterValue'] as const;
export type PublicKeyPolicy = (typeof PUBLIC_KEY_POLICIES)[number];

const SAMPLED_DATA_CTRLR: ComponentAddress = { name: 'SampledDataCtrlr' };
const OCPP_COMM_CTRLR: ComponentAddress = { name: 'OCPPCommCtrlr' };

export interface SignedMeterOptions {
  /** A source of signed values is configured (signedMeterValues.source is not "off"). */
  canSign: boolean;
  evseIds: readonly number[];
  /** FiscalMetering.PublicKey per EVSE (app note 4.3.2, its 3.2.2 format), while known. */
  publicKey?(evseId: number): string | undefined;
}

export function signedMeterVariables(options: SignedMeterOptions): VariableDefinition[] {
  const mutability = options.canSign ? 'ReadWrite' : 'ReadOnly';
  const defs: VariableDefinition[] = [
    stored(SAMPLED_DATA_CTRLR, 'SignReadings', mutability, boolean, String(options.canSign)),
    stored(SAMPLED_DATA_CTRLR, 'SignStartedReadings', mutability, boolean, String(options.canSign)),
    // Intermediate values: off until the CSMS asks (each one is one more signature, 3.1.3 note).
    stored(SAMPLED_DATA_CTRLR, 'SignUpdatedReadings', mutability, boolean, 'false'),
    stored(OCPP_COMM_CTRLR, PUBLIC_KEY_WITH_SIGNED_METER_VALUE, 'ReadWrite', optionList(PUBLIC_KEY_POLICIES), 'OncePerTransaction'),
  ];
  const publicKey = options.publicKey;
  if (options.canSign && publicKey) {
    for (const evseId of options.evseIds) {
      defs.push(liveValue({ name: 'FiscalMetering', evse: { id: evseId } }, 'PublicKey', text(2500), () => publicKey(evseId)));
    }
  }
  return defs;
}
