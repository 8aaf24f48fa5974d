export * from './monitor.js';
export { MonitorStore, type MonitoringBase, type StoredMonitoring } from './monitor-store.js';
export { LOWEST_SEVERITY, sameTarget, VariableMonitoring, type MonitorDefinition, type MonitorRequest, type MonitorSetOutcome, type VariableMonitoringOptions } from './variable-monitoring.js';
export { EventNotifications, MAX_QUEUED_EVENTS, type EventNotificationsOptions } from './event-notifications.js';
