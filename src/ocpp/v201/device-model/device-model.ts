import { Subject, type Observable } from 'rxjs';
import type {
  GetReportRequest,
  GetVariablesRequest,
  GetVariablesResponse,
  SetVariablesRequest,
  SetVariablesResponse,
} from 'ocpp-messages/v2.0/index.js';
import type { AttributeEnumType, GetVariableResultType } from 'ocpp-messages/v2.0/GetVariablesResponse.js';
import type { ReportDataType } from 'ocpp-messages/v2.0/NotifyReportRequest.js';
import type { SetVariableDataType } from 'ocpp-messages/v2.0/SetVariablesRequest.js';
import type { SetVariableResultType, StatusInfoType } from 'ocpp-messages/v2.0/SetVariablesResponse.js';
import { Secret } from '../../../config/station-config.js';
import { SettingsFile } from '../../../store/settings-file.js';
import { jsonByteLength } from '../../../util/json-text.js';
import { overMessageLimits } from './message-limits.js';
import { baseReportData, requestedReportData } from './device-model-report.js';
import { checkValue, listMembers } from './value-format.js';
import { definedOnly } from './definition-helpers.js';
import {
  echoComponent,
  echoVariable,
  isStored,
  statusInfo,
  VariableCatalogue,
  type ComponentAddress,
  type Entry,
  type ReportBase,
  type Resolution,
  type RpcErrorAnswer,
  type VariableAddress,
  type VariableChange,
  type VariableSelector,
} from './variable-catalogue.js';

/** Where the writable values the CSMS set are kept, in the storage folder. */
export const DEVICE_MODEL_FILE = 'device-model.json';

/**
 * The OCPP 2.0.1 device model (Part 1 chapter 4, Part 2 block B): components and their variables,
 * read and written by the CSMS with GetVariables (B06) and SetVariables (B05), and reported with
 * GetBaseReport (B07) and GetReport (B08). Only the Actual attribute exists here: the station has no
 * Target, MinSet or MaxSet values. Monitors (block N) are the monitoring service's; it reads values here. The catalogue of variables is in
 * variable-catalogue.ts, the reports in device-model-report.ts, the value formats in value-format.ts.
 */

export type { DataType, VariableCharacteristics } from './value-format.js';
export {
  isRpcErrorAnswer,
  type ComponentAddress,
  type EvseAddress,
  type LiveVariableDefinition,
  type Mutability,
  type ReportBase,
  type RpcErrorAnswer,
  type StoredVariableDefinition,
  type VariableAddress,
  type VariableChange,
  type VariableDefinition,
  type VariableSelector,
} from './variable-catalogue.js';
export { answerGetBaseReport, answerGetReport, splitReport, type ReportAnswer, type ReportAnswerOptions, type SplitOptions } from './device-model-report.js';

export type { DeviceModelOptions, MonitorableVariable, RequestSize, SetOutcome, SetStatus } from './device-model-types.js';
import type { DeviceModelOptions, MonitorableVariable, RequestSize, SetOutcome, SetStatus } from './device-model-types.js';

/** How a WriteOnly value is shown in a change notice. */
const MASK = '********';

export class DeviceModel {
  readonly changes$: Observable<VariableChange>;
  readonly #changes = new Subject<VariableChange>();
  readonly #catalogue: VariableCatalogue;
  /** What the file holds (or would, without a storage folder): set values by readable key. */
  readonly #persisted = new Map<string, string>();
  readonly #store: SettingsFile | undefined;
  readonly #onWarning: (message: string) => void;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: DeviceModelOptions) {
    this.#onWarning = options.onWarning ?? (() => undefined);
    this.changes$ = this.#changes.asObservable();
    this.#catalogue = new VariableCatalogue(options.definitions);
    if (options.storageDir !== undefined) {
      this.#store = new SettingsFile(options.storageDir, DEVICE_MODEL_FILE, 'default device model values', this.#onWarning);
      this.#loadPersisted(this.#store.load());
    }
  }

  /** Saved values override the defaults; any that no longer fit the definition are dropped. */
  #loadPersisted(saved: ReadonlyMap<string, string>): void {
    for (const [key, value] of saved) {
      const entry = this.#catalogue.byKey(key);
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
  // N04/N07 monitors

  /** What a monitor on that variable needs to know of it (N04.FR.03-06); which one is unknown otherwise. */
  monitorable(component: ComponentAddress, variable: VariableAddress): MonitorableVariable | { unknown: 'UnknownComponent' | 'UnknownVariable' } {
    const resolved = this.#resolve(component, variable);
    if (!('entry' in resolved)) return { unknown: resolved.unknown };
    const { characteristics, mutability } = resolved.entry.def;
    return definedOnly({ dataType: characteristics.dataType, minLimit: characteristics.minLimit, maxLimit: characteristics.maxLimit, writeOnly: mutability === 'WriteOnly' });
  }

  /** The Actual value a monitor compares: undefined for an unknown or WriteOnly variable (N07.FR.10) or one that cannot be read now. */
  actualValue(component: ComponentAddress, variable: VariableAddress): string | undefined {
    const resolved = this.#resolve(component, variable);
    if (!('entry' in resolved) || resolved.entry.def.mutability === 'WriteOnly') return undefined;
    return this.#readQuietly(resolved.entry);
  }

  // -------------------------------------------------------------------------------------------
  // B06 GetVariables

  getVariables(request: GetVariablesRequest, size: RequestSize = {}): GetVariablesResponse | RpcErrorAnswer {
    const tooBig = overMessageLimits(this, 'GetVariables', request.getVariableData.length, size.requestBytes ?? jsonByteLength(request));
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
    const tooBig = overMessageLimits(this, 'SetVariables', request.setVariableData.length, size.requestBytes ?? jsonByteLength(request));
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
    const change: VariableChange = { component: component.name, variable: variable.name, value: secret ? MASK : entry.active };
    if (component.instance !== undefined) change.componentInstance = component.instance;
    if (component.evse) change.evse = { ...component.evse };
    if (variable.instance !== undefined) change.instance = variable.instance;
    if (secret) change.secret = new Secret(entry.active);
    return change;
  }

  // -------------------------------------------------------------------------------------------
  // B07 / B08 reports

  /** B07: the variables a base report holds (see device-model-report.ts). */
  report(reportBase: ReportBase): ReportDataType[] {
    return baseReportData(this.#catalogue, reportBase, (entry) => this.#readQuietly(entry));
  }

  /** B08: what a GetReportRequest's componentCriteria and componentVariable select. */
  reportFor(request: GetReportRequest): ReportDataType[] {
    return requestedReportData(this.#catalogue, request, (entry) => this.#readQuietly(entry));
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

  /** For B08.FR.17/18: a GetReportRequest over the station's limits. */
  checkGetReportLimits(request: GetReportRequest, size: RequestSize = {}): RpcErrorAnswer | undefined {
    return overMessageLimits(this, 'GetReport', request.componentVariable?.length ?? 0, size.requestBytes ?? jsonByteLength(request));
  }

  #resolve(component: ComponentAddress, variable: VariableAddress): Resolution {
    return this.#catalogue.resolve(component, variable);
  }

  #resolveSelector(component: string, variable: string, s: VariableSelector): Resolution {
    return this.#catalogue.resolveSelector(component, variable, s);
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
