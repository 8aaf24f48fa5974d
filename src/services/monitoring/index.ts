export * from './monitor.js';
export { MonitorStore, type StoredMonitoring } from './monitor-store.js';
export { LOWEST_SEVERITY, sameTarget, VariableMonitoring, type MonitorRequest, type MonitorSetOutcome, type VariableMonitoringOptions } from './variable-monitoring.js';
