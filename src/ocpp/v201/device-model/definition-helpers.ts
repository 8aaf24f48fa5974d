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
  extra: Pick<LiveVariableDefinition, 'inSummary'> = {},
): LiveVariableDefinition {
  return { component, variable: { name: variable }, mutability: 'ReadOnly', characteristics, read, ...extra };
}
