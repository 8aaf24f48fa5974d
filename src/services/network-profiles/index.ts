/**
 * Network connection profiles (2.0.1 B09/B10, A05; 1.6 security whitepaper A05): the slots, the
 * order they are tried in, which one each connection attempt uses, the security profile reached.
 */
export * from './network-profile.js';
export * from './attempt-plan.js';
export * from './network-profiles.js';

/** The configuration slots the station offers (B09.FR.06: at least two); slot 1 is the config's connection. */
export const NETWORK_PROFILE_SLOTS: readonly number[] = [1, 2, 3];
