import { Subject, type Observable } from 'rxjs';
import type {
  ChangeConfigurationRequest,
  ChangeConfigurationResponse,
  GetConfigurationRequest,
  GetConfigurationResponse,
} from 'ocpp-messages/v1.6/index.js';
import { Secret } from '../../../config/station-config.js';
import { SettingsFile } from '../../../store/settings-file.js';
import {
  isStored,
  listMembers,
  MAX_KEY_LENGTH,
  type ConfigurationChange,
  type ConfigurationKeyDefinition,
  type ConfigurationStatus,
  type Entry,
  type KeyValue,
  type RpcErrorAnswer,
  type StoredKeyDefinition,
} from './key-definitions.js';
import { checkKeyValue, DECIMAL, INTEGER, MAX_VALUE_LENGTH, type Check } from './key-values.js';

export {
  isRpcErrorAnswer,
  listMembers,
  type ConfigurationChange,
  type ConfigurationKeyDefinition,
  type ConfigurationKeyType,
  type ConfigurationStatus,
  type KeyValue,
  type LiveKeyDefinition,
  type RpcErrorAnswer,
  type StoredKeyDefinition,
} from './key-definitions.js';

/**
 * OCPP 1.6 configuration keys (chapter 9), read with GetConfiguration (5.8) and written with
 * ChangeConfiguration (5.3), persisted in one JSON file in the storage folder.
 *
 * Key names are CiString50Type and values CiString500Type, both case insensitive (7.17, 7.19):
 * keys are matched without regard to case and reported in the station's spelling; boolean values
 * and list members are matched the same way and stored in their canonical spelling ("TRUE" is
 * stored as "true"). Free text values (type string) are kept as given.
 * The definitions are in key-definitions.ts, the value checks in key-values.ts.
 */

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
    const response: GetConfigurationResponse = { configurationKey };
    if (unknownKey.length > 0) response.unknownKey = unknownKey;
    return response;
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

  /** Checks a value for its key (key-values.ts), a list's length against its MaxLength key. */
  #check(entry: Entry, raw: string, options: { skipValidate?: boolean } = {}): Check {
    return checkKeyValue(entry.def, raw, { ...options, intValueOf: (key) => this.getInt(key) });
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
