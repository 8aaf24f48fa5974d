import { Subject, type Observable } from 'rxjs';
import type {
  ChangeConfigurationRequest,
  ChangeConfigurationResponse,
  GetConfigurationRequest,
  GetConfigurationResponse,
} from 'ocpp-messages/v1.6/index.js';
import { Secret } from '../../../config/station-config.js';
import { SettingsFile } from '../../../store/settings-file.js';
import type { RpcErrorCode } from '../../rpc/rpc-errors.js';

/**
 * OCPP 1.6 configuration keys (chapter 9), read with GetConfiguration (5.8) and written with
 * ChangeConfiguration (5.3), persisted in one JSON file in the storage folder.
 *
 * Key names are CiString50Type and values CiString500Type, both case insensitive (7.17, 7.19):
 * keys are matched without regard to case and reported in the station's spelling; boolean values
 * and list members are matched the same way and stored in their canonical spelling ("TRUE" is
 * stored as "true"). Free text values (type string) are kept as given.
 */

export type ConfigurationKeyType = 'boolean' | 'integer' | 'decimal' | 'string' | 'CSL';
export type ConfigurationStatus = ChangeConfigurationResponse['status'];
export type KeyValue = NonNullable<GetConfigurationResponse['configurationKey']>[number];

interface KeyDefinitionBase {
  /** The name as the spec spells it, at most 50 characters. */
  key: string;
  type: ConfigurationKeyType;
  /** Accessibility R: GetConfiguration reports it, ChangeConfiguration is Rejected. */
  readonly: boolean;
  /** A new value takes effect only after a restart: ChangeConfiguration answers RebootRequired. */
  rebootRequired?: boolean;
  /** Accessibility W (AuthorizationKey): its value is never reported, logged or announced. */
  writeOnly?: boolean;
  /** integer and decimal: the range. */
  min?: number;
  max?: number;
  /** string: the most characters. */
  maxLength?: number;
  /** CSL: the allowed members, matched without regard to case; absent: any member. */
  members?: readonly string[];
  /** CSL: the key whose integer value is the most members the list may have ([KeyName]MaxLength, 5.3). */
  maxItemsKey?: string;
  /** A check beyond the type; gets the canonical value, returns why it is refused. */
  validate?: (value: string) => string | undefined;
}

/** A value the store keeps: the default until changed, persisted when changed. */
export interface StoredKeyDefinition extends KeyDefinitionBase {
  default: string;
}

/** A read-only value the agent knows at the moment it is asked (e.g. the security profile in use). */
export interface LiveKeyDefinition extends KeyDefinitionBase {
  readonly: true;
  read: () => string;
}

export type ConfigurationKeyDefinition = StoredKeyDefinition | LiveKeyDefinition;

export interface ConfigurationChange {
  key: string;
  /** The new value in effect; a mask for a write-only key, whose value is only in `secret`. */
  value: string;
  secret?: Secret;
}

/** A request the station answers with a CALLERROR instead of a response; the caller turns it into one. */
export interface RpcErrorAnswer {
  rpcError: RpcErrorCode;
  description: string;
}

export function isRpcErrorAnswer(answer: object): answer is RpcErrorAnswer {
  return 'rpcError' in answer;
}

export interface ConfigurationStoreOptions {
  definitions: readonly ConfigurationKeyDefinition[];
  /** Where changed values are persisted; without it they are kept in memory only. */
  storageDir?: string;
  /** Never given a write-only value. */
  onWarning?: (message: string) => void;
}

export const CONFIGURATION_FILE = 'ocpp16-configuration.json';
/** The standard key that limits how many keys one GetConfiguration.req may name (9.1.9). */
export const MAX_KEYS_KEY = 'GetConfigurationMaxKeys';

const MASK = '********';
/** CiString50Type and CiString500Type (7.17, 7.19). */
const MAX_KEY_LENGTH = 50;
const MAX_VALUE_LENGTH = 500;

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

type Check = { ok: true; value: string } | { ok: false; reason: string };

interface Entry {
  readonly def: ConfigurationKeyDefinition;
  /** The value in effect (stored keys only). */
  active: string;
}

