import type { ComponentVariableType } from 'ocpp-messages/v2.0/GetReportRequest.js';
import type { StatusInfoType } from 'ocpp-messages/v2.0/SetVariablesResponse.js';
import type { Secret } from '../../../config/station-config.js';
import { checkValue, type VariableCharacteristics } from './value-format.js';

/**
 * The device model's catalogue (Part 1 chapter 4): which components and variables exist, how each
 * is defined, and how a request's component and variable names find one. Names and instances are
 * matched without regard to case, as the schemas say. Values live in the DeviceModel.
 */

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
  /** A measured value a monitor can watch: reports say supportsMonitoring true (Part 2, VariableCharacteristicsType). */
  supportsMonitoring?: boolean;
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

/** One variable of the catalogue with the value in effect. */
export interface Entry {
  readonly def: VariableDefinition;
  /** Readable and unique, e.g. "EVSE@1/Power", "DeviceDataCtrlr/ItemsPerMessage[GetVariables]". */
  readonly key: string;
  /** The value in effect (stored variables only). */
  active: string;
}

export type Resolution = { entry: Entry } | { unknown: 'UnknownComponent' | 'UnknownVariable' };

export const isStored = (def: VariableDefinition): def is StoredVariableDefinition => !('read' in def);
const blank = (s: string | undefined): s is undefined | '' => s === undefined || s === '';
const lower = (s: string | undefined): string => (blank(s) ? '' : s.toLowerCase());

export function componentKey(c: ComponentAddress): string {
  return [lower(c.name), lower(c.instance), c.evse ? String(c.evse.id) : '', c.evse?.connectorId ?? ''].join('|');
}

export function variableKey(v: VariableAddress): string {
  return `${lower(v.name)}|${lower(v.instance)}`;
}

function readableKey(c: ComponentAddress, v: VariableAddress): string {
  const inst = (s: string | undefined): string => (blank(s) ? '' : `[${s}]`);
  const evse = c.evse ? `@${c.evse.id}${c.evse.connectorId !== undefined ? `.${c.evse.connectorId}` : ''}` : '';
  return `${c.name}${inst(c.instance)}${evse}/${v.name}${inst(v.instance)}`;
}

/** The component and variable as the request named them (B05.FR.02, B06.FR.02), without customData. */
export function echoComponent(c: ComponentAddress): ComponentAddress {
  const echo: ComponentAddress = { name: c.name };
  if (c.instance !== undefined) echo.instance = c.instance;
  if (c.evse) {
    echo.evse = { id: c.evse.id };
    if (c.evse.connectorId !== undefined) echo.evse.connectorId = c.evse.connectorId;
  }
  return echo;
}

export function echoVariable(v: VariableAddress): VariableAddress {
  const echo: VariableAddress = { name: v.name };
  if (v.instance !== undefined) echo.instance = v.instance;
  return echo;
}

export function statusInfo(reasonCode: string, additionalInfo?: string): StatusInfoType {
  const info: StatusInfoType = { reasonCode };
  if (additionalInfo) info.additionalInfo = additionalInfo.slice(0, 512);
  return info;
}

/** B08.FR.20-25: what a ComponentVariableType selects; absent fields select every value. */
export function matchesComponentVariable(def: VariableDefinition, cv: ComponentVariableType): boolean {
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

/** The variables of a device model, in definition order, found by address or readable key. */
export class VariableCatalogue {
  /** In definition order (the order of reports). */
  readonly entries: Entry[] = [];
  readonly #components = new Map<string, Map<string, Entry>>();
  readonly #byKey = new Map<string, Entry>();

  constructor(definitions: readonly VariableDefinition[]) {
    for (const def of definitions) this.#define(def);
  }

  /** The entry with this readable key, in any case. */
  byKey(key: string): Entry | undefined {
    return this.#byKey.get(key.toLowerCase());
  }

  /** The variables of one component, by variableKey. */
  variablesOf(component: ComponentAddress): ReadonlyMap<string, Entry> | undefined {
    return this.#components.get(componentKey(component));
  }

  resolve(component: ComponentAddress, variable: VariableAddress): Resolution {
    const vars = this.#components.get(componentKey(component));
    if (!vars) return { unknown: 'UnknownComponent' };
    const entry = vars.get(variableKey(variable));
    return entry ? { entry } : { unknown: 'UnknownVariable' };
  }

  resolveSelector(component: string, variable: string, s: VariableSelector): Resolution {
    const componentAddress: ComponentAddress = { name: component };
    if (s.componentInstance !== undefined) componentAddress.instance = s.componentInstance;
    if (s.evse) componentAddress.evse = s.evse;
    const variableAddress: VariableAddress = { name: variable };
    if (s.instance !== undefined) variableAddress.instance = s.instance;
    return this.resolve(componentAddress, variableAddress);
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
    this.entries.push(entry);
    this.#byKey.set(key.toLowerCase(), entry);
    const ck = componentKey(def.component);
    let vars = this.#components.get(ck);
    if (!vars) this.#components.set(ck, (vars = new Map()));
    vars.set(variableKey(def.variable), entry);
  }
}
