import type { ConfigurationKeyDefinition } from './key-definitions.js';

/**
 * Whether a value fits its OCPP 1.6 configuration key (5.3, 7.19 CiString500Type), and its canonical
 * spelling: boolean values and list members are matched without regard to case and stored as the
 * station spells them ("TRUE" is stored as "true"); free text (type string) is kept as given.
 */

/** CiString500Type (7.19). */
export const MAX_VALUE_LENGTH = 500;

export const INTEGER = /^[+-]?\d+$/;
export const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

export type Check = { ok: true; value: string } | { ok: false; reason: string };

const fail = (reason: string): Check => ({ ok: false, reason });

export interface CheckOptions {
  /** Leaves out the definition's own validate (defaults, which are checked as a bug to stop on). */
  skipValidate?: boolean;
  /** The integer value of another key (a CSL's maxItemsKey). */
  intValueOf: (key: string) => number;
}

/** Checks a value for its key's type, range, members and length; returns it in its canonical spelling. */
export function checkKeyValue(def: ConfigurationKeyDefinition, raw: string, options: CheckOptions): Check {
  const checked = checkType(def, raw, options);
  if (!checked.ok) return checked;
  if (checked.value.length > MAX_VALUE_LENGTH) return fail(`longer than ${MAX_VALUE_LENGTH} characters`);
  if (options.skipValidate) return checked;
  const reason = def.validate?.(checked.value);
  return reason === undefined ? checked : fail(reason);
}

function checkType(def: ConfigurationKeyDefinition, raw: string, options: CheckOptions): Check {
  switch (def.type) {
    case 'boolean': {
      const b = raw.trim().toLowerCase();
      return b === 'true' || b === 'false' ? { ok: true, value: b } : fail('must be true or false');
    }
    case 'integer': {
      const text = raw.trim();
      if (!INTEGER.test(text)) return fail('must be an integer');
      const n = Number(text);
      if (!Number.isSafeInteger(n)) return fail('integer too large');
      return checkRange(n, def) ?? { ok: true, value: String(n) };
    }
    case 'decimal': {
      const text = raw.trim();
      if (!DECIMAL.test(text)) return fail('must be a decimal number');
      const n = Number(text);
      if (!Number.isFinite(n)) return fail('number too large');
      return checkRange(n, def) ?? { ok: true, value: String(n) };
    }
    case 'string':
      if (def.maxLength !== undefined && raw.length > def.maxLength) return fail(`must be at most ${def.maxLength} characters`);
      return { ok: true, value: raw };
    case 'CSL':
      return checkList(def, raw, options);
  }
}

/** Spaces around commas are ignored, since Central System front ends often add them. */
function checkList(def: ConfigurationKeyDefinition, raw: string, options: CheckOptions): Check {
  const items = raw.trim() === '' ? [] : raw.split(',').map((s) => s.trim());
  const canonical: string[] = [];
  for (const item of items) {
    if (item === '') return fail('has an empty member');
    const match = def.members ? def.members.find((m) => m.toLowerCase() === item.toLowerCase()) : item;
    if (match === undefined) return fail(`"${item.slice(0, 40)}" is not one of ${def.members?.join(',') ?? ''}`);
    if (canonical.some((c) => c.toLowerCase() === match.toLowerCase())) return fail(`${match.slice(0, 40)} is given twice`);
    canonical.push(match);
  }
  if (def.maxItemsKey !== undefined) {
    const limit = options.intValueOf(def.maxItemsKey);
    if (canonical.length > limit) return fail(`has ${canonical.length} members, more than ${def.maxItemsKey} = ${limit}`);
  }
  return { ok: true, value: canonical.join(',') };
}

function checkRange(n: number, def: ConfigurationKeyDefinition): Check | undefined {
  if (def.min !== undefined && n < def.min) return fail(`must be at least ${def.min}`);
  if (def.max !== undefined && n > def.max) return fail(`must be at most ${def.max}`);
  return undefined;
}
