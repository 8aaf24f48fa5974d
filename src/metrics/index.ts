export { StationMetrics, type MetricsPage, type MetricsSources } from './station-metrics.js';
export { OcppTraffic } from './ocpp-traffic.js';
export { ContactorWear } from './contactor-wear.js';
