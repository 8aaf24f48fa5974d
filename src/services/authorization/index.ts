/**
 * Authorization, for either OCPP version: the Authorization Cache, the Local Authorization List and
 * the LocalAuthorizer that puts them in front of the CSMS. The protocol adapters turn their requests
 * into these calls.
 */
export * from './id-token-info.js';
export * from './authorization-cache.js';
export * from './local-authorization-list.js';
export * from './local-authorizer.js';
