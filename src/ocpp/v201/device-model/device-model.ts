import { Subject, type Observable } from 'rxjs';
import type {
  GetBaseReportRequest,
  GetBaseReportResponse,
  GetReportRequest,
  GetReportResponse,
  GetVariablesRequest,
  GetVariablesResponse,
  NotifyReportRequest,
  SetVariablesRequest,
  SetVariablesResponse,
} from 'ocpp-messages/v2.0/index.js';
import type { AttributeEnumType, GetVariableResultType } from 'ocpp-messages/v2.0/GetVariablesResponse.js';
import type { ComponentVariableType } from 'ocpp-messages/v2.0/GetReportRequest.js';
import type { ReportDataType, VariableAttributeType, VariableCharacteristicsType } from 'ocpp-messages/v2.0/NotifyReportRequest.js';
import type { SetVariableDataType } from 'ocpp-messages/v2.0/SetVariablesRequest.js';
import type { SetVariableResultType, StatusInfoType } from 'ocpp-messages/v2.0/SetVariablesResponse.js';
import { Secret } from '../../../config/station-config.js';
import { SettingsFile } from '../../../store/settings-file.js';
import { jsonByteLength } from '../../../util/json-text.js';
import { checkValue, listMembers, type VariableCharacteristics } from './value-format.js';

/** Where the writable values the CSMS set are kept, in the storage folder. */
export const DEVICE_MODEL_FILE = 'device-model.json';

/**
 * The OCPP 2.0.1 device model (Part 1 chapter 4, Part 2 block B): components and their variables,
 * read and written by the CSMS with GetVariables (B06) and SetVariables (B05), and reported with
 * GetBaseReport (B07) and GetReport (B08). Only the Actual attribute exists here: the station has no
 * Target, MinSet or MaxSet values, and monitoring is not supported.
 *
 * Component and variable names and instances are matched without regard to case, as the schemas say.
 */

export type { DataType, VariableCharacteristics } from './value-format.js';
export type Mutability = 'ReadOnly' | 'WriteOnly' | 'ReadWrite';
export type ReportBase = 'ConfigurationInventory' | 'FullInventory' | 'SummaryInventory';

export interface EvseAddress {
  id: number;
  connectorId?: number;
}

export interface ComponentAddress {
  name: string;
  instance?: string;
  evse?: EvseAddress;
}

export interface VariableAddress {
  name: string;
  instance?: string;
}

interface DefinitionBase {
  component: ComponentAddress;
  variable: VariableAddress;
  mutability: Mutability;
  characteristics: VariableCharacteristics;
  /** A new value takes effect only after a restart: SetVariables answers RebootRequired. */
  rebootRequired?: boolean;
  /** A check beyond the characteristics; returns why the (canonical) value is refused. */
  validate?: (value: string) => string | undefined;
  /** Whether the variable belongs in a SummaryInventory report, given its current value (B07.FR.09). */
  inSummary?: boolean | ((value: string | undefined) => boolean);
}

/** A value the model keeps: the default until set, persisted when set. */
export interface StoredVariableDefinition extends DefinitionBase {
  default: string;
  /** Default true; the spec requires it of every writable variable. */
  persistent?: boolean;
  /** Never changed at runtime; default: true for ReadOnly values. */
  constant?: boolean;
}

/** A value the agent knows at the moment it is asked (a clock, a connector's state). */
export interface LiveVariableDefinition extends DefinitionBase {
  mutability: 'ReadOnly';
  read: () => string | undefined;
}

export type VariableDefinition = StoredVariableDefinition | LiveVariableDefinition;

/** Which one of several variables of that name: the variable's instance, the component's instance or EVSE. */
export interface VariableSelector {
  instance?: string;
  componentInstance?: string;
  evse?: EvseAddress;
}

export interface VariableChange {
  component: string;
  componentInstance?: string;
  evse?: EvseAddress;
  variable: string;
  instance?: string;
  /** The new value; a mask for a WriteOnly variable, whose value is only in `secret`. */
  value: string;
  secret?: Secret;
}

