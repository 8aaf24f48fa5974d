import { createRequire } from 'node:module';
import type { Ajv, CodeOptions, ErrorObject } from 'ajv';
import type { Validator } from './precompiled-validators.js';

const require = createRequire(import.meta.url);

/** One thing wrong with a JSON document, in the words an installer reads. */
export interface Problem {
  /** JSON Pointer to the offending value, "" for the whole document. */
  path: string;
  /** What was expected there, e.g. 'one of 1200, 2400, 9600' or 'present'. */
  expected: string;
  /** What was found, rendered as JSON, or 'nothing' when missing. */
  found: string;
}

export function formatProblem(p: Problem): string {
  return `${p.path || '/'}: must be ${p.expected}, found ${p.found}`;
}

/** Renders a value for a message: JSON, shortened; never the whole of a large object. */
export function renderFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  if (Array.isArray(value)) text = `an array of ${value.length}`;
  else if (value !== null && typeof value === 'object') text = 'an object';
  else text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A value the schema marks `x-secret` (a password), described without showing it. */
function renderSecret(value: unknown): string {
  return typeof value === 'string' ? `a secret of ${value.length} characters (not shown)` : 'a secret (not shown)';
}

/**
 * Ajv for our own documents (config, meter profiles): every error at once, defaults filled in,
 * and the `x-expected` annotation, which lets a schema say in words what a value must be. Ajv is
 * required here, not imported: built code validates with precompiled modules and never loads it
 * (document-schemas.ts); `code` is for the build, which writes their standalone code.
 */
export function createAjv(code: CodeOptions = {}): Ajv {
  const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
  const ajv = new AjvClass({ allErrors: true, useDefaults: true, verbose: true, strict: true, strictTuples: false, code });
  ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
  return ajv;
}

function pointerGet(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
    }
  }
  return d[a.length]![b.length]!;
}

/** The known key a typo most likely meant, if one is close. */
export function closestKey(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const dist = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key.toLowerCase(), k.toLowerCase());
    if (dist < bestDistance) {
      best = k;
      bestDistance = dist;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

function describeType(t: string | string[]): string {
  const names: Record<string, string> = {
    integer: 'an integer',
    number: 'a number',
    string: 'a string',
    boolean: 'true or false',
    object: 'an object',
    array: 'an array',
    null: 'null',
  };
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => names[x] ?? x).join(' or ');
}

function describeEnum(values: unknown[]): string {
  return values.length === 1 ? JSON.stringify(values[0]) : `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
}

/** What one ajv error says was expected, in plain words. */
function describeError(e: ErrorObject): string | undefined {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return describeType(p['type'] as string | string[]);
    case 'enum':
      return describeEnum(p['allowedValues'] as unknown[]);
    case 'const':
      return JSON.stringify(p['allowedValue']);
    case 'minimum':
      return `at least ${String(p['limit'])}`;
    case 'maximum':
      return `at most ${String(p['limit'])}`;
    case 'exclusiveMinimum':
      return `more than ${String(p['limit'])}`;
    case 'exclusiveMaximum':
      return `less than ${String(p['limit'])}`;
    case 'minLength':
      return `a string of at least ${String(p['limit'])} characters`;
    case 'maxLength':
      return `a string of at most ${String(p['limit'])} characters`;
    case 'pattern':
      return `a string matching ${String(p['pattern'])}`;
    case 'format':
      return `a ${String(p['format'])}`;
    case 'minItems':
      return `a list of at least ${String(p['limit'])}`;
    case 'maxItems':
      return `a list of at most ${String(p['limit'])}`;
    case 'uniqueItems':
      return 'a list without duplicates';
    case 'minProperties':
      return `an object with at least ${String(p['limit'])} keys`;
    // Wrappers whose inner errors say more.
    case 'if':
    case 'anyOf':
    case 'oneOf':
    case 'allOf':
    case '$ref':
      return undefined;
    default:
      return e.message;
  }
}

/**
 * Turns ajv's errors into one problem per path: several errors at one path (a wrong type and
 * an enum) become one line, and a schema's `x-expected` text wins over generated words.
 */
export function problemsFromAjv(errors: ErrorObject[] | null | undefined, doc: unknown): Problem[] {
  const byPath = new Map<string, { expected: string[]; found: string }>();
  const add = (path: string, expected: string, found: string): void => {
    const entry = byPath.get(path) ?? { expected: [], found };
    if (!entry.expected.includes(expected)) entry.expected.push(expected);
    byPath.set(path, entry);
  };
  for (const e of errors ?? []) {
    const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as Record<string, unknown>)['additionalProperty']);
      const known = Object.keys((parent['properties'] ?? {}) as object).filter((k) => k !== '$schema');
      const guess = closestKey(key, known);
      const path = `${e.instancePath}/${escapePointer(key)}`;
      const value = pointerGet(doc, path);
      // A misspelt "password" holds the password all the same.
      const props = (parent['properties'] ?? {}) as Record<string, Record<string, unknown>>;
      const secret = guess !== undefined && props[guess]?.['x-secret'] === true;
      add(
        path,
        `a known key${guess ? ` (did you mean "${guess}"?)` : ''}; known here: ${known.join(', ') || 'none'}`,
        `unknown key "${key}" = ${secret ? renderSecret(value) : renderFound(value)}`,
      );
      continue;
    }
    if (e.keyword === 'required') {
      const key = String((e.params as Record<string, unknown>)['missingProperty']);
      const props = (parent['properties'] ?? {}) as Record<string, Record<string, unknown>>;
      const inner = props[key]?.['x-expected'];
      add(`${e.instancePath}/${escapePointer(key)}`, typeof inner === 'string' ? inner : 'present (required)', 'nothing');
      continue;
    }
    if (e.keyword === 'propertyNames') continue; // said by the inner error, which names the key
    if (e.propertyName !== undefined) {
      // A key's name broke a rule (propertyNames): point at the key itself.
      const words = typeof parent['x-expected'] === 'string' ? (parent['x-expected'] as string) : describeError(e);
      add(`${e.instancePath}/${escapePointer(e.propertyName)}`, `a key name that is ${words ?? 'valid'}`, `the name ${JSON.stringify(e.propertyName)}`);
      continue;
    }
    const words = typeof parent['x-expected'] === 'string' ? (parent['x-expected'] as string) : describeError(e);
    if (words === undefined) continue;
    const value = pointerGet(doc, e.instancePath);
    add(e.instancePath, words, parent['x-secret'] === true ? renderSecret(value) : renderFound(value));
  }
  return [...byPath.entries()].map(([path, v]) => ({ path, expected: v.expected.join('; '), found: v.found }));
}

/** Validates documents against one schema, returning problems (empty when valid). */
export class SchemaChecker<T> {
  private readonly validateFn: Validator;

  /**
   * From a validator built with createAjv's options (precompiled: document-schemas.ts), or from a
   * schema, compiled now.
   */
  constructor(schemaOrValidator: object | Validator) {
    this.validateFn = typeof schemaOrValidator === 'function' ? (schemaOrValidator as Validator) : createAjv().compile(schemaOrValidator);
  }

  /** Validates, filling in the schema's defaults in place. */
  check(doc: unknown): { ok: true; value: T } | { ok: false; problems: Problem[] } {
    if (this.validateFn(doc)) return { ok: true, value: doc as T };
    return { ok: false, problems: problemsFromAjv(this.validateFn.errors, doc) };
  }
}

// Parsing JSON text with line and column lives in json-syntax.ts, which does not load Ajv (failsafe reads JSON too).
export { parseJsonText, readJsonFile } from './json-syntax.js';