const isStored = (def: ConfigurationKeyDefinition): def is StoredKeyDefinition => !('read' in def);
const fail = (reason: string): Check => ({ ok: false, reason });

/** Splits a CSL value into its members; the empty string is the empty list. */
export function listMembers(value: string): string[] {
  return value === '' ? [] : value.split(',');
}

export class ConfigurationStore {
  readonly changes$: Observable<ConfigurationChange>;
  readonly #changes = new Subject<ConfigurationChange>();
  readonly #entries: Entry[] = [];
  readonly #byKey = new Map<string, Entry>();
  /** What the file holds (or would, without a storage folder): changed values by key. */
  readonly #persisted = new Map<string, string>();
  readonly #file: SettingsFile | undefined;
  readonly #onWarning: (message: string) => void;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ConfigurationStoreOptions) {
    this.#onWarning = options.onWarning ?? (() => undefined);
    this.changes$ = this.#changes.asObservable();
    for (const def of options.definitions) this.#define(def);
    for (const entry of this.#entries) this.#checkReferences(entry);
    // Lists last: their length is checked against a MaxLength key, which must be in effect first.
    const stored = this.#entries.filter((e) => isStored(e.def));
    for (const entry of [...stored.filter((e) => e.def.type !== 'CSL'), ...stored.filter((e) => e.def.type === 'CSL')]) {
      const def = entry.def as StoredKeyDefinition;
      // Defaults come from the installer's config and the spec; a bad one is a bug to stop on, not to hide.
      const checked = this.#check(entry, def.default, { skipValidate: true });
      if (!checked.ok) throw new Error(`configuration key ${def.key}: default ${checked.reason}`);
      entry.active = checked.value;
    }
    if (options.storageDir !== undefined) {
      this.#file = new SettingsFile(options.storageDir, CONFIGURATION_FILE, 'the default configuration', this.#onWarning);
      this.#loadPersisted(this.#file.load());
    }
  }

  #define(def: ConfigurationKeyDefinition): void {
    const where = `configuration key ${def.key}`;
    if (def.key === '' || def.key.length > MAX_KEY_LENGTH) throw new Error(`${where}: a key has 1 to ${MAX_KEY_LENGTH} characters`);
    if (this.#byKey.has(def.key.toLowerCase())) throw new Error(`${where} is defined twice`);
    if (def.writeOnly && def.readonly) throw new Error(`${where}: a write-only key cannot be read-only`);
    if (!isStored(def) && def.rebootRequired) throw new Error(`${where}: a live key cannot need a reboot`);
    if (def.type !== 'CSL' && (def.members || def.maxItemsKey)) throw new Error(`${where}: members and maxItemsKey are for CSL keys`);
    const entry: Entry = { def, active: '' };
    this.#entries.push(entry);
    this.#byKey.set(def.key.toLowerCase(), entry);
  }

