import type { ComponentAddress, LiveVariableDefinition, Mutability, StoredVariableDefinition, VariableCharacteristics } from './device-model.js';

/** Writing a variable's definition briefly: its characteristics, a stored value, a live one. */

/** The object without its undefined fields: a definition holds only what it sets. */
export function definedOnly<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}

// Characteristics, briefly.
export const integer = (unit?: string, minLimit?: number, maxLimit?: number): VariableCharacteristics => definedOnly({ dataType: 'integer', unit, minLimit, maxLimit });
export const boolean: Readonly<VariableCharacteristics> = { dataType: 'boolean' };
export const text = (maxLimit?: number): VariableCharacteristics => definedOnly({ dataType: 'string', maxLimit });
export const optionList = (valuesList: readonly string[]): VariableCharacteristics => ({ dataType: 'OptionList', valuesList });
export const memberList = (valuesList: readonly string[]): VariableCharacteristics => ({ dataType: 'MemberList', valuesList });
export const sequenceList = (valuesList: readonly string[]): VariableCharacteristics => ({ dataType: 'SequenceList', valuesList });

export type Extra = Partial<Pick<StoredVariableDefinition, 'rebootRequired' | 'validate' | 'inSummary' | 'constant'>>;

export function stored(
  component: ComponentAddress,
  variable: string,
  mutability: Mutability,
  characteristics: VariableCharacteristics,
  value: string,
  extra: Extra & { instance?: string } = {},
): StoredVariableDefinition {
  const { instance, ...rest } = extra;
  return {
    component,
    variable: definedOnly({ name: variable, instance }),
    mutability,
    characteristics,
    default: value,
    ...rest,
  };
}

export function liveValue(
  component: ComponentAddress,
  variable: string,
  characteristics: VariableCharacteristics,
  read: () => string | undefined,
  extra: Pick<LiveVariableDefinition, 'inSummary' | 'supportsMonitoring'> & { instance?: string } = {},
): LiveVariableDefinition {
  const { instance, ...rest } = extra;
  return { component, variable: definedOnly({ name: variable, instance }), mutability: 'ReadOnly', characteristics, read, ...rest };
}

/**
 * A measured number (a meter's, the host's) that monitors can watch (supportsMonitoring); no
 * Actual value while `read` gives undefined or a number that is not finite.
 */
export function measuredValue(
  component: ComponentAddress,
  variable: string,
  characteristics: VariableCharacteristics,
  read: () => number | undefined,
  instance?: string,
): LiveVariableDefinition {
  const digits = characteristics.dataType === 'integer' ? 0 : 3;
  return liveValue(component, variable, characteristics, () => numberText(read(), digits), { instance, supportsMonitoring: true });
}

/** A number as a variable's value: at most `digits` decimals, none trailing, never an exponent below 1e21. */
export function numberText(value: number | undefined, digits: number): string | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  const rounded = Number(value.toFixed(digits));
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

/** A decimal with a unit, as measured values are. */
export const decimal = (unit?: string, minLimit?: number, maxLimit?: number): VariableCharacteristics => definedOnly({ dataType: 'decimal', unit, minLimit, maxLimit });
