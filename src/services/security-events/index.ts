/**
 * Events and the security log, for either OCPP version: security events (A04) with the local
 * security log and the durable queue of critical ones, the security events of failed connections
 * (A00). The version's messages are made by its adapter's actions.
 */
export * from './security-event-types.js';
export * from './security-events.js';
export * from './connection-failure-streak.js';
