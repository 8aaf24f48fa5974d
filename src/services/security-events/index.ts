/**
 * Events and the security log, for either OCPP version: security events (A04) with the local
 * security log and the durable queue of critical ones, and every event the station observes
 * (security-watch.ts). The version's messages are made by its adapter's actions.
 */
export * from './security-event-types.js';
export * from './security-events.js';
export * from './connection-failure-streak.js';
export * from './security-rules.js';
export * from './memory-watch.js';
export * from './security-watch.js';
