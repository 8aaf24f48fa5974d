import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

const require = createRequire(import.meta.url);

/** What the station's metrics use of prom-client. */
export interface PromClientParts extends Pick<typeof PromClient, 'Registry' | 'Counter' | 'Gauge' | 'Histogram'> {
  collectDefaultMetrics(config?: PromClient.DefaultMetricsCollectorConfiguration<PromClient.RegistryContentType>): void;
}

/**
 * prom-client, loaded when a station's metrics are first built: after its first frame went out or
 * at the first scrape, not before its BootNotification (issue 18). CommonJS, so it loads
 * synchronously; its classes are the same whoever loads them. Its modules are required one by one
 * rather than through its index, which also loads its Pushgateway (Node's http, https and TLS) and
 * its cluster aggregator, neither used here: a station on ws:// then never loads TLS (issue 18,
 * idle memory). The default process metrics (v8, perf_hooks) load at the first scrape.
 */
export function promClient(): PromClientParts {
  return {
    Registry: require('prom-client/lib/registry') as PromClientParts['Registry'],
    Counter: require('prom-client/lib/counter') as PromClientParts['Counter'],
    Gauge: require('prom-client/lib/gauge') as PromClientParts['Gauge'],
    Histogram: require('prom-client/lib/histogram') as PromClientParts['Histogram'],
    collectDefaultMetrics: (config) => (require('prom-client/lib/defaultMetrics') as typeof PromClient.collectDefaultMetrics)(config),
  };
}