  #checkReferences(entry: Entry): void {
    const { maxItemsKey, key } = entry.def;
    if (maxItemsKey === undefined) return;
    const limit = this.#byKey.get(maxItemsKey.toLowerCase());
    if (!limit || limit.def.type !== 'integer' || !limit.def.readonly) {
      throw new Error(`configuration key ${key}: its maxItemsKey ${maxItemsKey} must be a read-only integer key`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Persistence

  /**
   * Saved values override the defaults. A value that no longer fits its key (or a key that is
   * gone, or read-only now) is dropped.
   */
  #loadPersisted(saved: ReadonlyMap<string, string>): void {
    for (const [key, value] of saved) {
      const entry = this.#byKey.get(key.toLowerCase());
      if (!entry || !isStored(entry.def) || entry.def.readonly) {
        this.#onWarning(`ignoring a saved value for ${key}, which is not a writable key of this station`);
        continue;
      }
      const checked = this.#check(entry, value);
      if (!checked.ok) {
        const shown = entry.def.writeOnly ? '' : ` "${value.slice(0, 60)}"`;
        this.#onWarning(`ignoring the saved value${shown} for ${entry.def.key} (${checked.reason}); using the default`);
        continue;
      }
      entry.active = checked.value;
      this.#persisted.set(entry.def.key, checked.value);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Typed reads for the agent: the values in effect (a RebootRequired change waits for the restart)

  has(key: string): boolean {
    return this.#byKey.has(key.toLowerCase());
  }

  /** Every key, in definition order. */
  keys(): string[] {
    return this.#entries.map((e) => e.def.key);
  }

  getString(key: string): string {
    const entry = this.#entryFor(key);
    if (entry.def.writeOnly) throw new Error(`${entry.def.key} is write-only; read it with getSecret`);
    return this.#read(entry);
  }

  getInt(key: string): number {
    const text = this.getString(key);
    const n = Number(text);
    if (!INTEGER.test(text) || !Number.isSafeInteger(n)) throw new Error(`${key} is not an integer: "${text}"`);
    return n;
  }

  getDecimal(key: string): number {
    const text = this.getString(key);
    const n = Number(text);
    if (!DECIMAL.test(text) || !Number.isFinite(n)) throw new Error(`${key} is not a number: "${text}"`);
    return n;
  }

  getBool(key: string): boolean {
    const text = this.getString(key);
    if (text !== 'true' && text !== 'false') throw new Error(`${key} is not a boolean: "${text}"`);
    return text === 'true';
  }

  getList(key: string): string[] {
    return listMembers(this.getString(key));
  }

  /** A write-only value (AuthorizationKey), wrapped so that it does not print; undefined when unset. */
  getSecret(key: string): Secret | undefined {
    const value = this.#read(this.#entryFor(key));
    return value === '' ? undefined : new Secret(value);
  }

  /** Keys whose changed value waits for a restart. */
  pendingReboot(): string[] {
    return this.#entries
      .filter((e) => e.def.rebootRequired && this.#persisted.has(e.def.key) && this.#persisted.get(e.def.key) !== e.active)
      .map((e) => e.def.key);
  }

  /**
   * The agent's own write (e.g. HeartbeatInterval from a BootNotification.conf's interval): checked,
   * persisted and announced like a ChangeConfiguration. Throws for a key the store does not have.
   */
  async set(key: string, value: string): Promise<ConfigurationStatus> {
    if (!this.has(key)) throw new Error(`no configuration key ${key}`);
    return this.#change(key, value);
  }

  // -------------------------------------------------------------------------------------------
  // 5.8 GetConfiguration

  /**
   * No keys, or an empty list: every key. Otherwise each named key once, in the order named, and
   * the names not recognized in unknownKey as they were written. A write-only key is reported
   * without its value (7.29 allows a known key without one), so the Central System learns that it
   * exists and is writable and nothing of the key itself.
   *
   * The spec lets the station limit the number of keys named (GetConfigurationMaxKeys) but not
   * say how a request over it is refused; it is answered with a CALLERROR
   * OccurrenceConstraintViolation, as OCPP-J defines for a field that breaks an occurrence limit.
   */
  getConfiguration(request: GetConfigurationRequest): GetConfigurationResponse | RpcErrorAnswer {
    const named = request.key ?? [];
    const maxKeys = this.#maxKeys();
    if (maxKeys !== undefined && named.length > maxKeys) {
      return { rpcError: 'OccurrenceConstraintViolation', description: `${named.length} keys requested, more than ${MAX_KEYS_KEY} = ${maxKeys}` };
    }
    if (named.length === 0) return { configurationKey: this.#entries.map((e) => this.#keyValue(e)) };
    const configurationKey: KeyValue[] = [];
    const unknownKey: string[] = [];
    const seen = new Set<string>();
    for (const name of named) {
      const lower = name.toLowerCase();
      if (seen.has(lower)) continue;
      seen.add(lower);
      const entry = this.#byKey.get(lower);
      if (entry) configurationKey.push(this.#keyValue(entry));
      else unknownKey.push(name);
    }
    return { configurationKey, ...(unknownKey.length > 0 ? { unknownKey } : {}) };
  }

  #keyValue(entry: Entry): KeyValue {
    const { key, readonly, writeOnly } = entry.def;
    if (writeOnly) return { key, readonly: false };
    let value: string;
    try {
      value = this.#read(entry);
    } catch (err) {
      // A live value that cannot be read now is reported as known but without a value (7.29).
      this.#onWarning(`cannot read ${key}: ${(err as Error).message}`);
      return { key, readonly };
    }
    return { key, readonly, value: value.slice(0, MAX_VALUE_LENGTH) };
  }

  #maxKeys(): number | undefined {
    const entry = this.#byKey.get(MAX_KEYS_KEY.toLowerCase());
    if (!entry) return undefined;
    const n = Number(this.#read(entry));
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // 5.3 ChangeConfiguration

  /**
   * NotSupported for a key the station does not have; Rejected for a read-only key, a value of the
   * wrong format or out of range (5.3), a list with a member the station cannot give (errata
   * 3.14.4) or too many members, or a value that could not be saved; RebootRequired when the
   * value is saved but takes effect after a restart; else Accepted, and the value is in effect and
   * saved before the answer. A value equal to the one in effect is Accepted without a change.
   */
  async changeConfiguration(request: ChangeConfigurationRequest): Promise<ChangeConfigurationResponse> {
    if (!this.has(request.key)) return { status: 'NotSupported' };
    return { status: await this.#change(request.key, request.value) };
  }

  async #change(key: string, raw: string): Promise<ConfigurationStatus> {
    const entry = this.#entryFor(key);
    const { def } = entry;
    if (def.readonly || !isStored(def)) return 'Rejected'; // 9: R keys cannot be written
    return this.#serialized(async () => {
      const checked = this.#check(entry, raw);
      if (!checked.ok) return 'Rejected';
      const value = checked.value;
      if (this.#persisted.get(def.key) !== value) {
        const next = new Map(this.#persisted).set(def.key, value);
        if (this.#file) {
          try {
            await this.#file.save(next);
          } catch (err) {
            this.#onWarning(`cannot save the configuration to ${this.#file.file}: ${(err as Error).message}; ${def.key} not changed`);
            return 'Rejected';
          }
        }
        this.#persisted.set(def.key, value);
      }
      if (value === entry.active) return 'Accepted';
      if (def.rebootRequired) return 'RebootRequired';
      entry.active = value;
      this.#changes.next(def.writeOnly ? { key: def.key, value: MASK, secret: new Secret(value) } : { key: def.key, value });
      return 'Accepted';
    });
  }

  // -------------------------------------------------------------------------------------------
  // Values

  /** Checks a value for its key's type, range, members and length; returns it in its canonical spelling. */
  #check(entry: Entry, raw: string, options: { skipValidate?: boolean } = {}): Check {
    const { def } = entry;
    const checked = this.#checkType(def, raw);
    if (!checked.ok) return checked;
    if (checked.value.length > MAX_VALUE_LENGTH) return fail(`longer than ${MAX_VALUE_LENGTH} characters`);
    if (options.skipValidate) return checked;
    const reason = def.validate?.(checked.value);
    return reason === undefined ? checked : fail(reason);
  }

  #checkType(def: ConfigurationKeyDefinition, raw: string): Check {
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
        return this.#checkList(def, raw);
    }
  }

  /** Spaces around commas are ignored, since Central System front ends often add them. */
  #checkList(def: ConfigurationKeyDefinition, raw: string): Check {
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
      const limit = this.getInt(def.maxItemsKey);
      if (canonical.length > limit) return fail(`has ${canonical.length} members, more than ${def.maxItemsKey} = ${limit}`);
    }
    return { ok: true, value: canonical.join(',') };
  }

  #entryFor(key: string): Entry {
    const entry = this.#byKey.get(key.toLowerCase());
    if (!entry) throw new Error(`no configuration key ${key}`);
    return entry;
  }

  #read(entry: Entry): string {
    return isStored(entry.def) ? entry.active : entry.def.read();
  }

  /** One change at a time, so that the file and the values in effect change in request order. */
  #serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function checkRange(n: number, def: ConfigurationKeyDefinition): Check | undefined {
  if (def.min !== undefined && n < def.min) return fail(`must be at least ${def.min}`);
  if (def.max !== undefined && n > def.max) return fail(`must be at most ${def.max}`);
  return undefined;
}
