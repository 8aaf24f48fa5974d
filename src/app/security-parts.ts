import type { StationConfig } from '../config/station-config.js';
import type { Logger } from '../process/logger.js';
import { CertificateStore, type CertificateService } from '../services/certificates/index.js';
import type { Clock } from '../station/clock.js';
import type { JsonFileStore } from '../store/json-file-store.js';
import { openNetworkProfiles, type NetworkParts } from './network-parts.js';

/**
 * The station's certificate store (issue 15) under storage.dir, seeded at first start from the
 * config's ocpp.caFile (CSMS roots) and ocpp.clientCertificateFile / clientKeyFile (the station's
 * certificate); the config's files stay as they are.
 */
export function openCertificateStore(config: StationConfig, log: Logger, clock: Clock): CertificateStore {
  return CertificateStore.open(config.storage.dir, {
    log: log.child('certificates'),
    seed: { caFile: config.ocpp.caFile, clientCertificateFile: config.ocpp.clientCertificateFile, clientKeyFile: config.ocpp.clientKeyFile },
    nowMs: () => clock.nowMs(),
  });
}

/**
 * The store with the connection's security profile for the adapters' certificate handlers;
 * `securityProfile` defaults to the config's (the network profiles may give the live one).
 */
export function certificateService(store: CertificateStore, config: StationConfig, securityProfile?: () => number): CertificateService {
  return { store, securityProfile: securityProfile ?? (() => config.ocpp.securityProfile) };
}

/**
 * The certificate store and the network profiles, joined: each connection attempt takes the store's
 * CSMS roots and station certificate (a renewed one from the next connection, A02.FR.08), set before
 * the device model checks a stored NetworkConfigurationPriority against the installed roots.
 */
export function openConnectionSecurity(config: StationConfig, parts: { store: JsonFileStore; log: Logger; clock: Clock }): { network: NetworkParts; certificates: CertificateStore } {
  const network = openNetworkProfiles(config, { store: parts.store, log: parts.log.child('network') });
  const certificates = openCertificateStore(config, parts.log, parts.clock);
  network.sources.certificates = certificates;
  return { network, certificates };
}
