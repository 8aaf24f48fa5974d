import type { OcppVersion } from '../../config/station-config.js';
import { builtValidatorsDir, loadPrecompiled, type Validator } from '../../util/precompiled-validators.js';
import { errorCodeFor } from './ocpp-schema-errors.js';
import { compileOcppSchema } from './ocpp-schema-compiler.js';
import { isObject, precompiledOcppModule, prepareSchema, versionActions, type MessageKind, type VersionActions } from './ocpp-schema-files.js';
import { MAX_ERROR_DESCRIPTION_LENGTH, truncateText, type RpcErrorCode } from './rpc-errors.js';

/**
 * Validation of OCPP payloads against the official schemas of each version (ocpp-schema-files.ts:
 * which files, which corrections). An action's validator is loaded the first time the action is
 * validated, not at start: from the module the build compiled for it (dist/validators/ocpp/) when
 * running built, else compiled from its schema then (ocpp-schema-compiler.ts).
 */

export type { MessageKind } from './ocpp-schema-files.js';
export { errorCodeFor } from './ocpp-schema-errors.js';
export type ValidationResult = { ok: true } | { ok: false; code: RpcErrorCode; description: string };

function quoted(text: unknown): string {
  return JSON.stringify(truncateText(String(text), 40));
}

function invalid(code: RpcErrorCode, description: string): ValidationResult {
  return { ok: false, code, description: truncateText(description, MAX_ERROR_DESCRIPTION_LENGTH) };
}

/** Where an action's validator came from: the build's standalone module, or compiled at run time. */
export type ValidatorOrigin = 'precompiled' | 'compiled';

export class OcppSchemas {
  /**
   * The one piece of process-wide state in the OCPP layer, on purpose: what the package's schema
   * files compile to is the same for every station and no station changes it, so stations in one
   * process share it (loaded once, not once per station: time at start and memory).
   */
  private static readonly byVersion = new Map<OcppVersion, OcppSchemas>();

  /** The schemas of one version, loaded once per process. */
  static for(version: OcppVersion): OcppSchemas {
    let schemas = OcppSchemas.byVersion.get(version);
    if (!schemas) {
      schemas = new OcppSchemas(version, builtValidatorsDir);
      OcppSchemas.byVersion.set(version, schemas);
    }
    return schemas;
  }

  /**
   * A separate set of one version's schemas, with the precompiled modules of `validatorsDir`
   * (undefined: every schema compiled at run time); for comparing the two.
   */
  static withValidatorsFrom(version: OcppVersion, validatorsDir: string | undefined): OcppSchemas {
    return new OcppSchemas(version, validatorsDir);
  }

  /** Every action of the version, e.g. "BootNotification". */
  readonly actions: ReadonlySet<string>;
  private readonly found: VersionActions;
  private readonly loaded = new Map<string, { validate: Validator; origin: ValidatorOrigin }>();

  private constructor(
    readonly version: OcppVersion,
    private readonly validatorsDir: string | undefined,
  ) {
    this.found = versionActions(version);
    this.actions = this.found.actions;
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
    let validateFn: Validator;
    try {
      validateFn = this.validator(action, kind).validate;
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

  /** Where the validator of a known action came from (loading it if not yet loaded). */
  validatorOrigin(action: string, kind: MessageKind): ValidatorOrigin {
    return this.validator(action, kind).origin;
  }

  private validator(action: string, kind: MessageKind): { validate: Validator; origin: ValidatorOrigin } {
    const key = `${kind}:${action}`;
    let entry = this.loaded.get(key);
    if (!entry) {
      const precompiled = loadPrecompiled(this.validatorsDir, precompiledOcppModule(this.version, action, kind));
      entry = precompiled
        ? { validate: precompiled, origin: 'precompiled' }
        : { validate: compileOcppSchema(prepareSchema(this.version, this.found, action, kind)), origin: 'compiled' };
      this.loaded.set(key, entry);
    }
    return entry;
  }
}
