import type { MeterValueType, SampledValueType, SignedMeterValueType, TransactionEventRequest } from 'ocpp-messages/v2.0/TransactionEventRequest.js';
import { signedMeterValueFields, type SignedReading } from '../../services/transactions/signed-readings.js';
import type { DeviceModel } from './device-model/device-model.js';
import { PUBLIC_KEY_WITH_SIGNED_METER_VALUE, type PublicKeyPolicy } from './device-model/signed-meter-variables.js';

/**
 * Signed meter values in 2.0.1 TransactionEvents (OCA application note "Signed Meter Values in
 * OCPP" 4.1-4.3, Part 2 2.46 SignedMeterValueType): the energy register's sampled value of the
 * start and end readings carries the OCMF document in signedMeterValue, as SampledDataCtrlr says.
 */

/** SampledDataCtrlr's signing variables and OCPPCommCtrlr.PublicKeyWithSignedMeterValue, now. */
export interface SigningSettings {
  /** SignReadings: the Ended message carries signed start and end values (app note 4.1.2, 4.3.5). */
  signReadings: boolean;
  /** SignStartedReadings: the Started message's start value is signed too (4.3.6). */
  signStarted: boolean;
  /** SignUpdatedReadings: the Updated messages' values are signed too (4.3.7). */
  signUpdated: boolean;
  publicKey: PublicKeyPolicy;
}

export function signingSettings(dm: DeviceModel): SigningSettings {
  const flag = (variable: string): boolean => dm.has('SampledDataCtrlr', variable) && dm.getBool('SampledDataCtrlr', variable);
  const signReadings = flag('SignReadings');
  const policy = dm.has('OCPPCommCtrlr', PUBLIC_KEY_WITH_SIGNED_METER_VALUE) ? dm.getString('OCPPCommCtrlr', PUBLIC_KEY_WITH_SIGNED_METER_VALUE) : 'Never';
  return {
    signReadings,
    // Both only have an effect with SignReadings true (4.3.6, 4.3.7).
    signStarted: signReadings && flag('SignStartedReadings'),
    signUpdated: signReadings && flag('SignUpdatedReadings'),
    publicKey: policy === 'EveryMeterValue' || policy === 'OncePerTransaction' ? policy : 'Never',
  };
}

/** What a transaction has sent of its public key (OncePerTransaction). */
export interface PublicKeyState {
  publicKeySent?: boolean;
}

/** Whether this signed value carries the public key, by PublicKeyWithSignedMeterValue; marks it sent. */
function takesPublicKey(policy: PublicKeyPolicy, state: PublicKeyState): boolean {
  if (policy === 'Never') return false;
  if (policy === 'OncePerTransaction' && state.publicKeySent) return false;
  state.publicKeySent = true;
  return true;
}

const REGISTER = 'Energy.Active.Import.Register';

/** The sampled value is the energy register's (measurand absent means it, Part 2 2.44). */
function isRegister(v: SampledValueType): boolean {
  return (v.measurand ?? REGISTER) === REGISTER;
}

/**
 * The meterValue with the signed reading on its energy register's sampled value; a meterValue
 * without one gets one, valued as the document says.
 */
export function withSignature(value: MeterValueType, signed: SignedReading, policy: PublicKeyPolicy, state: PublicKeyState): MeterValueType {
  const signedMeterValue: SignedMeterValueType = signedMeterValueFields(signed, takesPublicKey(policy, state));
  const context = value.sampledValue[0].context;
  const sampled = value.sampledValue.map((v) => ({ ...v }));
  const register = sampled.find(isRegister);
  if (register) register.signedMeterValue = signedMeterValue;
  else sampled.push({ value: signed.energyWh, context, measurand: REGISTER, location: 'Outlet', unitOfMeasure: { unit: 'Wh' }, signedMeterValue });
  return { ...value, sampledValue: [sampled[0]!, ...sampled.slice(1)] };
}

/** A meterValue holding only the signed register value, for a message with none of that context. */
export function signedValueOnly(signed: SignedReading, context: 'Transaction.Begin' | 'Transaction.End' | 'Sample.Periodic', timestamp: string, policy: PublicKeyPolicy, state: PublicKeyState): MeterValueType {
  const sampledValue: SampledValueType = { value: signed.energyWh, context, measurand: REGISTER, location: 'Outlet', unitOfMeasure: { unit: 'Wh' } };
  return withSignature({ timestamp, sampledValue: [sampledValue] }, signed, policy, state);
}

/** The message with the meterValue of `context` signed (added when the message has none). */
export function signContext(
  request: TransactionEventRequest,
  context: 'Transaction.Begin' | 'Transaction.End',
  signed: SignedReading,
  timestamp: string,
  policy: PublicKeyPolicy,
  state: PublicKeyState,
): void {
  const values = request.meterValue ?? [];
  const at = values.findIndex((v) => v.sampledValue[0].context === context);
  const next = at >= 0 ? values.map((v, i) => (i === at ? withSignature(v, signed, policy, state) : v)) : [...values, signedValueOnly(signed, context, timestamp, policy, state)];
  // Begin before End, as the readings were taken.
  if (at < 0 && context === 'Transaction.Begin') next.unshift(next.pop()!);
  request.meterValue = [next[0]!, ...next.slice(1)];
}