/**
 * A request the station answers with a CALLERROR instead of a response (B06.FR.16/17,
 * B08.FR.17/18); the caller turns it into an RPC error with this code.
 */
export interface RpcErrorAnswer {
  rpcError: 'OccurrenceConstraintViolation' | 'FormatViolation';
  description: string;
}

export function isRpcErrorAnswer(answer: object): answer is RpcErrorAnswer {
  return 'rpcError' in answer;
}

export interface DeviceModelOptions {
  definitions: readonly VariableDefinition[];
  /** Where set values are persisted; without it they are kept in memory only. */
  storageDir?: string;
  onWarning?: (message: string) => void;
}

/** The size of the request as received, for BytesPerMessage; default: the payload as JSON (written without recursion). */
export interface RequestSize {
  requestBytes?: number;
}

export type SetStatus = 'Accepted' | 'Rejected' | 'RebootRequired';
export interface SetOutcome {
  status: SetStatus;
  statusInfo?: StatusInfoType;
}

interface Entry {
  readonly def: VariableDefinition;
  /** Readable and unique, e.g. "EVSE@1/Power", "DeviceDataCtrlr/ItemsPerMessage[GetVariables]". */
  readonly key: string;
  /** The value in effect (stored variables only). */
  active: string;
}

type Resolution = { entry: Entry } | { unknown: 'UnknownComponent' | 'UnknownVariable' };

const MASK = '********';
const isStored = (def: VariableDefinition): def is StoredVariableDefinition => !('read' in def);
const blank = (s: string | undefined): s is undefined | '' => s === undefined || s === '';
const lower = (s: string | undefined): string => (blank(s) ? '' : s.toLowerCase());

function componentKey(c: ComponentAddress): string {
  return [lower(c.name), lower(c.instance), c.evse ? String(c.evse.id) : '', c.evse?.connectorId ?? ''].join('|');
}

function variableKey(v: VariableAddress): string {
  return `${lower(v.name)}|${lower(v.instance)}`;
}

function readableKey(c: ComponentAddress, v: VariableAddress): string {
  const inst = (s: string | undefined): string => (blank(s) ? '' : `[${s}]`);
  const evse = c.evse ? `@${c.evse.id}${c.evse.connectorId !== undefined ? `.${c.evse.connectorId}` : ''}` : '';
  return `${c.name}${inst(c.instance)}${evse}/${v.name}${inst(v.instance)}`;
}

/** The component and variable as the request named them (B05.FR.02, B06.FR.02), without customData. */
function echoComponent(c: ComponentAddress): ComponentAddress {
  return {
    name: c.name,
    ...(c.instance !== undefined ? { instance: c.instance } : {}),
    ...(c.evse ? { evse: { id: c.evse.id, ...(c.evse.connectorId !== undefined ? { connectorId: c.evse.connectorId } : {}) } } : {}),
  };
}

function echoVariable(v: VariableAddress): VariableAddress {
  return { name: v.name, ...(v.instance !== undefined ? { instance: v.instance } : {}) };
}

function statusInfo(reasonCode: string, additionalInfo?: string): StatusInfoType {
  return { reasonCode, ...(additionalInfo ? { additionalInfo: additionalInfo.slice(0, 512) } : {}) };
}

