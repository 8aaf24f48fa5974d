import type { StationConfig } from '../config/station-config.js';
import type { Logger } from '../process/logger.js';
import { CertificateStore, type CertificateService } from '../services/certificates/index.js';
import type { Clock } from '../station/clock.js';

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
