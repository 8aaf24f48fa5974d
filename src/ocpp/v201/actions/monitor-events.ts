import type { EventDataType } from 'ocpp-messages/v2.0/NotifyEventRequest.js';
import type { ComponentType } from 'ocpp-messages/v2.0/SetVariableMonitoringRequest.js';
import type { MonitoredVariable, MonitorEvent } from '../../../services/monitoring/index.js';
import { echoComponent } from '../device-model/variable-catalogue.js';

/** The monitored variable as OCPP's component and variable. */
export function componentOf(target: MonitoredVariable): ComponentType {
  const component: ComponentType = { name: target.component };
  if (target.componentInstance !== undefined) component.instance = target.componentInstance;
  if (target.evseId !== undefined) {
    component.evse = { id: target.evseId };
    if (target.connectorId !== undefined) component.evse.connectorId = target.connectorId;
  }
  return component;
}

/** OCPP's component and variable as the service's monitored variable. */
export function targetOf(component: ComponentType, variable: { name: string; instance?: string }): MonitoredVariable {
  const echoed = echoComponent(component);
  const target: MonitoredVariable = { component: echoed.name, variable: variable.name };
  if (echoed.instance !== undefined) target.componentInstance = echoed.instance;
  if (echoed.evse) {
    target.evseId = echoed.evse.id;
    if (echoed.evse.connectorId !== undefined) target.connectorId = echoed.evse.connectorId;
  }
  if (variable.instance !== undefined) target.instance = variable.instance;
  return target;
}

const NOTIFICATION_TYPE = { custom: 'CustomMonitor', preconfigured: 'PreconfiguredMonitor', hardwired: 'HardWiredMonitor' } as const;

/**
 * A monitor's event as NotifyEvent data: who made the monitor (EventNotificationEnumType), with the
 * component, variable and variableMonitoringId that caused it (N07.FR.06); cleared only on a
 * threshold's way back.
 */
export function monitorEventData(e: MonitorEvent, eventId: number, timestamp: string, transactionId?: string): EventDataType {
  const variable: EventDataType['variable'] = { name: e.target.variable };
  if (e.target.instance !== undefined) variable.instance = e.target.instance;
  const data: EventDataType = {
    eventId,
    timestamp,
    trigger: e.trigger,
    actualValue: e.actualValue.slice(0, 2500),
    component: componentOf(e.target),
    variable,
    variableMonitoringId: e.monitorId,
    eventNotificationType: NOTIFICATION_TYPE[e.origin],
  };
  if (e.cleared) data.cleared = true;
  if (transactionId) data.transactionId = transactionId;
  return data;
}
