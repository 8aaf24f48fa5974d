import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

const require = createRequire(import.meta.url);

/**
 * prom-client (with its default metrics and @opentelemetry/api beneath them, some 90 modules),
 * loaded when a station's metrics are first built: after its first frame went out or at the first
 * scrape, not before its BootNotification (issue 18). CommonJS, so it loads synchronously; its
 * classes and global registry are the same whoever loads it.
 */
export function promClient(): typeof PromClient {
  return require('prom-client') as typeof PromClient;
}
