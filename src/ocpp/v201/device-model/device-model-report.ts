import type { GetBaseReportRequest, GetBaseReportResponse, GetReportRequest, GetReportResponse, NotifyReportRequest } from 'ocpp-messages/v2.0/index.js';
import type { ReportDataType, VariableAttributeType, VariableCharacteristicsType } from 'ocpp-messages/v2.0/NotifyReportRequest.js';
import { systemClock } from '../../../station/clock.js';
import type { DeviceModel, RequestSize } from './device-model.js';
import {
  componentKey,
  echoComponent,
  echoVariable,
  isStored,
  matchesComponentVariable,
  variableKey,
  type Entry,
  type ReportBase,
  type RpcErrorAnswer,
  type VariableCatalogue,
} from './variable-catalogue.js';

/**
 * B07 GetBaseReport and B08 GetReport: which variables a report holds, how each is described, and
 * the NotifyReportRequests that carry it.
 */

/** Reads an entry's value for a report; undefined when it cannot be read (logged by the model). */
export type QuietReader = (entry: Entry) => string | undefined;

/**
 * B07.FR.07 ConfigurationInventory: what the operator can set. B07.FR.08 FullInventory: all.
 * B07.FR.09 SummaryInventory: availability and problem conditions, per each definition's inSummary.
 */
export function baseReportData(catalogue: VariableCatalogue, reportBase: ReportBase, read: QuietReader): ReportDataType[] {
  const chosen = catalogue.entries.filter((entry) => {
    switch (reportBase) {
      case 'FullInventory':
        return true;
      case 'ConfigurationInventory':
        return entry.def.mutability !== 'ReadOnly';
      case 'SummaryInventory': {
        const { inSummary } = entry.def;
        return typeof inSummary === 'function' ? inSummary(read(entry)) : inSummary === true;
      }
    }
  });
  return chosen.map((entry) => reportData(entry, read));
}

/** B08: what a GetReportRequest's componentCriteria and componentVariable select. */
export function requestedReportData(catalogue: VariableCatalogue, request: GetReportRequest, read: QuietReader): ReportDataType[] {
  const criteria = request.componentCriteria;
  const cvs = request.componentVariable;
  const componentMeets = new Map<string, boolean>();
  const meetsCriteria = (entry: Entry): boolean => {
    if (!criteria) return true;
    const ck = componentKey(entry.def.component);
    let meets = componentMeets.get(ck);
    if (meets === undefined) {
      const vars = catalogue.variablesOf(entry.def.component);
      const valueOf = (name: string): string | undefined => {
        const e = vars?.get(variableKey({ name }));
        return e ? read(e) : undefined;
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
  return catalogue.entries.filter((e) => selected(e) && meetsCriteria(e)).map((e) => reportData(e, read));
}

function reportData(entry: Entry, read: QuietReader): ReportDataType {
  const { def } = entry;
  const attribute: VariableAttributeType = {
    type: 'Actual',
    mutability: def.mutability,
    persistent: isStored(def) ? def.persistent !== false : false,
    constant: isStored(def) ? (def.constant ?? def.mutability === 'ReadOnly') : false,
  };
  // B07.FR.03 (errata 2025-01): never the value of a WriteOnly variable.
  if (def.mutability !== 'WriteOnly') {
    const value = read(entry);
    if (value !== undefined) attribute.value = value;
  }
  const c = def.characteristics;
  // The limits that are defined, in the schema's order.
  const limits: Partial<VariableCharacteristicsType> = {};
  if (c.unit !== undefined) limits.unit = c.unit;
  if (c.minLimit !== undefined) limits.minLimit = c.minLimit;
  if (c.maxLimit !== undefined) limits.maxLimit = c.maxLimit;
  if (c.valuesList) limits.valuesList = c.valuesList.join(',');
  const characteristics: VariableCharacteristicsType = { dataType: c.dataType, ...limits, supportsMonitoring: def.supportsMonitoring === true };
  return {
    component: echoComponent(def.component),
    variable: echoVariable(def.variable),
    variableAttribute: [attribute],
    variableCharacteristics: characteristics,
  };
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
    const message: NotifyReportRequest = { requestId: options.requestId, generatedAt, seqNo: messages.length };
    if (first) message.reportData = [first, ...rest];
    message.tbc = start + per < items.length;
    messages.push(message);
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
      generatedAt: (options.now ?? systemClock.now)(),
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
      generatedAt: (options.now ?? systemClock.now)(),
    }),
  };
}
