import type { GetMonitoringReportRequest, GetMonitoringReportResponse, NotifyMonitoringReportRequest, SetMonitoringBaseRequest, SetMonitoringBaseResponse } from 'ocpp-messages/v2.0/index.js';
import type { ComponentVariableType, MonitoringCriterionEnumType } from 'ocpp-messages/v2.0/GetMonitoringReportRequest.js';
import type { MonitoringDataType } from 'ocpp-messages/v2.0/NotifyMonitoringReportRequest.js';
import { sameTarget, type Monitor, type MonitorType, type VariableMonitoring } from '../../../services/monitoring/index.js';
import type { V201Context } from '../context.js';
import { componentOf } from './monitor-events.js';

/** N02.FR.12-14: which monitor types each criterion selects. */
const CRITERION_TYPES: Record<MonitoringCriterionEnumType, readonly MonitorType[]> = {
  ThresholdMonitoring: ['UpperThreshold', 'LowerThreshold'],
  DeltaMonitoring: ['Delta'],
  PeriodicMonitoring: ['Periodic', 'PeriodicClockAligned'],
};

/** Monitor variables (MonitoringData) per NotifyMonitoringReport part. */
const MONITORS_PER_PART = 20;

const same = (a: string | undefined, b: string | undefined): boolean => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

/** Whether a componentVariable selects the monitor: what it names must match, what it leaves out matches all (N02.FR.16/17/18/21). */
function selects(cv: ComponentVariableType, m: Monitor): boolean {
  const t = m.target;
  const { component: c, variable: v } = cv;
  if (!same(c.name, t.component)) return false;
  if (c.instance !== undefined && !same(c.instance, t.componentInstance)) return false;
  if (c.evse && (c.evse.id !== t.evseId || (c.evse.connectorId !== undefined && c.evse.connectorId !== t.connectorId))) return false;
  if (v && !same(v.name, t.variable)) return false;
  return !(v?.instance !== undefined && !same(v.instance, t.instance));
}

/** N02.FR.05/06/08/11: the monitors the request selects, by criteria and component variables. */
export function selectMonitors(monitors: readonly Monitor[], request: GetMonitoringReportRequest): Monitor[] {
  const types = request.monitoringCriteria ? new Set(request.monitoringCriteria.flatMap((c) => CRITERION_TYPES[c])) : undefined;
  return monitors.filter((m) => (!types || types.has(m.type)) && (!request.componentVariable || request.componentVariable.some((cv) => selects(cv, m))));
}

/** The selected monitors as NotifyMonitoringReport parts: one MonitoringData per variable, seqNo from 0 (N02.FR.09), tbc on all but the last. */
export function monitoringReportParts(monitors: readonly Monitor[], requestId: number, generatedAt: string): NotifyMonitoringReportRequest[] {
  const data: Array<{ first: Monitor; item: MonitoringDataType }> = [];
  for (const m of monitors) {
    const entry = { id: m.id, transaction: m.transaction, value: m.value, type: m.type, severity: m.severity };
    const existing = data.find((d) => sameTarget(d.first.target, m.target));
    if (existing) {
      existing.item.variableMonitoring.push(entry);
      continue;
    }
    const variable = m.target.instance === undefined ? { name: m.target.variable } : { name: m.target.variable, instance: m.target.instance };
    data.push({ first: m, item: { component: componentOf(m.target), variable, variableMonitoring: [entry] } });
  }
  const parts: NotifyMonitoringReportRequest[] = [];
  for (let i = 0; i < data.length; i += MONITORS_PER_PART) {
    const [first, ...rest] = data.slice(i, i + MONITORS_PER_PART).map((d) => d.item);
    parts.push({ requestId, seqNo: parts.length, generatedAt, tbc: i + MONITORS_PER_PART < data.length, monitor: [first!, ...rest] });
  }
  return parts;
}

/** N02 GetMonitoringReport: Accepted and the report after the response (N02.FR.03/04), or EmptyResultSet when nothing is selected (N02.FR.10). */
export const getMonitoringReport = (ctx: V201Context, monitoring: VariableMonitoring) => (payload: unknown): GetMonitoringReportResponse => {
  const request = payload as GetMonitoringReportRequest;
  const selected = selectMonitors(monitoring.list(), request);
  if (selected.length === 0) return { status: 'EmptyResultSet' };
  const parts = monitoringReportParts(selected, request.requestId, ctx.clock.iso());
  // After the response has gone out, as messages the CSMS asked for (B02.FR.02).
  setImmediate(() => {
    void (async () => {
      try {
        for (const part of parts) await ctx.send('NotifyMonitoringReport', part, { triggered: true });
      } catch (err) {
        ctx.log.warning(`NotifyMonitoringReport ${request.requestId} not delivered in full: ${(err as Error).message}`);
      }
    })();
  });
  return { status: 'Accepted' };
};

/** N03 SetMonitoringBase: All, FactoryDefault and HardWiredOnly as the service applies them (N03.FR.01/03-05). */
export const setMonitoringBase = (monitoring: VariableMonitoring) => (payload: unknown): SetMonitoringBaseResponse => {
  const { monitoringBase } = payload as SetMonitoringBaseRequest;
  if (monitoring.setBase(monitoringBase)) return { status: 'Accepted' };
  return { status: 'Rejected', statusInfo: { reasonCode: 'InternalError', additionalInfo: 'the monitors could not be stored' } };
};