export class DeviceModel {
  readonly changes$: Observable<VariableChange>;
  readonly #changes = new Subject<VariableChange>();
  readonly #entries: Entry[] = [];
  readonly #components = new Map<string, Map<string, Entry>>();
  readonly #byKey = new Map<string, Entry>();
  /** What the file holds (or would, without a storage folder): set values by readable key. */
  readonly #persisted = new Map<string, string>();
  readonly #store: SettingsFile | undefined;
  readonly #onWarning: (message: string) => void;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: DeviceModelOptions) {
    this.#onWarning = options.onWarning ?? (() => undefined);
    this.changes$ = this.#changes.asObservable();
    for (const def of options.definitions) this.#define(def);
    if (options.storageDir !== undefined) {
      this.#store = new SettingsFile(options.storageDir, DEVICE_MODEL_FILE, 'default device model values', this.#onWarning);
      this.#loadPersisted(this.#store.load());
    }
  }

  #define(def: VariableDefinition): void {
    const key = readableKey(def.component, def.variable);
    const where = `device model variable ${key}`;
    if (this.#byKey.has(key.toLowerCase())) throw new Error(`${where} is defined twice`);
    const c = def.characteristics;
    if ((c.dataType === 'OptionList' || c.dataType === 'SequenceList' || c.dataType === 'MemberList') && !c.valuesList?.length) {
      throw new Error(`${where}: a ${c.dataType} needs a valuesList`);
    }
    let active = '';
    if (isStored(def)) {
      const checked = checkValue(def.default, c);
      if (!checked.ok) throw new Error(`${where}: default ${checked.problem.additionalInfo}`);
      active = checked.value;
    } else if (def.mutability !== 'ReadOnly') {
      throw new Error(`${where}: a live value can only be ReadOnly`);
    }
    const entry: Entry = { def, key, active };
    this.#entries.push(entry);
    this.#byKey.set(key.toLowerCase(), entry);
    const ck = componentKey(def.component);
    let vars = this.#components.get(ck);
    if (!vars) this.#components.set(ck, (vars = new Map()));
    vars.set(variableKey(def.variable), entry);
  }

  /** Saved values override the defaults; any that no longer fit the definition are dropped. */
  #loadPersisted(saved: ReadonlyMap<string, string>): void {
    for (const [key, value] of saved) {
      const entry = this.#byKey.get(key.toLowerCase());
      if (!entry || !isStored(entry.def) || entry.def.persistent === false) {
        this.#onWarning(`ignoring a saved value for ${key}, which this device model does not keep`);
        continue;
      }
      const checked = this.#check(entry, value);
      if (!checked.ok) {
        const shown = entry.def.mutability === 'WriteOnly' ? '' : ` "${value.slice(0, 60)}"`;
        this.#onWarning(`ignoring the saved value${shown} for ${entry.key} (${checked.problem.additionalInfo}); using the default`);
        continue;
      }
      entry.active = checked.value;
      this.#persisted.set(entry.key, checked.value);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Typed reads for the agent

  has(component: string, variable: string, selector: VariableSelector = {}): boolean {
    return 'entry' in this.#resolveSelector(component, variable, selector);
  }

  getString(component: string, variable: string, selector: VariableSelector = {}): string {
    const entry = this.#entryFor(component, variable, selector);
    if (entry.def.mutability === 'WriteOnly') throw new Error(`${entry.key} is WriteOnly; read it with getSecret`);
    return this.#read(entry) ?? '';
  }

  getInt(component: string, variable: string, selector: VariableSelector = {}): number {
    const text = this.getString(component, variable, selector);
    const n = Number(text);
    if (text === '' || !Number.isSafeInteger(n)) throw new Error(`${component}.${variable} is not an integer: "${text}"`);
    return n;
  }

  getDecimal(component: string, variable: string, selector: VariableSelector = {}): number {
    const text = this.getString(component, variable, selector);
    const n = Number(text);
    if (text === '' || !Number.isFinite(n)) throw new Error(`${component}.${variable} is not a number: "${text}"`);
    return n;
  }

  getBool(component: string, variable: string, selector: VariableSelector = {}): boolean {
    return this.getString(component, variable, selector) === 'true';
  }

  getList(component: string, variable: string, selector: VariableSelector = {}): string[] {
    return listMembers(this.getString(component, variable, selector));
  }

  /** A WriteOnly value (BasicAuthPassword), wrapped so that it does not print; undefined when unset. */
  getSecret(component: string, variable: string, selector: VariableSelector = {}): Secret | undefined {
    const entry = this.#entryFor(component, variable, selector);
    const value = this.#read(entry);
    return value === undefined || value === '' ? undefined : new Secret(value);
  }

  /**
   * The agent's own write (e.g. HeartbeatInterval from a BootNotificationResponse, G02.FR.01):
   * checked, persisted and announced like a SetVariables, and allowed on ReadOnly stored values too.
   */
  async set(component: string, variable: string, value: string, selector: VariableSelector = {}): Promise<SetOutcome> {
    const resolved = this.#resolveSelector(component, variable, selector);
    if (!('entry' in resolved)) throw new Error(`the device model has no ${component}.${variable}`);
    const { entry } = resolved;
    if (!isStored(entry.def)) return { status: 'Rejected', statusInfo: statusInfo('ReadOnly', 'a live value cannot be set') };
    return this.#serialized(async () => {
      const checked = this.#check(entry, value);
      if (!checked.ok) return { status: 'Rejected', statusInfo: statusInfo(checked.problem.reasonCode, checked.problem.additionalInfo) };
      const status = this.#statusFor(entry, checked.value);
      const failure = await this.#commit([[entry, checked.value]]);
      return failure ? { status: 'Rejected', statusInfo: failure } : { status };
    });
  }

  // -------------------------------------------------------------------------------------------
  // B06 GetVariables

  getVariables(request: GetVariablesRequest, size: RequestSize = {}): GetVariablesResponse | RpcErrorAnswer {
    const tooBig = this.#checkLimits('GetVariables', request.getVariableData.length, size.requestBytes ?? jsonByteLength(request));
    if (tooBig) return tooBig;
    const [first, ...rest] = request.getVariableData.map((item) => this.#getOne(item.component, item.variable, item.attributeType));
    // The schema's minItems 1 makes first always present; B06.FR.01: one result per item.
    return { getVariableResult: [first!, ...rest] };
  }

  #getOne(component: ComponentAddress, variable: VariableAddress, attributeType: AttributeEnumType | undefined): GetVariableResultType {
    const base = {
      attributeType: attributeType ?? 'Actual', // B06.FR.03, B06.FR.11
      component: echoComponent(component),
      variable: echoVariable(variable),
    };
    const resolved = this.#resolve(component, variable);
    if (!('entry' in resolved)) return { ...base, attributeStatus: resolved.unknown }; // B06.FR.06, B06.FR.07, B06.FR.15
    const { entry } = resolved;
    if (base.attributeType !== 'Actual') return { ...base, attributeStatus: 'NotSupportedAttributeType' }; // B06.FR.08
    if (entry.def.mutability === 'WriteOnly') {
      return { ...base, attributeStatus: 'Rejected', attributeStatusInfo: statusInfo('WriteOnly') }; // B06.FR.09
    }
    let value: string | undefined;
    try {
      value = this.#read(entry);
    } catch (err) {
      this.#onWarning(`cannot read ${entry.key}: ${(err as Error).message}`);
      return { ...base, attributeStatus: 'Rejected', attributeStatusInfo: statusInfo('InternalError') };
    }
    return { ...base, attributeStatus: 'Accepted', attributeValue: value ?? '' }; // B06.FR.10, B06.FR.13
  }

  // -------------------------------------------------------------------------------------------
  // B05 SetVariables

  /**
   * Items are taken in order. A request that names one variable twice breaks B05.FR.13, which binds
   * the CSMS; the station answers each item and the later value wins, as two requests would.
   * Accepted values are persisted before the response; if that fails, none of them is taken.
   */
  async setVariables(request: SetVariablesRequest, size: RequestSize = {}): Promise<SetVariablesResponse | RpcErrorAnswer> {
    // B05.FR.11 forbids the CSMS to exceed ItemsPerMessage; answered as B06.FR.16/17 allow for GetVariables.
    const tooBig = this.#checkLimits('SetVariables', request.setVariableData.length, size.requestBytes ?? jsonByteLength(request));
    if (tooBig) return tooBig;
    return this.#serialized(async () => {
      const results: SetVariableResultType[] = [];
      const staged: Array<[Entry, string]> = [];
      const stagedResults: SetVariableResultType[] = [];
      for (const item of request.setVariableData) {
        const result = this.#setOne(item, staged);
        results.push(result);
        if (result.attributeStatus === 'Accepted' || result.attributeStatus === 'RebootRequired') stagedResults.push(result);
      }
      const failure = await this.#commit(staged);
      if (failure) {
        for (const r of stagedResults) {
          r.attributeStatus = 'Rejected'; // B05.FR.09: setting failed for a technical reason
          r.attributeStatusInfo = failure;
        }
      }
      const [first, ...rest] = results;
      return { setVariableResult: [first!, ...rest] }; // B05.FR.01
    });
  }

  #setOne(item: SetVariableDataType, staged: Array<[Entry, string]>): SetVariableResultType {
    const base = {
      attributeType: item.attributeType ?? 'Actual', // B05.FR.03, B05.FR.12
      component: echoComponent(item.component),
      variable: echoVariable(item.variable),
    };
    const rejected = (info: StatusInfoType): SetVariableResultType => ({ ...base, attributeStatus: 'Rejected', attributeStatusInfo: info });
    const resolved = this.#resolve(item.component, item.variable);
    if (!('entry' in resolved)) return { ...base, attributeStatus: resolved.unknown }; // B05.FR.04, B05.FR.05
    const { entry } = resolved;
    if (base.attributeType !== 'Actual') return { ...base, attributeStatus: 'NotSupportedAttributeType' }; // B05.FR.06
    if (entry.def.mutability === 'ReadOnly') return rejected(statusInfo('ReadOnly')); // B05.FR.09
    const checked = this.#check(entry, item.attributeValue);
    if (!checked.ok) return rejected(statusInfo(checked.problem.reasonCode, checked.problem.additionalInfo)); // B05.FR.07, B05.FR.08
    staged.push([entry, checked.value]);
    return { ...base, attributeStatus: this.#statusFor(entry, checked.value) }; // B05.FR.10
  }

  #check(entry: Entry, raw: string): ReturnType<typeof checkValue> {
    const checked = checkValue(raw, entry.def.characteristics);
    if (!checked.ok) return checked;
    const reason = entry.def.validate?.(checked.value);
    return reason === undefined ? checked : { ok: false, problem: { reasonCode: 'InvalidValue', additionalInfo: reason } };
  }

  #statusFor(entry: Entry, value: string): SetStatus {
    return entry.def.rebootRequired && value !== entry.active ? 'RebootRequired' : 'Accepted';
  }

  /**
   * Persists then applies staged values; returns why it failed, if it did. A value that needs a
   * restart is persisted but stays out of effect (and unannounced) until the model is built again.
   */
  async #commit(staged: ReadonlyArray<readonly [Entry, string]>): Promise<StatusInfoType | undefined> {
    const next = new Map(this.#persisted);
    for (const [entry, value] of staged) {
      if (isStored(entry.def) && entry.def.persistent !== false) next.set(entry.key, value);
    }
    const changedOnDisk = [...next].some(([k, v]) => this.#persisted.get(k) !== v);
    if (changedOnDisk && this.#store) {
      try {
        await this.#store.save(next);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        this.#onWarning(`cannot save device model values to ${this.#store.file}: ${(err as Error).message}`);
        return statusInfo(code === 'ENOSPC' ? 'OutOfStorage' : 'InternalError', 'the value could not be saved');
      }
    }
    for (const [k, v] of next) this.#persisted.set(k, v);
    // The last value staged for a variable is the one that counts.
    const final = new Map<Entry, string>();
    for (const [entry, value] of staged) final.set(entry, value);
    const changed: Entry[] = [];
    for (const [entry, value] of final) {
      if (entry.def.rebootRequired || value === entry.active) continue;
      entry.active = value;
      changed.push(entry);
    }
    for (const entry of changed) this.#changes.next(this.#changeOf(entry));
    return undefined;
  }

  #changeOf(entry: Entry): VariableChange {
    const { component, variable, mutability } = entry.def;
    const secret = mutability === 'WriteOnly';
    return {
      component: component.name,
      ...(component.instance !== undefined ? { componentInstance: component.instance } : {}),
      ...(component.evse ? { evse: { ...component.evse } } : {}),
      variable: variable.name,
      ...(variable.instance !== undefined ? { instance: variable.instance } : {}),
      value: secret ? MASK : entry.active,
      ...(secret ? { secret: new Secret(entry.active) } : {}),
    };
  }

  // -------------------------------------------------------------------------------------------
  // B07 / B08 reports

  /**
   * B07.FR.07 ConfigurationInventory: what the operator can set. B07.FR.08 FullInventory: all.
   * B07.FR.09 SummaryInventory: availability and problem conditions, per each definition's inSummary.
   */
  report(reportBase: ReportBase): ReportDataType[] {
    const chosen = this.#entries.filter((entry) => {
      switch (reportBase) {
        case 'FullInventory':
          return true;
        case 'ConfigurationInventory':
          return entry.def.mutability !== 'ReadOnly';
        case 'SummaryInventory': {
          const { inSummary } = entry.def;
          return typeof inSummary === 'function' ? inSummary(this.#readQuietly(entry)) : inSummary === true;
        }
      }
    });
    return chosen.map((entry) => this.#reportData(entry));
  }

  /** B08: what a GetReportRequest's componentCriteria and componentVariable select. */
  reportFor(request: GetReportRequest): ReportDataType[] {
    const criteria = request.componentCriteria;
    const cvs = request.componentVariable;
    const componentMeets = new Map<string, boolean>();
    const meetsCriteria = (entry: Entry): boolean => {
      if (!criteria) return true;
      const ck = componentKey(entry.def.component);
      let meets = componentMeets.get(ck);
      if (meets === undefined) {
        const vars = this.#components.get(ck);
        const valueOf = (name: string): string | undefined => {
          const e = vars?.get(variableKey({ name }));
          return e ? this.#readQuietly(e) : undefined;
        };
        // B08.FR.13: any of the criteria. FR.07-09: true or absent; FR.10: Problem only when true.
        meets = criteria.some((criterion) => {
          const has = vars?.has(variableKey({ name: criterion })) ?? false;
          if (criterion === 'Problem') return valueOf('Problem') === 'true';
          return !has || valueOf(criterion) === 'true';
        });
        componentMeets.set(ck, meets);
      }
      return meets;
    };
    // B08.FR.05, B08.FR.11: limited to the componentVariables when given.
    const selected = (entry: Entry): boolean => !cvs || cvs.some((cv) => matchesComponentVariable(entry.def, cv));
    return this.#entries.filter((e) => selected(e) && meetsCriteria(e)).map((e) => this.#reportData(e));
  }

  #reportData(entry: Entry): ReportDataType {
    const { def } = entry;
    const attribute: VariableAttributeType = {
      type: 'Actual',
      mutability: def.mutability,
      persistent: isStored(def) ? def.persistent !== false : false,
      constant: isStored(def) ? (def.constant ?? def.mutability === 'ReadOnly') : false,
    };
    // B07.FR.03 (errata 2025-01): never the value of a WriteOnly variable.
    if (def.mutability !== 'WriteOnly') {
      const value = this.#readQuietly(entry);
      if (value !== undefined) attribute.value = value;
    }
    const c = def.characteristics;
    const characteristics: VariableCharacteristicsType = {
      dataType: c.dataType,
      ...(c.unit !== undefined ? { unit: c.unit } : {}),
      ...(c.minLimit !== undefined ? { minLimit: c.minLimit } : {}),
      ...(c.maxLimit !== undefined ? { maxLimit: c.maxLimit } : {}),
      ...(c.valuesList ? { valuesList: c.valuesList.join(',') } : {}),
      supportsMonitoring: false,
    };
    return {
      component: echoComponent(def.component),
      variable: echoVariable(def.variable),
      variableAttribute: [attribute],
      variableCharacteristics: characteristics,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Shared

  /** The station's own limit from DeviceDataCtrlr, if the model has it. */
  limit(kind: 'ItemsPerMessage' | 'BytesPerMessage', message: 'GetReport' | 'GetVariables' | 'SetVariables'): number | undefined {
    const resolved = this.#resolve({ name: 'DeviceDataCtrlr' }, { name: kind, instance: message });
    if (!('entry' in resolved)) return undefined;
    const n = Number(this.#readQuietly(resolved.entry));
    return Number.isFinite(n) ? n : undefined;
  }

  #checkLimits(message: 'GetReport' | 'GetVariables' | 'SetVariables', items: number, bytes: number): RpcErrorAnswer | undefined {
    const maxItems = this.limit('ItemsPerMessage', message);
    if (maxItems !== undefined && items > maxItems) {
      return { rpcError: 'OccurrenceConstraintViolation', description: `${items} items, more than ItemsPerMessage[${message}] = ${maxItems}` };
    }
    const maxBytes = this.limit('BytesPerMessage', message);
    if (maxBytes !== undefined && bytes > maxBytes) {
      return { rpcError: 'FormatViolation', description: `${bytes} bytes, more than BytesPerMessage[${message}] = ${maxBytes}` };
    }
    return undefined;
  }

  /** For B08.FR.17/18: a GetReportRequest over the station's limits. */
  checkGetReportLimits(request: GetReportRequest, size: RequestSize = {}): RpcErrorAnswer | undefined {
    return this.#checkLimits('GetReport', request.componentVariable?.length ?? 0, size.requestBytes ?? jsonByteLength(request));
  }

  #resolve(component: ComponentAddress, variable: VariableAddress): Resolution {
    const vars = this.#components.get(componentKey(component));
    if (!vars) return { unknown: 'UnknownComponent' };
    const entry = vars.get(variableKey(variable));
    return entry ? { entry } : { unknown: 'UnknownVariable' };
  }

  #resolveSelector(component: string, variable: string, s: VariableSelector): Resolution {
    return this.#resolve(
      { name: component, ...(s.componentInstance !== undefined ? { instance: s.componentInstance } : {}), ...(s.evse ? { evse: s.evse } : {}) },
      { name: variable, ...(s.instance !== undefined ? { instance: s.instance } : {}) },
    );
  }

  #entryFor(component: string, variable: string, selector: VariableSelector): Entry {
    const resolved = this.#resolveSelector(component, variable, selector);
    if (!('entry' in resolved)) throw new Error(`the device model has no ${component}.${variable}`);
    return resolved.entry;
  }

  #read(entry: Entry): string | undefined {
    return isStored(entry.def) ? entry.active : entry.def.read();
  }

  #readQuietly(entry: Entry): string | undefined {
    try {
      return this.#read(entry);
    } catch (err) {
      this.#onWarning(`cannot read ${entry.key}: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** One write at a time, so that the file and the values in effect change in request order. */
  #serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** B08.FR.20-25: what a ComponentVariableType selects; absent fields select every value. */
function matchesComponentVariable(def: VariableDefinition, cv: ComponentVariableType): boolean {
  const c = cv.component;
  if (lower(c.name) !== lower(def.component.name)) return false;
  if (!blank(c.instance) && lower(c.instance) !== lower(def.component.instance)) return false; // B08.FR.24, B08.FR.25
  if (c.evse) {
    if (def.component.evse?.id !== c.evse.id) return false; // B08.FR.22, B08.FR.23
    if (c.evse.connectorId !== undefined && def.component.evse.connectorId !== c.evse.connectorId) return false;
  }
  if (cv.variable) {
    if (lower(cv.variable.name) !== lower(def.variable.name)) return false;
    if (!blank(cv.variable.instance) && lower(cv.variable.instance) !== lower(def.variable.instance)) return false; // B08.FR.21
  }
  return true; // B08.FR.20: no variable, every variable
}

// ---------------------------------------------------------------------------------------------
// NotifyReport

export interface SplitOptions {
  requestId: number;
  itemsPerMessage: number;
  generatedAt: Date | string;
}

/**
 * The NotifyReportRequests carrying one report: the same requestId in each (B07.FR.04), seqNo from
 * 0 (B07.FR.10), tbc true on all but the last. No items still makes one message, without reportData.
 */
export function splitReport(items: readonly ReportDataType[], options: SplitOptions): NotifyReportRequest[] {
  const per = Number.isFinite(options.itemsPerMessage) ? Math.max(1, Math.floor(options.itemsPerMessage)) : Math.max(1, items.length);
  const generatedAt = typeof options.generatedAt === 'string' ? options.generatedAt : options.generatedAt.toISOString();
  const messages: NotifyReportRequest[] = [];
  for (let start = 0; start === 0 || start < items.length; start += per) {
    const [first, ...rest] = items.slice(start, start + per);
    messages.push({
      requestId: options.requestId,
      generatedAt,
      seqNo: messages.length,
      ...(first ? { reportData: [first, ...rest] } : {}),
      tbc: start + per < items.length,
    });
  }
  return messages;
}

export interface ReportAnswerOptions {
  /** Report entries per NotifyReportRequest; default 50. */
  itemsPerMessage?: number;
  now?: () => Date;
  /** B07.FR.13 / B08.FR.16: the station cannot take a report now (e.g. one is being sent). */
  busy?: boolean;
}

export interface ReportAnswer<R> {
  response: R;
  /** To send after the response, in order; none unless the response is Accepted. */
  notifyReports: NotifyReportRequest[];
}

const DEFAULT_REPORT_ITEMS = 50;
const REPORT_BASES: readonly string[] = ['ConfigurationInventory', 'FullInventory', 'SummaryInventory'];

/** B07: the answer to a GetBaseReportRequest and the report it promises. */
export function answerGetBaseReport(
  model: DeviceModel,
  request: GetBaseReportRequest,
  options: ReportAnswerOptions = {},
): ReportAnswer<GetBaseReportResponse> {
  // B07.FR.02, B07.FR.05: an unknown report base gets no report.
  if (!REPORT_BASES.includes(request.reportBase)) return { response: { status: 'NotSupported' }, notifyReports: [] };
  if (options.busy) return { response: { status: 'Rejected' }, notifyReports: [] }; // B07.FR.13
  const items = model.report(request.reportBase);
  if (items.length === 0) return { response: { status: 'EmptyResultSet' }, notifyReports: [] };
  return {
    response: { status: 'Accepted' }, // B07.FR.01
    notifyReports: splitReport(items, {
      requestId: request.requestId,
      itemsPerMessage: options.itemsPerMessage ?? DEFAULT_REPORT_ITEMS,
      generatedAt: (options.now ?? (() => new Date()))(),
    }),
  };
}

/** B08: the answer to a GetReportRequest, or a CALLERROR when it is over the station's limits. */
export function answerGetReport(
  model: DeviceModel,
  request: GetReportRequest,
  options: ReportAnswerOptions & RequestSize = {},
): ReportAnswer<GetReportResponse> | RpcErrorAnswer {
  const tooBig = model.checkGetReportLimits(request, options); // B08.FR.17, B08.FR.18
  if (tooBig) return tooBig;
  if (options.busy) return { response: { status: 'Rejected' }, notifyReports: [] }; // B08.FR.16
  const items = model.reportFor(request);
  if (items.length === 0) return { response: { status: 'EmptyResultSet' }, notifyReports: [] }; // B08.FR.15
  return {
    response: { status: 'Accepted' }, // B08.FR.01
    notifyReports: splitReport(items, {
      requestId: request.requestId, // B08.FR.04
      itemsPerMessage: options.itemsPerMessage ?? DEFAULT_REPORT_ITEMS,
      generatedAt: (options.now ?? (() => new Date()))(),
    }),
  };
}
