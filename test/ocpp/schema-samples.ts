import { isObject, type JsonObject } from '../../src/ocpp/rpc/ocpp-schema-files.js';

/**
 * Payloads made from an OCPP JSON schema: one valid sample with every property filled in, and
 * broken copies of it (a required property missing, a wrong type, a value outside an enum, a string
 * one character too long, an unknown property), each at every place of the sample where the schema
 * allows that break. For comparing two validators of the same schema on the same inputs.
 */

export interface BrokenSample {
  /** What was broken where, e.g. "wrong type at /chargingStation/model". */
  label: string;
  payload: unknown;
}

const SAMPLE_DATE_TIME = '2026-12-02T15:00:00.000Z';
const SAMPLE_URI = 'https://csms.example/fw';

/** The schema a node stands for, following a local $ref ("#/definitions/X"). */
function resolve(node: JsonObject, root: JsonObject): JsonObject {
  const ref = node['$ref'];
  if (typeof ref !== 'string') return node;
  let target: unknown = root;
  for (const key of ref.replace(/^#\//, '').split('/')) target = isObject(target) ? target[key] : undefined;
  if (!isObject(target)) throw new Error(`unresolved $ref ${ref}`);
  return resolve(target, root);
}

function typeOf(schema: JsonObject): string | undefined {
  const type = schema['type'];
  return typeof type === 'string' ? type : undefined;
}

function sampleString(schema: JsonObject): string {
  const values = schema['enum'];
  if (Array.isArray(values)) return String(values[0]);
  if (schema['format'] === 'date-time') return SAMPLE_DATE_TIME;
  if (schema['format'] === 'uri') return SAMPLE_URI;
  const maxLength = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : 8;
  return 'a'.repeat(Math.min(maxLength, 8));
}

/** A value that the schema accepts, with every optional property present too. */
export function validSample(node: JsonObject, root: JsonObject = node): unknown {
  const schema = resolve(node, root);
  switch (typeOf(schema)) {
    case 'object': {
      const properties = isObject(schema['properties']) ? schema['properties'] : {};
      const sample: JsonObject = {};
      for (const [key, child] of Object.entries(properties)) if (isObject(child)) sample[key] = validSample(child, root);
      return sample;
    }
    case 'array': {
      const items = isObject(schema['items']) ? schema['items'] : {};
      const count = Math.max(1, typeof schema['minItems'] === 'number' ? schema['minItems'] : 1);
      return Array.from({ length: count }, () => validSample(items, root));
    }
    case 'string':
      return sampleString(schema);
    case 'integer':
    case 'number':
      return typeof schema['minimum'] === 'number' ? schema['minimum'] : 0;
    case 'boolean':
      return true;
    default:
      return 'any';
  }
}

function pointer(path: readonly (string | number)[]): string {
  return path.length === 0 ? '/' : `/${path.join('/')}`;
}

/** A copy of `sample` with the value at `path` replaced (undefined: the property removed). */
function replaced(sample: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(sample);
  if (path.length === 0) return value;
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
}

/** Every single break of the valid sample that the schema rejects. */
export function brokenSamples(rootSchema: JsonObject): BrokenSample[] {
  const sample = validSample(rootSchema);
  const broken: BrokenSample[] = [];
  const add = (label: string, path: readonly (string | number)[], value: unknown): void => {
    broken.push({ label: `${label} at ${pointer(path)}`, payload: replaced(sample, path, value) });
  };
  const visit = (node: JsonObject, value: unknown, path: (string | number)[]): void => {
    const schema = resolve(node, rootSchema);
    const type = typeOf(schema);
    if (type === undefined) return;
    if (path.length > 0) add('wrong type', path, type === 'string' ? 12345 : 'not-of-its-type');
    if (type === 'object' && isObject(value)) {
      const required = Array.isArray(schema['required']) ? schema['required'] : [];
      for (const key of required) add('missing required', [...path, String(key)], undefined);
      if (schema['additionalProperties'] === false) add('extra property', [...path, 'zzUnknown'], 1);
      const properties = isObject(schema['properties']) ? schema['properties'] : {};
      for (const [key, child] of Object.entries(properties)) if (isObject(child)) visit(child, value[key], [...path, key]);
    } else if (type === 'array' && Array.isArray(value) && isObject(schema['items'])) {
      visit(schema['items'], value[0], [...path, 0]);
    } else if (type === 'string') {
      if (Array.isArray(schema['enum'])) add('bad enum', path, 'NotAnAllowedValue');
      else if (typeof schema['maxLength'] === 'number') add('too long', path, 'a'.repeat(schema['maxLength'] + 1));
    }
  };
  visit(rootSchema, sample, []);
  return broken;
}
