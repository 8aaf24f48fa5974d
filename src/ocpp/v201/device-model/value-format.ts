/**
 * Checking a variable's value against its characteristics (OCPP 2.0.1 Part 2, VariableCharacteristicsType
 * and DataEnumType), as SetVariables needs it (B05.FR.07 format, B05.FR.08 range). A good value comes
 * back in its canonical spelling, which is what is stored, persisted and reported.
 */

export type DataType = 'string' | 'decimal' | 'integer' | 'dateTime' | 'boolean' | 'OptionList' | 'SequenceList' | 'MemberList';

export interface VariableCharacteristics {
  dataType: DataType;
  unit?: string;
  /** Numbers only: the lowest value. */
  minLimit?: number;
  /** Numbers: the highest value; string and lists: the longest (CSV) string, per VariableCharacteristicsType. */
  maxLimit?: number;
  /** Required for OptionList, SequenceList and MemberList: the allowed values. */
  valuesList?: readonly string[];
}

/** Why a value was refused, as a SetVariableResult's statusInfo carries it. */
export interface ValueProblem {
  reasonCode: 'InvalidValue' | 'ValueOutOfRange';
  additionalInfo: string;
}

export type ValueCheck = { ok: true; value: string } | { ok: false; problem: ValueProblem };

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
// RFC 3339 date-time, the only form OCPP allows: the offset is required.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

const isList = (t: DataType): boolean => t === 'OptionList' || t === 'SequenceList' || t === 'MemberList';

function invalid(additionalInfo: string): ValueCheck {
  return { ok: false, problem: { reasonCode: 'InvalidValue', additionalInfo } };
}

function outOfRange(additionalInfo: string): ValueCheck {
  return { ok: false, problem: { reasonCode: 'ValueOutOfRange', additionalInfo } };
}

function checkNumber(n: number, c: VariableCharacteristics): ValueCheck | undefined {
  if (c.minLimit !== undefined && n < c.minLimit) return outOfRange(`must be at least ${c.minLimit}`);
  if (c.maxLimit !== undefined && n > c.maxLimit) return outOfRange(`must be at most ${c.maxLimit}`);
  return undefined;
}

/**
 * Members are matched without regard to case (OCPP names are case-insensitive) and spaces around
 * commas are ignored, since CSMS front ends often add them; the canonical form has neither.
 */
function checkList(raw: string, c: VariableCharacteristics): ValueCheck {
  const allowed = c.valuesList ?? [];
  const items = raw.trim() === '' ? [] : raw.split(',').map((s) => s.trim());
  const canonical: string[] = [];
  for (const item of items) {
    const match = allowed.find((a) => a.toLowerCase() === item.toLowerCase());
    if (match === undefined) return invalid(`"${item.slice(0, 40)}" is not one of ${allowed.join(',')}`);
    if (canonical.includes(match)) return invalid(`${match} is given twice`);
    canonical.push(match);
  }
  if (c.dataType === 'OptionList' && canonical.length !== 1) return invalid(`must be exactly one of ${allowed.join(',')}`);
  return { ok: true, value: canonical.join(',') };
}

/** Checks a value for a variable's data type, range and values list; never echoes the value itself. */
export function checkValue(raw: string, c: VariableCharacteristics): ValueCheck {
  let result: ValueCheck;
  switch (c.dataType) {
    case 'integer': {
      if (!INTEGER.test(raw.trim())) return invalid('must be an integer');
      const n = Number(raw.trim());
      if (!Number.isSafeInteger(n)) return outOfRange('integer too large');
      return checkNumber(n, c) ?? { ok: true, value: String(n) };
    }
    case 'decimal': {
      if (!DECIMAL.test(raw.trim())) return invalid('must be a decimal number');
      const n = Number(raw.trim());
      if (!Number.isFinite(n)) return outOfRange('number too large');
      return checkNumber(n, c) ?? { ok: true, value: String(n) };
    }
    case 'boolean': {
      const b = raw.trim().toLowerCase();
      if (b !== 'true' && b !== 'false') return invalid('must be true or false');
      return { ok: true, value: b };
    }
    case 'dateTime':
      if (!DATE_TIME.test(raw.trim()) || Number.isNaN(Date.parse(raw.trim()))) {
        return invalid('must be an RFC 3339 date-time with an offset, e.g. 2025-01-31T12:00:00Z');
      }
      result = { ok: true, value: raw.trim() };
      break;
    case 'string':
      result = { ok: true, value: raw };
      break;
    case 'OptionList':
    case 'SequenceList':
    case 'MemberList':
      result = checkList(raw, c);
      break;
  }
  if (result.ok && c.maxLimit !== undefined && (c.dataType === 'string' || isList(c.dataType)) && result.value.length > c.maxLimit) {
    return outOfRange(`must be at most ${c.maxLimit} characters long`);
  }
  return result;
}

/** Splits a list value into its members; the empty string is the empty list. */
export function listMembers(value: string): string[] {
  return value === '' ? [] : value.split(',');
}
